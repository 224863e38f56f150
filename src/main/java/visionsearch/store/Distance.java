package visionsearch.store;

/** How a store ranks vectors; scores are always "higher is more similar". */
public enum Distance {
    /** Cosine similarity; score = cosine, distance = 1 - cosine. pgvector operator {@code <=>}. */
    COSINE,
    /** Inner product; score = dot, distance = -dot. pgvector operator {@code <#>}. */
    DOT,
    /** Euclidean; score = -distance, distance = L2. pgvector operator {@code <->}. */
    L2
}
