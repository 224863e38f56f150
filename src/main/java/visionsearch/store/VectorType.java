package visionsearch.store;

/** How {@link PgVectorStore} keeps vectors in PostgreSQL. */
public enum VectorType {
    /** pgvector's {@code vector(d)}: 4-byte floats, up to 2,000 dimensions in an index. */
    VECTOR("vector"),
    /** pgvector's {@code halfvec(d)} (0.7+): 2-byte floats, half the size, up to 4,000 dimensions in an index. */
    HALFVEC("halfvec");

    private final String sqlName;

    VectorType(String sqlName) {
        this.sqlName = sqlName;
    }

    /** Returns the SQL type name, {@code vector} or {@code halfvec}. */
    public String sqlName() {
        return sqlName;
    }
}
