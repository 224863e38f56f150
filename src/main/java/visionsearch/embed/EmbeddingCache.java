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
 * one {@code write} each. A record cut short by a crash, or damaged, is ignored when the file is
 * opened, and the file is truncated back to its last good record; nothing else is lost. A later
 * record for the same key replaces an earlier one. The model id is part of every key: a vector made
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

    private EmbeddingCache(Path file, FileChannel channel) throws IOException {
        this.file = file;
        this.channel = channel;
        this.fileMutex = MUTEXES.computeIfAbsent(file.toRealPath(), k -> new Object());
        synchronized (fileMutex) {
            try (FileLock lock = channel.lock()) {
                long size = channel.size();
                long good = load(size);
                this.droppedBytes = size - good;
                if (good < size) {
                    channel.truncate(good);
                    channel.force(true);
                }
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
        synchronized (fileMutex) {
            ensureOpen();
            try (FileLock lock = channel.lock()) {
                long start = channel.size();
                long pos = start;
                while (buf.hasRemaining()) {
                    pos += channel.write(buf, pos);
                }
                index.put(new Key(embedding.modelId(), modality, hash), new Slot(start + vectorStart, vector.length));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write embedding cache " + file + ": " + e.getMessage(), e);
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
     * Returns an embedder that answers from this cache and calls {@code embedder} only for misses
     * (storing what it returns). {@code embedImages} sends only the misses to {@code embedder}, as
     * one batch. Closing the returned embedder closes {@code embedder}, not this cache.
     */
    public CachedEmbedder wrap(Embedder embedder) {
        return new CachedEmbedder(this, embedder);
    }

    /** Returns how many distinct keys the cache holds, over all models. */
    public int size() {
        return index.size();
    }

    /** Returns how many distinct keys the cache holds for {@code modelId}. */
    public int size(String modelId) {
        return (int) index.keySet().stream().filter(k -> k.modelId().equals(modelId)).count();
    }

    /** Returns how many bytes of a torn or damaged tail were dropped when the file was opened (0 normally). */
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

    /** Reads every good record; returns the offset just after the last good one. */
    private long load(long size) throws IOException {
        long pos = 0;
        ByteBuffer header = ByteBuffer.allocate(HEADER);
        while (pos + HEADER <= size) {
            header.clear();
            readFully(header, pos);
            header.flip();
            int magic = header.getInt();
            int payload = header.getInt();
            if (magic != MAGIC || payload < 2 + 1 + 32 + 4 || payload > MAX_PAYLOAD || pos + HEADER + payload + 4 > size) {
                break;
            }
            ByteBuffer body = ByteBuffer.allocate(payload + 4);
            readFully(body, pos + HEADER);
            body.flip();
            CRC32C crc = new CRC32C();
            crc.update(body.array(), 0, payload);
            if ((int) crc.getValue() != body.getInt(payload)) {
                break;
            }
            int modelLength = body.getShort() & 0xFFFF;
            if (modelLength > payload - 37) {
                break;
            }
            byte[] model = new byte[modelLength];
            body.get(model);
            int modalityIndex = body.get();
            byte[] sha = new byte[32];
            body.get(sha);
            int dims = body.getInt();
            if (modalityIndex < 0 || modalityIndex >= Modality.values().length || dims <= 0
                    || body.position() + (long) dims * Float.BYTES != payload) {
                break;
            }
            Key key = new Key(new String(model, StandardCharsets.UTF_8), Modality.values()[modalityIndex],
                    HexFormat.of().formatHex(sha));
            index.put(key, new Slot(pos + HEADER + body.position(), dims));
            pos += HEADER + payload + 4;
        }
        return pos;
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
