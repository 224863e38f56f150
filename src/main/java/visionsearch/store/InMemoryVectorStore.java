package visionsearch.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import visionsearch.vector.Vectors;

/**
 * The embedded default store: exact top-k search over vectors held in memory, optionally saved
 * to and loaded from a file.
 *
 * <p>Vectors live in one contiguous {@code float[]} (no boxing); a query scans it once and keeps
 * the best {@code k} in a bounded heap. For {@link Distance#COSINE} the store keeps unit-length
 * copies, so a query is one dot product per item. Reads run in parallel, writes exclusively
 * (a read/write lock).
 *
 * <p>On disk a store is a snapshot file ({@link StoreFile}: a header naming the model and dimension, a
 * CRC-32C over everything, written atomically by a temporary file, fsync and rename) and a log beside it
 * ({@code <file>.log}, {@link StoreLog}): each {@link #save()} appends the records upserted and the ids
 * deleted since the last one as one checksummed group, so a save costs about what it adds, not the size of
 * the store. When at least half of what the two files hold is superseded or deleted, a save compacts them
 * into a new snapshot. Opening reads the snapshot, then the log; a torn last group (a crash during a save)
 * is left out, and any other damage refuses the store with {@link VectorStoreException}, never half-loaded.
 * Several stores or processes may save to one file: see {@link #save()}.
 */
public final class InMemoryVectorStore implements VectorStore {
    private final String modelId;
    private final int dimensions;
    private final Distance distance;
    /** The files behind this store, or null for a store made by {@link #create}. */
    private final StoreFiles files;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();

    private VectorTable table;
    /** The ids upserted or deleted since the last save (kept only for a store with a file). */
    private final Set<String> pending = new LinkedHashSet<>();
    private volatile boolean closed;
    private final MemoryHybrid hybrid = new MemoryHybrid(this);

    private InMemoryVectorStore(String modelId, int dimensions, Distance distance, StoreFiles files) {
        this.modelId = requireModelId(modelId);
        if (dimensions <= 0) {
            throw new IllegalArgumentException("dimensions must be positive, got " + dimensions);
        }
        this.dimensions = dimensions;
        this.distance = Objects.requireNonNull(distance, "distance");
        this.files = files;
        this.table = new VectorTable(dimensions);
    }

    /** Creates an empty store for vectors of {@code modelId} with {@code dimensions} components, not bound to a file. */
    public static InMemoryVectorStore create(String modelId, int dimensions, Distance distance) {
        return new InMemoryVectorStore(modelId, dimensions, distance, null);
    }

    /**
     * Opens the store saved in {@code file} (and its log), or an empty one if the file does not exist yet;
     * {@link #save()} writes back to it.
     *
     * @throws VectorStoreException if the file holds another model, dimension or distance (the message names
     *                              both), or is truncated or corrupt
     */
    public static InMemoryVectorStore open(Path file, String modelId, int dimensions, Distance distance) {
        Objects.requireNonNull(file, "file");
        InMemoryVectorStore store = new InMemoryVectorStore(modelId, dimensions, distance, new StoreFiles(file));
        StoreFiles.Loaded loaded = store.files.locked(false, () -> store.files.load(modelId, dimensions, distance));
        if (loaded != null) {
            store.table = loaded.table();
        }
        return store;
    }

    /**
     * Loads the store saved in {@code file} (and its log), taking the model id, dimension and distance from the
     * file; {@link #save()} writes back to it.
     *
     * @throws VectorStoreException if the file is missing, truncated or corrupt
     */
    public static InMemoryVectorStore load(Path file) {
        Objects.requireNonNull(file, "file");
        StoreFiles files = new StoreFiles(file);
        StoreFiles.Loaded loaded = files.locked(false, () -> files.load(null, 0, null));
        if (loaded == null) {
            throw new VectorStoreException("no vector store file at " + file
                    + "; create one with InMemoryVectorStore.open(file, modelId, dimensions, distance)");
        }
        InMemoryVectorStore store = new InMemoryVectorStore(loaded.modelId(), loaded.dimensions(), loaded.distance(),
                files);
        store.table = loaded.table();
        return store;
    }

    /** Returns the file this store was opened from and {@link #save()} writes to, or null. */
    public Path file() {
        return files == null ? null : files.file;
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
                table.put(r.id(), r.path(), r.contentSha256(), r.metadata(), prepared[i], 0);
                if (files != null) {
                    pending.add(r.id());
                }
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
            TopK top = scan(q, Math.min(k, Math.max(table.size, 1)), f);
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

    /** Keyword ranking by BM25 (Lucene), fused with the exact vector ranking; see {@link VectorStore#hybridSearch}. */
    @Override
    public List<HybridHit> hybridSearch(float[] query, String keywords, int k, Map<String, String> filter,
                                        RankFusion fusion) {
        return hybrid.search(query, keywords, k, filter, fusion);
    }

    /** Sets the language keyword search stems and drops stop words in (default english); returns this store. */
    public InMemoryVectorStore keywordLanguage(String language) {
        hybrid.language(language);
        return this;
    }

    @Override
    public boolean delete(String id) {
        Objects.requireNonNull(id, "id");
        lock.writeLock().lock();
        try {
            checkOpen();
            if (!table.remove(id)) {
                return false;
            }
            if (files != null) {
                pending.add(id);
            }
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
            return table.size;
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public List<StoredItem> items() {
        lock.readLock().lock();
        try {
            checkOpen();
            VectorTable t = table;
            List<StoredItem> out = new ArrayList<>(t.size);
            for (int i = 0; i < t.size; i++) {
                out.add(new StoredItem(t.ids[i], t.paths[i], t.hashes[i]));
            }
            return out;
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Returns the stored (prepared: normalised under cosine) vector of {@code id}, if held. */
    @Override
    public Optional<float[]> vector(String id) {
        Objects.requireNonNull(id, "id");
        lock.readLock().lock();
        try {
            checkOpen();
            VectorTable t = table;
            int slot = t.slot(id);
            if (slot < 0) {
                return Optional.empty();
            }
            int d = t.dimensions;
            return Optional.of(Arrays.copyOfRange(t.data, slot * d, slot * d + d));
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public Set<String> contentHashes() {
        lock.readLock().lock();
        try {
            checkOpen();
            VectorTable t = table;
            Set<String> out = new HashSet<>(t.size * 2);
            for (int i = 0; i < t.size; i++) {
                if (!t.hashes[i].isEmpty()) {
                    out.add(t.hashes[i]);
                }
            }
            return out;
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * Saves the changes since the last save (or since the store was opened) to the file it was opened from.
     * Usually this appends them to the log beside the file, one checksummed group forced to disk; now and
     * then it compacts the file and the log into a new file (atomically). Saves of all stores and programs
     * on one file take turns (a lock on a file named like the store file plus {@code .lock}, beside it),
     * and each first takes in what the others saved since this store read the file: two writers never drop
     * each other's records, and for an id both changed, the later save wins. Afterwards this store also
     * holds the other writers' records.
     *
     * @throws IllegalStateException if the store was made by {@link #create} (use {@link #save(Path)})
     * @throws VectorStoreException  if the file was deleted or replaced by another store's file since this
     *                               store read it (then nothing is written; open the store again)
     */
    public void save() {
        if (files == null) {
            throw new IllegalStateException("this store has no file: it was made by InMemoryVectorStore.create; "
                    + "use save(Path) or InMemoryVectorStore.open(file, ...)");
        }
        files.locked(true, () -> {
            lock.writeLock().lock();
            try {
                checkOpen();
                table = files.catchUp(table, pending, modelId, distance);
                lock.readLock().lock(); // searches may run while the changes are written
            } finally {
                lock.writeLock().unlock();
            }
            try {
                files.write(table, pending, modelId, distance);
                pending.clear();
            } finally {
                lock.readLock().unlock();
            }
            return null;
        });
    }

    /**
     * Writes the whole store to {@code target} as one new store file, atomically: readers of {@code target}
     * see either the old file or the complete new one, never a part. For the file this store was opened from
     * it is {@link #save()}.
     */
    public void save(Path target) {
        Objects.requireNonNull(target, "target");
        if (files != null && target.toAbsolutePath().normalize().equals(files.file.toAbsolutePath().normalize())) {
            save();
            return;
        }
        lock.readLock().lock();
        try {
            checkOpen();
            StoreFile.write(target, table.contents(modelId, distance, StoreFile.Identity.fresh()));
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
            hybrid.close();
            table = new VectorTable(1);
            pending.clear();
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public String toString() {
        return "InMemoryVectorStore[model=" + modelId + ", dimensions=" + dimensions + ", distance=" + distance
                + ", count=" + table.size + (files == null ? "" : ", file=" + files.file) + "]";
    }

    // --- internals ---

    float[] prepare(float[] vector, String what) {
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

    void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the vector store for model '" + modelId + "' is closed");
        }
    }

    /** One exact pass over every (matching) vector, keeping the best k. */
    private TopK scan(float[] q, int k, Map<String, String> filter) {
        TopK top = new TopK(k);
        final Map<String, String>[] metadata = table.metadata;
        final float[] d = table.data;
        final int dims = dimensions;
        final int n = table.size;
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

    // For MemoryHybrid: hold the read lock while calling these three.
    void forEachText(MemoryHybrid.TextVisitor visitor) {
        VectorTable t = table;
        for (int i = 0; i < t.size; i++) {
            visitor.visit(t.ids[i], t.paths[i], t.metadata[i]);
        }
    }

    SearchHit hitFor(float[] prepared, String id) {
        return hit(prepared, table.slot(id));
    }

    ReentrantReadWriteLock.ReadLock readLock() {
        return lock.readLock();
    }

    private SearchHit hit(float[] q, int slot) {
        VectorTable t = table;
        float[] v = Arrays.copyOfRange(t.data, slot * dimensions, (slot + 1) * dimensions);
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
        return new SearchHit(t.ids[slot], t.paths[slot], score, dist, t.metadata[slot]);
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
