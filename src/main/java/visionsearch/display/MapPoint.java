package visionsearch.display;

import java.util.Objects;

/**
 * One point of a 2-D {@link EmbeddingMap}.
 *
 * @param label the point's name
 * @param group its colour group (theme); empty for none
 * @param x     the first coordinate
 * @param y     the second coordinate
 * @param query true for a text query drawn among the images
 */
public record MapPoint(String label, String group, double x, double y, boolean query) {
    /** Checks the components. */
    public MapPoint {
        Objects.requireNonNull(label, "label");
        group = group == null ? "" : group;
    }
}
