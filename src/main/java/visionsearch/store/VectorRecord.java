package visionsearch.store;

import java.util.Map;
import java.util.Objects;

/**
 * One item to store: an image's id, path, metadata, content hash and vector.
 *
 * @param id            a stable id, unique within the store (upsert replaces by id)
 * @param path          where the image lives (file path or URL), for display
 * @param metadata      string metadata, e.g. theme or caption; filters match on it
 * @param contentSha256 the lower-case hex SHA-256 of the image bytes (for de-duplication and resume)
 * @param vector        the embedding; copied on the way in and out
 */
public record VectorRecord(String id, String path, Map<String, String> metadata, String contentSha256, float[] vector) {

    /** Checks and copies the components. */
    public VectorRecord {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(vector, "vector");
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
        contentSha256 = contentSha256 == null ? "" : contentSha256;
        vector = vector.clone();
    }

    /** Returns a copy of the vector. */
    @Override
    public float[] vector() {
        return vector.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof VectorRecord r && id.equals(r.id) && path.equals(r.path) && metadata.equals(r.metadata)
                && contentSha256.equals(r.contentSha256) && java.util.Arrays.equals(vector, r.vector);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, path, metadata, contentSha256, java.util.Arrays.hashCode(vector));
    }

    @Override
    public String toString() {
        return "VectorRecord[id=" + id + ", path=" + path + ", metadata=" + metadata + ", dimensions=" + vector.length + "]";
    }
}
