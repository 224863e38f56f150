package visionsearch.store;

/**
 * How {@link VectorStore#hybridSearch} fuses its two rankings, by Reciprocal Rank Fusion: an item's fused
 * score is {@code vectorWeight / (k + vector rank) + keywordWeight / (k + keyword rank)}, a list it is not in
 * adding nothing.
 *
 * <p>Each list is the best {@code candidates} items of one ranking (nearest vectors; keyword matches by
 * relevance), among the items that pass the metadata filter. Ranks start at 1; items with equal scores in a
 * list share the better rank (1, 2, 2, 4), so the fused order never depends on how a store breaks a tie; equal
 * fused scores are ordered by id. A weight of 0 leaves its list out (so {@code withWeights(1, 0)} ranks by
 * vector alone, {@code withWeights(0, 1)} by keywords alone, keeping only items that match them).
 *
 * @param k            the rank constant (60, as in the RRF paper and Azure AI Search): larger flattens the
 *                     difference between the top ranks
 * @param vectorWeight the weight of the vector ranking, at least 0
 * @param keywordWeight the weight of the keyword ranking, at least 0
 * @param candidates   how many items each ranking contributes, 1 to {@value #MAX_CANDIDATES}
 */
public record RankFusion(int k, double vectorWeight, double keywordWeight, int candidates) {
    /** The largest number of candidates per list (pgvector's {@code hnsw.ef_search} stops at 1000). */
    public static final int MAX_CANDIDATES = 1000;

    /** Checks the components, naming the bad one. */
    public RankFusion {
        if (k < 1) {
            throw new IllegalArgumentException("RRF k must be at least 1, got " + k + " (60 is the usual value)");
        }
        checkWeight("vectorWeight", vectorWeight);
        checkWeight("keywordWeight", keywordWeight);
        if (vectorWeight == 0 && keywordWeight == 0) {
            throw new IllegalArgumentException("vectorWeight and keywordWeight are both 0: give at least one list a"
                    + " positive weight");
        }
        if (candidates < 1 || candidates > MAX_CANDIDATES) {
            throw new IllegalArgumentException("candidates must be 1.." + MAX_CANDIDATES + ", got " + candidates);
        }
    }

    /** Returns the usual fusion: k = 60, both weights 1, 100 candidates per list. */
    public static RankFusion rrf() {
        return new RankFusion(60, 1.0, 1.0, 100);
    }

    /** Returns this fusion with rank constant {@code k}. */
    public RankFusion withK(int k) {
        return new RankFusion(k, vectorWeight, keywordWeight, candidates);
    }

    /** Returns this fusion with the given weights (0 leaves a list out). */
    public RankFusion withWeights(double vectorWeight, double keywordWeight) {
        return new RankFusion(k, vectorWeight, keywordWeight, candidates);
    }

    /** Returns this fusion with {@code candidates} items per list. */
    public RankFusion withCandidates(int candidates) {
        return new RankFusion(k, vectorWeight, keywordWeight, candidates);
    }

    /** Returns what rank {@code rank} (1 = best; 0 = not in the list) of a list with {@code weight} adds to the fused score. */
    public double contribution(double weight, int rank) {
        return rank == 0 ? 0.0 : weight / (k + rank);
    }

    /** Returns a short description, e.g. {@code RRF k=60, vector 1.0, keyword 1.0, 100 candidates per list}. */
    public String describe() {
        return "RRF k=" + k + ", vector " + vectorWeight + ", keyword " + keywordWeight + ", " + candidates
                + " candidates per list";
    }

    private static void checkWeight(String name, double weight) {
        if (!(weight >= 0) || Double.isInfinite(weight)) {
            throw new IllegalArgumentException(name + " must be a finite number of at least 0, got " + weight);
        }
    }
}
