package visionsearch.store;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One result of {@link VectorStore#hybridSearch}: the item, where it stood in each ranking, and its fused score.
 *
 * @param hit         the item, with its vector similarity to the query (also when it was not among the vector
 *                    candidates)
 * @param vectorRank  its rank among the nearest vectors (1 = nearest), or 0 if it was not a vector candidate
 * @param keywordRank its rank among the keyword matches (1 = most relevant), or 0 if it was not a keyword
 *                    candidate (it did not match, or matched below the candidates)
 * @param fused       its Reciprocal Rank Fusion score (higher is better; see {@link RankFusion})
 */
public record HybridHit(SearchHit hit, int vectorRank, int keywordRank, double fused) {
    /** Checks the components. */
    public HybridHit {
        Objects.requireNonNull(hit, "hit");
        if (vectorRank < 0 || keywordRank < 0) {
            throw new IllegalArgumentException("ranks are 0 (not in the list) or positive, got " + vectorRank + " and "
                    + keywordRank);
        }
    }

    /**
     * Returns vector-only hits (best first) with the ranks and fused scores {@link VectorStore#hybridSearch} gives
     * when the keyword weight is 0: equal scores share a rank.
     */
    public static List<HybridHit> vectorOnly(List<SearchHit> hits, RankFusion fusion) {
        int[] ranks = Rrf.ranks(hits.stream().mapToDouble(SearchHit::score).toArray());
        List<HybridHit> out = new ArrayList<>(hits.size());
        for (int i = 0; i < hits.size(); i++) {
            out.add(new HybridHit(hits.get(i), ranks[i], 0, fusion.contribution(fusion.vectorWeight(), ranks[i])));
        }
        return out;
    }

    /** Returns the item's id. */
    public String id() {
        return hit.id();
    }

    /** Returns the item's path or URL. */
    public String path() {
        return hit.path();
    }

    /** Returns the item's metadata. */
    public Map<String, String> metadata() {
        return hit.metadata();
    }

    /** Returns the item's vector similarity to the query (cosine, dot, or minus the L2 distance). */
    public double score() {
        return hit.score();
    }
}
