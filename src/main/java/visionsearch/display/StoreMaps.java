package visionsearch.display;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import visionsearch.store.VectorStore;

/** The records of a store as points for a 2-D map ({@link Projections}), grouped by file name. */
public final class StoreMaps {
    private StoreMaps() {
    }

    /**
     * Returns one map item per record of {@code store}, labelled by its file name and grouped by
     * {@code groupByFile} (file name to group, e.g. {@code Captions.themes(captionsCsv)}; "" where missing), in the
     * order of the file names.
     */
    public static List<MapItem> items(VectorStore store, Map<String, String> groupByFile) {
        Objects.requireNonNull(store, "store");
        Objects.requireNonNull(groupByFile, "groupByFile");
        List<MapItem> out = new ArrayList<>();
        for (VectorStore.StoredItem item : store.items()) {
            String file = Tables.fileName(item.path());
            store.vector(item.id()).ifPresent(v -> out.add(new MapItem(file, groupByFile.getOrDefault(file, ""), v)));
        }
        out.sort(java.util.Comparator.comparing(MapItem::label));
        return out;
    }
}
