package visionsearch.store;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The records of an {@link InMemoryVectorStore}: vectors in one contiguous {@code float[]} (no boxing), the
 * ids, paths, content hashes and metadata in parallel arrays, and a map from id to slot. Not thread-safe: the
 * store guards it with its read/write lock. Vectors come in already prepared (unit length for COSINE).
 */
final class VectorTable {
    private static final int INITIAL_CAPACITY = 64;

    final int dimensions;
    float[] data;
    String[] ids;
    String[] paths;
    String[] hashes;
    Map<String, String>[] metadata;
    int size;
    private HashMap<String, Integer> slotById = new HashMap<>();

    VectorTable(int dimensions) {
        this(dimensions, INITIAL_CAPACITY);
    }

    private VectorTable(int dimensions, int capacity) {
        this.dimensions = dimensions;
        allocate(Math.max(INITIAL_CAPACITY, capacity));
    }

    /** A table holding what a snapshot holds; a duplicate id means the file is corrupt. */
    static VectorTable of(StoreFile.Contents c, Path file) {
        VectorTable t = new VectorTable(c.dimensions(), c.count());
        System.arraycopy(c.data(), 0, t.data, 0, c.count() * c.dimensions());
        for (int i = 0; i < c.count(); i++) {
            t.ids[i] = c.ids()[i];
            t.paths[i] = c.paths()[i];
            t.hashes[i] = c.hashes()[i];
            t.metadata[i] = c.metadata()[i];
            if (t.slotById.put(t.ids[i], i) != null) {
                throw new VectorStoreException("the vector store file " + file + " holds the id '" + t.ids[i]
                        + "' twice; it is corrupt");
            }
        }
        t.size = c.count();
        return t;
    }

    /** What a snapshot of this table holds (the arrays are shared, not copied). */
    StoreFile.Contents contents(String modelId, Distance distance, StoreFile.Identity identity) {
        return new StoreFile.Contents(modelId, dimensions, distance, size, ids, paths, hashes, metadata, data, identity);
    }

    /** Returns the slot of {@code id}, or -1. */
    int slot(String id) {
        Integer slot = slotById.get(id);
        return slot == null ? -1 : slot;
    }

    /** Inserts or replaces the record {@code id}; its vector is {@code dimensions} floats of {@code vector} from {@code offset}. */
    void put(String id, String path, String hash, Map<String, String> meta, float[] vector, int offset) {
        Integer slot = slotById.get(id);
        int s;
        if (slot == null) {
            s = size;
            ensureCapacity(size + 1);
            size++;
            slotById.put(id, s);
        } else {
            s = slot;
        }
        System.arraycopy(vector, offset, data, s * dimensions, dimensions);
        ids[s] = id;
        paths[s] = path;
        hashes[s] = hash;
        metadata[s] = meta;
    }

    /** Copies the record {@code id} of {@code other} into this table, or removes it here if {@code other} has none. */
    void copyFrom(VectorTable other, String id) {
        int s = other.slot(id);
        if (s < 0) {
            remove(id);
        } else {
            put(id, other.paths[s], other.hashes[s], other.metadata[s], other.data, s * dimensions);
        }
    }

    /**
     * Makes room for {@code extra} more records at once (a log about to be read): growing by doubling would
     * copy the vectors several times, and large arrays are costly to copy and collect.
     */
    void reserve(long extra) {
        long needed = Math.min(size + extra, (Integer.MAX_VALUE - 8) / dimensions);
        if (needed <= 2L * ids.length) {
            return; // growing by doubling is as good
        }
        ensureCapacity((int) needed, (int) needed);
        HashMap<String, Integer> bigger = new HashMap<>((int) Math.min(Integer.MAX_VALUE - 8, needed * 4 / 3 + 1));
        bigger.putAll(slotById);
        slotById = bigger;
    }

    /** Removes the record {@code id} (the last record moves into its slot); returns true if there was one. */
    boolean remove(String id) {
        Integer slot = slotById.remove(id);
        if (slot == null) {
            return false;
        }
        int last = size - 1;
        if (slot != last) {
            System.arraycopy(data, last * dimensions, data, slot * dimensions, dimensions);
            ids[slot] = ids[last];
            paths[slot] = paths[last];
            hashes[slot] = hashes[last];
            metadata[slot] = metadata[last];
            slotById.put(ids[slot], slot);
        }
        ids[last] = null;
        paths[last] = null;
        hashes[last] = null;
        metadata[last] = null;
        size = last;
        return true;
    }

    @SuppressWarnings("unchecked")
    private void allocate(int capacity) {
        data = new float[Math.multiplyExact(capacity, dimensions)];
        ids = new String[capacity];
        paths = new String[capacity];
        hashes = new String[capacity];
        metadata = new Map[capacity];
    }

    private void ensureCapacity(int needed) {
        if (needed <= ids.length) {
            return;
        }
        ensureCapacity(needed, (int) Math.min(Integer.MAX_VALUE, Math.max(needed, (long) ids.length * 2)));
    }

    private void ensureCapacity(int needed, int wanted) {
        long max = (Integer.MAX_VALUE - 8) / dimensions;
        if (needed > max) {
            throw new VectorStoreException("the in-memory store is full: at most " + max + " vectors of "
                    + dimensions + " dimensions fit in one array; use PgVectorStore for more");
        }
        int capacity = (int) Math.min(max, wanted);
        data = Arrays.copyOf(data, capacity * dimensions);
        ids = Arrays.copyOf(ids, capacity);
        paths = Arrays.copyOf(paths, capacity);
        hashes = Arrays.copyOf(hashes, capacity);
        metadata = Arrays.copyOf(metadata, capacity);
    }
}
