package visionsearch.index;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import visionsearch.store.VectorStore;

/**
 * What the store holds, read once per run (or when a store is opened on the first answer), and what
 * the folder holds now: together they say which images to skip and which records went stale (the
 * file at the record's path was edited, moved, deleted or is no image any more).
 *
 * <p>Records this indexer made have the content hash as their id; only those can go stale, only for
 * paths under the folder, and never while the file at the path cannot be read (or is refused, e.g.
 * too large). Confined to one thread.
 */
final class StoredRecords {
    private static final String NOT_AN_IMAGE = "";
    private static final String UNREADABLE = "!";

    private final FolderFiles folder;
    private final Set<String> listed = new HashSet<>();
    /** Path to content hash, {@link #NOT_AN_IMAGE} or {@link #UNREADABLE}, as read in this run. */
    private final Map<String, String> current = new HashMap<>();
    private List<VectorStore.StoredItem> items = List.of();
    private Map<String, List<VectorStore.StoredItem>> byHash = Map.of();

    StoredRecords(FolderFiles folder) {
        this.folder = folder;
        for (Path f : folder.files) {
            listed.add(f.toString());
        }
    }

    /** Takes what the store holds; called once, before or during the run. */
    void load(List<VectorStore.StoredItem> stored) {
        items = List.copyOf(stored);
        Map<String, List<VectorStore.StoredItem>> map = new HashMap<>();
        for (VectorStore.StoredItem item : items) {
            if (!item.contentSha256().isEmpty()) {
                map.computeIfAbsent(item.contentSha256(), k -> new ArrayList<>(1)).add(item);
            }
        }
        byHash = map;
    }

    /** Notes what the file just read at {@code read.file()} is now. */
    void noteRead(FolderFiles.Read read) {
        current.put(read.file().toString(), read.isImage() ? read.sha256()
                : read.failure() != null ? UNREADABLE : NOT_AN_IMAGE);
    }

    /** True if the store holds a record of this content that is not stale, so the image need not be embedded. */
    boolean holds(String sha256) {
        for (VectorStore.StoredItem item : byHash.getOrDefault(sha256, List.of())) {
            if (!stale(item)) {
                return true;
            }
        }
        return false;
    }

    /** The ids of the records that went stale. */
    List<String> staleIds() {
        List<String> out = new ArrayList<>();
        for (VectorStore.StoredItem item : items) {
            if (stale(item)) {
                out.add(item.id());
            }
        }
        return out;
    }

    private boolean stale(VectorStore.StoredItem item) {
        if (!item.id().equals(item.contentSha256()) || !folder.covers(item.path())) {
            return false;
        }
        String now = currentHash(item.path());
        return !now.equals(UNREADABLE) && !now.equals(item.id());
    }

    /** What the file at {@code path} holds now; read on demand (hash only) if the run has not reached it yet. */
    private String currentHash(String path) {
        if (!listed.contains(path)) {
            return NOT_AN_IMAGE; // gone (or never a regular file of this folder)
        }
        String known = current.get(path);
        if (known == null) {
            noteRead(FolderFiles.read(folder.root, Path.of(path), false));
            known = current.get(path);
        }
        return known;
    }
}
