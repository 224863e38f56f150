package visionsearch.store;

/**
 * Per-query settings for {@link PgVectorStore#search(float[], int, java.util.Map, SearchOptions)}, applied with
 * {@code SET LOCAL} inside the query's transaction.
 *
 * @param efSearch HNSW candidate list size ({@code hnsw.ef_search}; pgvector's default 40); higher: better recall,
 *                 slower; 0 keeps the server's setting
 * @param probes   IVFFlat lists to visit ({@code ivfflat.probes}; default 1); 0 keeps the server's setting
 * @param exact    true: bypass the index and scan every row (exact results, for comparison)
 */
public record SearchOptions(int efSearch, int probes, boolean exact) {

    /** Checks the ranges pgvector accepts. */
    public SearchOptions {
        if (efSearch != 0 && (efSearch < 1 || efSearch > 1000)) {
            throw new IllegalArgumentException("efSearch must be 0 (server default) or 1..1000, got " + efSearch);
        }
        if (probes < 0) {
            throw new IllegalArgumentException("probes must be 0 (server default) or positive, got " + probes);
        }
    }

    /** The server's settings, using the index. */
    public static SearchOptions defaults() {
        return new SearchOptions(0, 0, false);
    }

    /** An exact scan that ignores any index. */
    public static SearchOptions exactScan() {
        return new SearchOptions(0, 0, true);
    }

    /** HNSW with the given {@code ef_search}. */
    public static SearchOptions efSearch(int efSearch) {
        return new SearchOptions(efSearch, 0, false);
    }

    /** IVFFlat visiting the given number of lists. */
    public static SearchOptions probes(int probes) {
        return new SearchOptions(0, probes, false);
    }
}
