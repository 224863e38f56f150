package visionsearch.store;

/**
 * Opens the store that configuration asks for: PostgreSQL + pgvector when a database URL is given (distributed
 * by Citus when the server has it), else the embedded in-memory store. For the command line and notebooks.
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
        return open(databaseUrl, collection, modelId, dimensions, distance, Distribution.auto());
    }

    /**
     * As {@link #open(String, String, String, int, Distance)}, laying a new PostgreSQL collection out on Citus as
     * {@code distribution} says (by default: distributed when the server has Citus); ignored for the in-memory store.
     */
    public static VectorStore open(String databaseUrl, String collection, String modelId, int dimensions,
                                   Distance distance, Distribution distribution) {
        if (databaseUrl == null || databaseUrl.isBlank()) {
            return InMemoryVectorStore.create(modelId, dimensions, distance);
        }
        return PgVectorStore.builder(databaseUrl).collection(collection).model(modelId, dimensions)
                .distance(distance).distribution(distribution).build();
    }

    /**
     * The model a stored collection was made for.
     *
     * @param modelId    the model id its vectors carry
     * @param dimensions the dimension of its vectors
     */
    public record StoredModel(String modelId, int dimensions) {
    }

    /**
     * Returns the model and dimension of {@code collection} in the PostgreSQL database at
     * {@code databaseUrl}, or empty if there is no such collection yet; creates nothing. For opening an
     * existing collection before any embedding is made, and a new one only once the first one is.
     */
    public static java.util.Optional<StoredModel> collectionModel(String databaseUrl, String collection) {
        return PgCatalog.model(DatabaseUrl.parse(databaseUrl), collection);
    }
}
