package visionsearch.display;

import java.util.Objects;
import visionsearch.store.VectorRecord;

/**
 * One vector to place on a 2-D map, with the label shown for it and the group (theme) that
 * gives it its colour.
 *
 * @param label  the point's name, e.g. a file name or a query text
 * @param group  the colour group, e.g. the image's theme; empty for none
 * @param vector the embedding; copied on the way in and out
 */
public record MapItem(String label, String group, float[] vector) {

    /** Checks and copies the components. */
    public MapItem {
        Objects.requireNonNull(label, "label");
        group = group == null ? "" : group;
        vector = Objects.requireNonNull(vector, "vector").clone();
    }

    /** Returns a map item for a stored record: labelled by its file name, grouped by metadata {@code groupKey}. */
    public static MapItem of(VectorRecord record, String groupKey) {
        Objects.requireNonNull(record, "record");
        return new MapItem(Tables.fileName(record.path()), record.metadata().getOrDefault(groupKey, ""), record.vector());
    }

    /** Returns a map item for a text query (no group). */
    public static MapItem query(String text, float[] vector) {
        return new MapItem(text, "", vector);
    }

    /** Returns a copy of the vector. */
    @Override
    public float[] vector() {
        return vector.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MapItem m && label.equals(m.label) && group.equals(m.group)
                && java.util.Arrays.equals(vector, m.vector);
    }

    @Override
    public int hashCode() {
        return Objects.hash(label, group, java.util.Arrays.hashCode(vector));
    }

    @Override
    public String toString() {
        return "MapItem[label=" + label + ", group=" + group + ", dimensions=" + vector.length + "]";
    }
}
