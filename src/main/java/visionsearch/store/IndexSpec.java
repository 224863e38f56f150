package visionsearch.store;

/**
 * The approximate index {@link PgVectorStore} builds on its embedding column.
 *
 * @param kind           none, HNSW or IVFFlat
 * @param m              HNSW: links per node (pgvector's default 16)
 * @param efConstruction HNSW: candidate list size while building (default 64)
 * @param lists          IVFFlat: number of lists (rule of thumb: rows / 1000 up to 1M rows)
 */
public record IndexSpec(Kind kind, int m, int efConstruction, int lists) {

    /** The index access methods pgvector offers. */
    public enum Kind {
        /** No index: every search is an exact scan. */
        NONE,
        /** Hierarchical navigable small world graph: best speed/recall, slower to build. */
        HNSW,
        /** Inverted file with flat lists: quick to build, build it after loading data. */
        IVFFLAT
    }

    /** Checks the parameters against pgvector's limits. */
    public IndexSpec {
        java.util.Objects.requireNonNull(kind, "kind");
        if (kind == Kind.HNSW && (m < 2 || m > 100 || efConstruction < 4 || efConstruction > 1000
                || efConstruction < 2 * m)) {
            throw new IllegalArgumentException("HNSW needs 2 <= m <= 100 and 2*m <= ef_construction <= 1000, got m="
                    + m + ", ef_construction=" + efConstruction);
        }
        if (kind == Kind.IVFFLAT && (lists < 1 || lists > 32768)) {
            throw new IllegalArgumentException("IVFFlat needs 1 <= lists <= 32768, got " + lists);
        }
    }

    /** No index (exact scans). */
    public static IndexSpec none() {
        return new IndexSpec(Kind.NONE, 0, 0, 0);
    }

    /** HNSW with pgvector's defaults m = 16, ef_construction = 64. */
    public static IndexSpec hnsw() {
        return hnsw(16, 64);
    }

    /** HNSW with the given {@code m} and {@code ef_construction}. */
    public static IndexSpec hnsw(int m, int efConstruction) {
        return new IndexSpec(Kind.HNSW, m, efConstruction, 0);
    }

    /** IVFFlat with the given number of lists. */
    public static IndexSpec ivfflat(int lists) {
        return new IndexSpec(Kind.IVFFLAT, 0, 0, lists);
    }
}
