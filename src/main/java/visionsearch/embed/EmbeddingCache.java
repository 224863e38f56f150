package visionsearch.embed;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.CRC32C;

/**
 * Embeddings on disk, keyed by model id, modality (image or text) and the SHA-256 of the content
 * (the image bytes, or the text's UTF-8 bytes), so that embedding the same folder twice makes no
 * second call.
 *
 * <pre>{@code
 * try (EmbeddingCache cache = EmbeddingCache.open(Path.of("embeddings.cache"));
 *      Embedder embedder = cache.wrap(Embedders.fromSettings(Settings.load()))) {
 *     embedder.embedImage(Path.of("cat.jpg"));   // a call the first time, from disk afterwards
 * }
 * }</pre>
 *
 * <p>The file is an append-only log of records, each with its own length and CRC-32C, written with
 * one {@code write} each. {@link #put} returns once its record is on the storage device: concurrent
 * puts share one {@code fsync} (group commit), so many threads storing answers as they arrive pay
 * for about one sync per batch of arrivals, and a vector a caller was handed back is never lost to a
 * crash, {@code kill -9} or power cut. A record cut short by a crash, or damaged, is skipped when
 * the file is opened (the next good record is found by its marker and checksum); a torn tail is
 * truncated back to the last good record; nothing else is lost. A later record for the same key
 * replaces an earlier one. The model id is part of every key: a vector made
 * by another model is never served. URL image inputs are never cached (what a URL shows can change).
 *
 * <p>Thread-safe. Several caches, in this process or in others, may share a file: each append takes
 * a file lock and goes at the file's end, and each cache sees the others' records when it is next
 * opened. Vectors are read from
 * disk on each hit (the in-memory index holds only offsets). Closing flushes to disk; use after
 * close throws {@link IllegalStateException}.
 */
public final class EmbeddingCache implements AutoCloseable {
    /** What was embedded. */
    public enum Modality {
        /** Image bytes. */
        IMAGE,
        /** A text prompt. */
        TEXT
    }

    private static final int MAGIC = 0x56534543; // "VSEC"
    private static final int HEADER = 8; // magic + payload length
    private static final int MAX_PAYLOAD = 1 << 24;

    private record Key(String modelId, Modality modality, String sha256) {
    }

    private record Slot(long vectorOffset, int dimensions) {
    }

    private final Path file;
    private final FileChannel channel;
    private final Map<Key, Slot> index = new ConcurrentHashMap<>();
    /** One monitor per file in this JVM: two caches on one file here must not ask for overlapping file locks. */
    private static final Map<Path, Object> MUTEXES = new ConcurrentHashMap<>();

    private final Object fileMutex;
    private final long droppedBytes;
    private volatile boolean closed;
    /** Group commit: the file end this cache last wrote to, the end known to be synced, and whether a sync runs. */
    private final Object syncMonitor = new Object();
    private volatile long writtenEnd;
    private long syncedEnd;
    private boolean syncing;

    private EmbeddingCache(Path file, FileChannel channel) throws IOException {
        this.file = file;
        this.channel = channel;
        this.fileMutex = MUTEXES.computeIfAbsent(file.toRealPath(), k -> new Object());
        synchronized (fileMutex) {
            try (FileLock lock = channel.lock()) {
                long size = channel.size();
                long[] kept = load(size);
                long good = kept[0];
                this.droppedBytes = size - good + kept[1];
                if (good < size) {
                    channel.truncate(good);
                    channel.force(true);
                }
                this.writtenEnd = good;
                this.syncedEnd = good;
            }
        }
    }

    /** Opens (or creates) the cache file at {@code file}, creating parent folders as needed. */
    public static EmbeddingCache open(Path file) {
        Objects.requireNonNull(file, "file");
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            try {
                return new EmbeddingCache(file, channel);
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open embedding cache " + file + ": " + e.getMessage(), e);
        }
    }

    /** Returns the cached embedding of {@code sha256} (lower-case hex) by {@code modelId}, if any. */
    public Optional<Embedding> get(String modelId, Modality modality, String sha256) {
        Objects.requireNonNull(modelId, "modelId");
        Objects.requireNonNull(modality, "modality");
        Objects.requireNonNull(sha256, "sha256");
        ensureOpen();
        Slot slot = index.get(new Key(modelId, modality, sha256.toLowerCase(Locale.ROOT)));
        if (slot == null) {
            return Optional.empty();
        }
        ByteBuffer buf = ByteBuffer.allocate(slot.dimensions() * Float.BYTES);
        try {
            long pos = slot.vectorOffset();
            while (buf.hasRemaining()) {
                int n = channel.read(buf, pos + buf.position());
                if (n < 0) {
                    return Optional.empty();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read embedding cache " + file + ": " + e.getMessage(), e);
        }
        buf.flip();
        float[] vector = new float[slot.dimensions()];
        buf.asFloatBuffer().get(vector);
        return Optional.of(new Embedding(vector, modelId));
    }

    /** Returns the cached embedding of {@code image}'s bytes by {@code modelId}; empty for URL inputs. */
    public Optional<Embedding> getImage(String modelId, ImageInput image) {
        return image.isUrl() ? Optional.empty() : get(modelId, Modality.IMAGE, image.sha256());
    }

    /** Returns the cached embedding of {@code text} (exactly as given) by {@code modelId}. */
    public Optional<Embedding> getText(String modelId, String text) {
        return get(modelId, Modality.TEXT, textSha256(text));
    }

    /** Stores {@code embedding} (under its own model id) for content with hash {@code sha256}. */
    public void put(Modality modality, String sha256, Embedding embedding) {
        Objects.requireNonNull(modality, "modality");
        Objects.requireNonNull(sha256, "sha256");
        Objects.requireNonNull(embedding, "embedding");
        String hash = sha256.toLowerCase(Locale.ROOT);
        if (hash.length() != 64) {
            throw new IllegalArgumentException("sha256 must be 64 hex digits, got " + sha256.length() + " characters");
        }
        byte[] model = embedding.modelId().getBytes(StandardCharsets.UTF_8);
        float[] vector = embedding.vector();
        int payload = 2 + model.length + 1 + 32 + 4 + vector.length * Float.BYTES;
        ByteBuffer buf = ByteBuffer.allocate(HEADER + payload + 4);
        buf.putInt(MAGIC).putInt(payload);
        buf.putShort((short) model.length).put(model).put((byte) modality.ordinal())
                .put(HexFormat.of().parseHex(hash)).putInt(vector.length);
        int vectorStart = buf.position();
        for (float f : vector) {
            buf.putFloat(f);
        }
        CRC32C crc = new CRC32C();
        crc.update(buf.array(), HEADER, payload);
        buf.putInt((int) crc.getValue());
        buf.flip();
        // Appends go at the file's true end under a file lock, so several caches (in this process or
        // others) may share one file; each sees the others' records when it is next opened.
        long end;
        synchronized (fileMutex) {
            ensureOpen();
            try (FileLock lock = channel.lock()) {
                long start = channel.size();
                long pos = start;
                while (buf.hasRemaining()) {
                    pos += channel.write(buf, pos);
                }
                end = pos;
                writtenEnd = Math.max(writtenEnd, end);
                index.put(new Key(embedding.modelId(), modality, hash), new Slot(start + vectorStart, vector.length));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write embedding cache " + file + ": " + e.getMessage(), e);
            }
        }
        awaitSynced(end);
    }

    /**
     * Returns once the file is synced up to {@code end}. One caller syncs for everyone waiting (group
     * commit): whoever finds no sync running starts one covering every record written so far.
     */
    private void awaitSynced(long end) {
        boolean interrupted = false;
        try {
            while (true) {
                long target;
                synchronized (syncMonitor) {
                    while (syncing && syncedEnd < end) {
                        try {
                            syncMonitor.wait();
                        } catch (InterruptedException e) {
                            interrupted = true; // the record is written; finish making it durable first
                        }
                    }
                    if (syncedEnd >= end) {
                        return;
                    }
                    syncing = true;
                    target = writtenEnd;
                }
                boolean synced = false;
                try {
                    channel.force(false);
                    synced = true;
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot sync embedding cache " + file + ": " + e.getMessage(), e);
                } finally {
                    synchronized (syncMonitor) {
                        if (synced) {
                            syncedEnd = Math.max(syncedEnd, target);
                        }
                        syncing = false;
                        syncMonitor.notifyAll();
                    }
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Stores the embedding of {@code image}'s bytes; does nothing for URL inputs. */
    public void putImage(ImageInput image, Embedding embedding) {
        if (!image.isUrl()) {
            put(Modality.IMAGE, image.sha256(), embedding);
        }
    }

    /** Stores the embedding of {@code text} (exactly as given). */
    public void putText(String text, Embedding embedding) {
        put(Modality.TEXT, textSha256(text), embedding);
    }

    /**
     * Returns an embedder that answers from this cache and calls {@code embedder} only for misses,
     * storing each answer as it arrives. Closing the returned embedder closes {@code embedder}, not this cache.
     */
    public CachedEmbedder wrap(Embedder embedder) {
        return new CachedEmbedder(this, embedder, null);
    }

    /**
     * Like {@link #wrap(Embedder)}, serving entries of {@code expectedModelId} until the embedder's first
     * answer names its model: for an endpoint whose model is only known from its answers (the Azure
     * emulator serves a local model), give the model it answered last time, so that hits need no call.
     */
    public CachedEmbedder wrap(Embedder embedder, String expectedModelId) {
        return new CachedEmbedder(this, embedder, Objects.requireNonNull(expectedModelId, "expectedModelId"));
    }

    /** Returns how many distinct keys the cache holds, over all models. */
    public int size() {
        return index.size();
    }

    /** Returns how many distinct keys the cache holds for {@code modelId}. */
    public int size(String modelId) {
        return (int) index.keySet().stream().filter(k -> k.modelId().equals(modelId)).count();
    }

    /** Returns how many bytes of torn or damaged records were skipped or dropped when the file was opened (0 normally). */
    public long droppedBytes() {
        return droppedBytes;
    }

    /** Returns the cache file. */
    public Path file() {
        return file;
    }

    /** Writes everything to the storage device. */
    public void flush() {
        ensureOpen();
        try {
            channel.force(false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot flush embedding cache " + file + ": " + e.getMessage(), e);
        }
    }

    /** Flushes and closes the file. */
    @Override
    public void close() {
        synchronized (fileMutex) {
            if (closed) {
                return;
            }
            closed = true;
        }
        try {
            channel.force(false);
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close embedding cache " + file + ": " + e.getMessage(), e);
        }
    }

    /** Returns the lower-case hex SHA-256 of the text's UTF-8 bytes, the text's cache key. */
    public static String textSha256(String text) {
        Objects.requireNonNull(text, "text");
        return ImageInput.sha256Hex(text.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
        return "EmbeddingCache[" + file + ", " + index.size() + " entries]";
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("embedding cache " + file + " is closed");
        }
    }

    /**
     * Reads every good record. Returns the offset just after the last good one, and how many bytes of
     * damage before it were skipped (a record torn by a crash with good records after it).
     */
    private long[] load(long size) throws IOException {
        long pos = 0;
        long good = 0;
        long skipped = 0;
        while (pos < size) {
            long next = readRecord(pos, size);
            if (next < 0) {
                long resync = nextRecord(pos + 1, size);
                if (resync < 0) {
                    break; // a torn or damaged tail: dropped
                }
                skipped += resync - pos;
                pos = resync;
                continue;
            }
            pos = next;
            good = next;
        }
        return new long[] {good, skipped};
    }

    /** Indexes the record at {@code pos}; returns the offset after it, or -1 if there is no good record there. */
    private long readRecord(long pos, long size) throws IOException {
        if (pos + HEADER > size) {
            return -1;
        }
        ByteBuffer header = ByteBuffer.allocate(HEADER);
        readFully(header, pos);
        header.flip();
        int magic = header.getInt();
        int payload = header.getInt();
        if (magic != MAGIC || payload < 2 + 1 + 32 + 4 || payload > MAX_PAYLOAD || pos + HEADER + payload + 4 > size) {
            return -1;
        }
        ByteBuffer body = ByteBuffer.allocate(payload + 4);
        readFully(body, pos + HEADER);
        body.flip();
        CRC32C crc = new CRC32C();
        crc.update(body.array(), 0, payload);
        if ((int) crc.getValue() != body.getInt(payload)) {
            return -1;
        }
        int modelLength = body.getShort() & 0xFFFF;
        if (modelLength > payload - 37) {
            return -1;
        }
        byte[] model = new byte[modelLength];
        body.get(model);
        int modalityIndex = body.get();
        byte[] sha = new byte[32];
        body.get(sha);
        int dims = body.getInt();
        if (modalityIndex < 0 || modalityIndex >= Modality.values().length || dims <= 0
                || body.position() + (long) dims * Float.BYTES != payload) {
            return -1;
        }
        Key key = new Key(new String(model, StandardCharsets.UTF_8), Modality.values()[modalityIndex],
                HexFormat.of().formatHex(sha));
        index.put(key, new Slot(pos + HEADER + body.position(), dims));
        return pos + HEADER + payload + 4;
    }

    /** Returns the offset of the next good record at or after {@code from} (found by its marker), or -1. */
    private long nextRecord(long from, long size) throws IOException {
        ByteBuffer window = ByteBuffer.allocate(1 << 16);
        for (long start = from; start + HEADER <= size; start += window.capacity() - 3) {
            window.clear();
            window.limit((int) Math.min(window.capacity(), size - start));
            readFully(window, start);
            for (int i = 0; i + 4 <= window.limit(); i++) {
                if (window.getInt(i) == MAGIC && readRecord(start + i, size) >= 0) {
                    return start + i;
                }
            }
        }
        return -1;
    }

    private void readFully(ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int n = channel.read(buf, pos + buf.position());
            if (n < 0) {
                throw new IOException("unexpected end of file");
            }
        }
    }
}
