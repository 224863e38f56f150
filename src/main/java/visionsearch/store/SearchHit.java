package visionsearch.store;

import java.util.Map;
import java.util.Objects;

/**
 * One search result, ranked by {@code score} (higher is more similar).
 *
 * @param id       the item's id
 * @param path     the item's path or URL
 * @param score    the similarity (cosine, dot, or minus the L2 distance)
 * @param distance the store's distance for this hit (lower is closer)
 * @param metadata the item's metadata
 */
public record SearchHit(String id, String path, double score, double distance, Map<String, String> metadata) {
    /** Checks and copies the components. */
    public SearchHit {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(path, "path");
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
    }
}
