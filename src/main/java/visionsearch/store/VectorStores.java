package visionsearch.store;

/**
 * Opens the store that configuration asks for: PostgreSQL + pgvector when a database URL is given, else the
 * embedded in-memory store. For the command line and notebooks.
 *
 * <pre>{@code
 * VectorStore store = VectorStores.open(System.getenv("DATABASE_URL"), "images", embedder.modelId(),
 *         embedder.dimensions(), Distance.COSINE);
 * }</pre>
 */
public final class VectorStores {
    private VectorStores() {
    }

    /**
     * Returns a {@link PgVectorStore} on collection {@code collection} (HNSW index, float32 vectors) when
     * {@code databaseUrl} is a JDBC or libpq URL, or an empty {@link InMemoryVectorStore} when it is null or blank.
     */
    public static VectorStore open(String databaseUrl, String collection, String modelId, int dimensions,
                                   Distance distance) {
        if (databaseUrl == null || databaseUrl.isBlank()) {
            return InMemoryVectorStore.create(modelId, dimensions, distance);
        }
        return PgVectorStore.builder(databaseUrl).collection(collection).model(modelId, dimensions)
                .distance(distance).build();
    }
}
