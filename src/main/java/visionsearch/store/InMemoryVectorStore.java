package visionsearch.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import visionsearch.vector.Vectors;

/**
 * The embedded default store: exact top-k search over vectors held in memory, optionally saved
 * to and loaded from one file.
 *
 * <p>Vectors live in one contiguous {@code float[]} (no boxing); a query scans it once and keeps
 * the best {@code k} in a bounded heap. For {@link Distance#COSINE} the store keeps unit-length
 * copies, so a query is one dot product per item. Reads run in parallel, writes exclusively
 * (a read/write lock).
 *
 * <p>Files are written atomically (a temporary file, fsync, then an atomic rename), with a header
 * naming the model and dimension and a CRC-32C checksum over everything: a torn, truncated or
 * corrupt file is refused with {@link VectorStoreException}, never half-loaded. The format is
 * described in {@link StoreFile}.
 */
public final class InMemoryVectorStore implements VectorStore {
    private static final int INITIAL_CAPACITY = 64;

    private final String modelId;
    private final int dimensions;
    private final Distance distance;
    private final Path file;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();

    private float[] data;
    private String[] ids;
    private String[] paths;
    private String[] hashes;
    private Map<String, String>[] metadata;
    private int size;
    private final HashMap<String, Integer> slotById = new HashMap<>();
    private volatile boolean closed;
    /** The version of {@link #file} this store read or last wrote (null: there was no file). */
    private FileVersion version;

    /** Serialises {@link #save()} within this JVM; a file lock beside the store file does it across processes. */
    private static final Object SAVE_LOCK = new Object();

    private InMemoryVectorStore(String modelId, int dimensions, Distance distance, Path file) {
        this.modelId = requireModelId(modelId);
        if (dimensions <= 0) {
            throw new IllegalArgumentException("dimensions must be positive, got " + dimensions);
        }
        this.dimensions = dimensions;
        this.distance = Objects.requireNonNull(distance, "distance");
        this.file = file;
        allocate(INITIAL_CAPACITY);
    }

    /** Creates an empty store for vectors of {@code modelId} with {@code dimensions} components, not bound to a file. */
    public static InMemoryVectorStore create(String modelId, int dimensions, Distance distance) {
        return new InMemoryVectorStore(modelId, dimensions, distance, null);
    }

    /**
     * Opens the store saved in {@code file}, or an empty one if the file does not exist yet; {@link #save()}
     * writes back to it.
     *
     * @throws VectorStoreException if the file holds another model, dimension or distance (the message names
     *                              both), or is truncated or corrupt
     */
    public static InMemoryVectorStore open(Path file, String modelId, int dimensions, Distance distance) {
        Objects.requireNonNull(file, "file");
        InMemoryVectorStore store = new InMemoryVectorStore(modelId, dimensions, distance, file);
        try {
            store.readFile(modelId, dimensions, distance);
        } catch (NoSuchFileException e) {
            return store;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the vector store file " + file + ": " + e.getMessage(), e);
        }
        return store;
    }

    /**
     * Loads the store saved in {@code file}, taking the model id, dimension and distance from the file;
     * {@link #save()} writes back to it.
     *
     * @throws VectorStoreException if the file is missing, truncated or corrupt
     */
    public static InMemoryVectorStore load(Path file) {
        Objects.requireNonNull(file, "file");
        StoreFile.Contents contents;
        try {
            contents = StoreFile.read(file, null, 0, null);
        } catch (NoSuchFileException e) {
            throw new VectorStoreException("no vector store file at " + file
                    + "; create one with InMemoryVectorStore.open(file, modelId, dimensions, distance)");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the vector store file " + file + ": " + e.getMessage(), e);
        }
        InMemoryVectorStore store = new InMemoryVectorStore(contents.modelId(), contents.dimensions(),
                contents.distance(), file);
        try {
            store.readFile(contents.modelId(), contents.dimensions(), contents.distance());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the vector store file " + file + ": " + e.getMessage(), e);
        }
        return store;
    }

    /** Reads {@link #file} into this empty store and notes its version; reads again if it was replaced meanwhile. */
    private void readFile(String modelId, int dimensions, Distance distance) throws IOException {
        for (int attempt = 1; ; attempt++) {
            FileVersion before = FileVersion.of(file);
            StoreFile.Contents contents = StoreFile.read(file, modelId, dimensions, distance);
            FileVersion after = FileVersion.of(file);
            if (Objects.equals(before, after) || attempt == 5) {
                install(contents);
                version = after;
                return;
            }
        }
    }

    /** Returns the file this store was opened from and {@link #save()} writes to, or null. */
    public Path file() {
        return file;
    }

    @Override
    public String modelId() {
        return modelId;
    }

    @Override
    public int dimensions() {
        return dimensions;
    }

    @Override
    public Distance distance() {
        return distance;
    }

    @Override
    public void upsert(List<VectorRecord> records) {
        Objects.requireNonNull(records, "records");
        checkOpen();
        // Validate and prepare everything before touching the store: all or nothing.
        float[][] prepared = new float[records.size()][];
        for (int i = 0; i < records.size(); i++) {
            VectorRecord r = Objects.requireNonNull(records.get(i), "records[" + i + "]");
            prepared[i] = prepare(r.vector(), "record '" + r.id() + "'");
        }
        lock.writeLock().lock();
        try {
            checkOpen();
            for (int i = 0; i < records.size(); i++) {
                VectorRecord r = records.get(i);
                Integer slot = slotById.get(r.id());
                int s;
                if (slot == null) {
                    s = size;
                    ensureCapacity(size + 1);
                    size++;
                    slotById.put(r.id(), s);
                } else {
                    s = slot;
                }
                System.arraycopy(prepared[i], 0, data, s * dimensions, dimensions);
                ids[s] = r.id();
                paths[s] = r.path();
                hashes[s] = r.contentSha256();
                metadata[s] = r.metadata();
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public List<SearchHit> search(float[] query, int k, Map<String, String> filter) {
        Objects.requireNonNull(query, "query");
        if (k <= 0) {
            throw new IllegalArgumentException("k must be positive, got " + k);
        }
        Map<String, String> f = filter == null ? Map.of() : filter;
        float[] q = prepare(query, "query");
        lock.readLock().lock();
        try {
            checkOpen();
            TopK top = scan(q, Math.min(k, Math.max(size, 1)), f);
            List<SearchHit> hits = new ArrayList<>(top.size);
            for (int i = 0; i < top.size; i++) {
                hits.add(hit(q, top.slots[i]));
            }
            hits.sort(Comparator.comparingDouble(SearchHit::score).reversed().thenComparing(SearchHit::id));
            return hits;
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public boolean delete(String id) {
        Objects.requireNonNull(id, "id");
        lock.writeLock().lock();
        try {
            checkOpen();
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
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public long count() {
        lock.readLock().lock();
        try {
            checkOpen();
            return size;
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public List<StoredItem> items() {
        lock.readLock().lock();
        try {
            checkOpen();
            List<StoredItem> out = new ArrayList<>(size);
            for (int i = 0; i < size; i++) {
                out.add(new StoredItem(ids[i], paths[i], hashes[i]));
            }
            return out;
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public Set<String> contentHashes() {
        lock.readLock().lock();
        try {
            checkOpen();
            Set<String> out = new HashSet<>(size * 2);
            for (int i = 0; i < size; i++) {
                if (!hashes[i].isEmpty()) {
                    out.add(hashes[i]);
                }
            }
            return out;
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * Writes the store to the file it was opened from, atomically, unless another program or store
     * object has saved to that file since this store read or last wrote it: then nothing is written,
     * so that two writers never silently drop each other's records. Saves hold a lock on a file named
     * like the store file plus {@code .lock}, beside it.
     *
     * @throws IllegalStateException if the store was made by {@link #create} (use {@link #save(Path)})
     * @throws VectorStoreException  if the file was replaced since this store read or wrote it
     */
    public void save() {
        if (file == null) {
            throw new IllegalStateException("this store has no file: it was made by InMemoryVectorStore.create; "
                    + "use save(Path) or InMemoryVectorStore.open(file, ...)");
        }
        Path lockFile = file.resolveSibling(file.getFileName() + ".lock");
        synchronized (SAVE_LOCK) {
            try {
                Files.createDirectories(file.toAbsolutePath().getParent());
                try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                     FileLock ignored = channel.lock()) {
                    if (!Objects.equals(FileVersion.of(file), version)) {
                        throw new VectorStoreException("the vector store file " + file + " was changed by another "
                                + "program or store object since this store read it (a second `index` of the same "
                                + "collection?); nothing was overwritten. Run again (or open the store again): "
                                + "it then holds the other run's records, and images already stored are skipped");
                    }
                    save(file);
                    version = FileVersion.of(file);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot lock " + lockFile + " to save the vector store: " + e.getMessage(), e);
            }
        }
    }

    /** Which file is at a path: its file key (inode), time and size; null if there is none. */
    private record FileVersion(Object key, FileTime modified, long size) {
        static FileVersion of(Path file) throws IOException {
            try {
                BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
                return new FileVersion(a.fileKey(), a.lastModifiedTime(), a.size());
            } catch (NoSuchFileException e) {
                return null;
            }
        }
    }

    /**
     * Writes the store to {@code target} atomically: readers of {@code target} see either the old file or the
     * complete new one, never a part.
     */
    public void save(Path target) {
        Objects.requireNonNull(target, "target");
        lock.readLock().lock();
        try {
            checkOpen();
            StoreFile.write(target, new StoreFile.Contents(modelId, dimensions, distance, size, ids, paths, hashes,
                    metadata, data));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save the vector store to " + target + ": " + e.getMessage(), e);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Closes the store and frees its memory; it does not save (call {@link #save()} first). */
    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            closed = true;
            slotById.clear();
            data = new float[0];
            size = 0;
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public String toString() {
        return "InMemoryVectorStore[model=" + modelId + ", dimensions=" + dimensions + ", distance=" + distance
                + ", count=" + size + (file == null ? "" : ", file=" + file) + "]";
    }

    // --- internals ---

    private void install(StoreFile.Contents c) {
        allocate(Math.max(INITIAL_CAPACITY, c.count()));
        System.arraycopy(c.data(), 0, data, 0, c.count() * dimensions);
        for (int i = 0; i < c.count(); i++) {
            ids[i] = c.ids()[i];
            paths[i] = c.paths()[i];
            hashes[i] = c.hashes()[i];
            metadata[i] = c.metadata()[i];
            if (slotById.put(ids[i], i) != null) {
                throw new VectorStoreException("the vector store file " + file + " holds the id '" + ids[i]
                        + "' twice; it is corrupt");
            }
        }
        size = c.count();
    }

    private float[] prepare(float[] vector, String what) {
        if (vector.length != dimensions) {
            throw new IllegalArgumentException("vector dimension mismatch for " + what + ": this store holds "
                    + dimensions + "-dimensional vectors of model '" + modelId + "', got " + vector.length
                    + " dimensions; embed with the store's model or use a store for the other model");
        }
        if (!Vectors.allFinite(vector)) {
            throw new IllegalArgumentException("the vector of " + what + " has a NaN or infinite component");
        }
        if (distance == Distance.COSINE) {
            if (Vectors.norm(vector) == 0) {
                throw new IllegalArgumentException("the vector of " + what
                        + " is all zeros; cosine similarity is undefined for it");
            }
            return Vectors.normalize(vector);
        }
        return vector.clone();
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
        long max = (Integer.MAX_VALUE - 8) / dimensions;
        if (needed > max) {
            throw new VectorStoreException("the in-memory store is full: at most " + max + " vectors of "
                    + dimensions + " dimensions fit in one array; use PgVectorStore for more");
        }
        int capacity = (int) Math.min(max, Math.max(needed, (long) ids.length * 2));
        data = Arrays.copyOf(data, capacity * dimensions);
        ids = Arrays.copyOf(ids, capacity);
        paths = Arrays.copyOf(paths, capacity);
        hashes = Arrays.copyOf(hashes, capacity);
        metadata = Arrays.copyOf(metadata, capacity);
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the vector store for model '" + modelId + "' is closed");
        }
    }

    /** One exact pass over every (matching) vector, keeping the best k. */
    private TopK scan(float[] q, int k, Map<String, String> filter) {
        TopK top = new TopK(k);
        final float[] d = data;
        final int dims = dimensions;
        final int n = size;
        final boolean filtered = !filter.isEmpty();
        final boolean l2 = distance == Distance.L2;
        for (int slot = 0, off = 0; slot < n; slot++, off += dims) {
            if (filtered && !matches(metadata[slot], filter)) {
                continue;
            }
            float s = l2 ? -squaredL2(q, d, off, dims) : dot(q, d, off, dims);
            top.offer(slot, s);
        }
        return top;
    }

    private SearchHit hit(float[] q, int slot) {
        float[] v = Arrays.copyOfRange(data, slot * dimensions, (slot + 1) * dimensions);
        double score;
        double dist;
        switch (distance) {
            case COSINE -> {
                score = Math.max(-1.0, Math.min(1.0, Vectors.dot(q, v)));
                dist = 1.0 - score;
            }
            case DOT -> {
                score = Vectors.dot(q, v);
                dist = -score;
            }
            default -> {
                dist = Vectors.euclidean(q, v);
                score = -dist;
            }
        }
        return new SearchHit(ids[slot], paths[slot], score, dist, metadata[slot]);
    }

    static boolean matches(Map<String, String> metadata, Map<String, String> filter) {
        for (Map.Entry<String, String> e : filter.entrySet()) {
            if (!Objects.equals(metadata.get(e.getKey()), e.getValue())) {
                return false;
            }
        }
        return true;
    }

    // Eight independent float accumulators: the JIT keeps them in registers and the loop is bound by memory
    // bandwidth rather than by the latency of one long chain of additions.
    static float dot(float[] q, float[] d, int off, int dims) {
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
        int i = 0;
        for (; i + 7 < dims; i += 8) {
            int j = off + i;
            s0 += q[i] * d[j];
            s1 += q[i + 1] * d[j + 1];
            s2 += q[i + 2] * d[j + 2];
            s3 += q[i + 3] * d[j + 3];
            s4 += q[i + 4] * d[j + 4];
            s5 += q[i + 5] * d[j + 5];
            s6 += q[i + 6] * d[j + 6];
            s7 += q[i + 7] * d[j + 7];
        }
        for (; i < dims; i++) {
            s0 += q[i] * d[off + i];
        }
        return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
    }

    static float squaredL2(float[] q, float[] d, int off, int dims) {
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int i = 0;
        for (; i + 3 < dims; i += 4) {
            int j = off + i;
            float e0 = q[i] - d[j];
            float e1 = q[i + 1] - d[j + 1];
            float e2 = q[i + 2] - d[j + 2];
            float e3 = q[i + 3] - d[j + 3];
            s0 += e0 * e0;
            s1 += e1 * e1;
            s2 += e2 * e2;
            s3 += e3 * e3;
        }
        for (; i < dims; i++) {
            float e = q[i] - d[off + i];
            s0 += e * e;
        }
        return (s0 + s1) + (s2 + s3);
    }

    /** A bounded min-heap of (slot, score): the root is the worst of the best k seen so far. */
    static final class TopK {
        final int[] slots;
        final float[] scores;
        int size;

        TopK(int k) {
            slots = new int[k];
            scores = new float[k];
        }

        void offer(int slot, float score) {
            int k = slots.length;
            if (size < k) {
                int i = size++;
                while (i > 0) {
                    int parent = (i - 1) >>> 1;
                    if (scores[parent] <= score) {
                        break;
                    }
                    slots[i] = slots[parent];
                    scores[i] = scores[parent];
                    i = parent;
                }
                slots[i] = slot;
                scores[i] = score;
            } else if (score > scores[0]) {
                int i = 0;
                while (true) {
                    int child = 2 * i + 1;
                    if (child >= k) {
                        break;
                    }
                    if (child + 1 < k && scores[child + 1] < scores[child]) {
                        child++;
                    }
                    if (scores[child] >= score) {
                        break;
                    }
                    slots[i] = slots[child];
                    scores[i] = scores[child];
                    i = child;
                }
                slots[i] = slot;
                scores[i] = score;
            }
        }
    }

    private static String requireModelId(String modelId) {
        Objects.requireNonNull(modelId, "modelId");
        if (modelId.isBlank()) {
            throw new IllegalArgumentException("modelId must not be blank");
        }
        return modelId;
    }
}
