package visionsearch.store;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.zip.CRC32C;

/**
 * The one-file format of {@link InMemoryVectorStore}.
 *
 * <pre>
 * magic "VSSTORE\n" (8 bytes) | version int | header length int | records length long      (big-endian)
 * header:  model id, distance name (strings), dimensions int, count int, store id long, generation long
 * records: per item id, path, content hash (strings), metadata entry count int, then key/value strings
 * vectors: count x dimensions float32, little-endian, contiguous (unit length for COSINE)
 * trailer: CRC-32C of every byte before it (long) | end magic "VSSTEND\n"
 * </pre>
 * A string is an int byte length and UTF-8 bytes. The file's size must be exactly what the header
 * implies and the checksum must match, else the whole file is refused.
 *
 * <p>The store id (random when a store file is first made) and the generation (one more at every
 * compaction) are the snapshot's {@link Identity}: a {@link StoreLog} names the snapshot it extends,
 * and a writer tells a later compaction of the store it read from a file put in its place. Version 1
 * files (no store id or generation) still open: their identity is their checksum and generation 0.
 */
final class StoreFile {
    static final byte[] MAGIC = "VSSTORE\n".getBytes(StandardCharsets.US_ASCII);
    static final byte[] END_MAGIC = "VSSTEND\n".getBytes(StandardCharsets.US_ASCII);
    static final int VERSION = 2;
    private static final int PREFIX_BYTES = 24;
    private static final int TRAILER_BYTES = 16;
    private static final int CHUNK_FLOATS = 1 << 18; // 1 MiB per write

    private StoreFile() {
    }

    /** Everything a store file holds; arrays may be longer than {@code count}. */
    record Contents(String modelId, int dimensions, Distance distance, int count, String[] ids, String[] paths,
                    String[] hashes, Map<String, String>[] metadata, float[] data, Identity identity) {
    }

    /**
     * Which snapshot a file holds: the store it belongs to and how many compactions made it.
     *
     * @param storeId    random for a store made by this version; the checksum of a version 1 file
     * @param generation 1 for a new store file, one more at each compaction; 0 for a version 1 file
     */
    record Identity(long storeId, long generation) {
        /** A new store's first snapshot. */
        static Identity fresh() {
            return new Identity(ThreadLocalRandom.current().nextLong(), 1);
        }

        /** The snapshot a compaction of this one writes. */
        Identity next() {
            return new Identity(storeId, generation + 1);
        }
    }

    /** Writes {@code c} to {@code target} atomically (temporary file, fsync, rename); returns the bytes written. */
    static long write(Path target, Contents c) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        byte[] header = header(c);
        byte[] records = records(c);
        Path tmp = dir.resolve("." + target.getFileName() + ".tmp-" + ProcessHandle.current().pid() + "-"
                + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        boolean moved = false;
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            CRC32C crc = new CRC32C();
            ByteBuffer prefix = ByteBuffer.allocate(PREFIX_BYTES);
            prefix.put(MAGIC).putInt(VERSION).putInt(header.length).putLong(records.length).flip();
            writeAll(ch, prefix, crc);
            writeAll(ch, ByteBuffer.wrap(header), crc);
            writeAll(ch, ByteBuffer.wrap(records), crc);
            ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK_FLOATS * 4).order(ByteOrder.LITTLE_ENDIAN);
            long total = (long) c.count() * c.dimensions();
            for (long off = 0; off < total; off += CHUNK_FLOATS) {
                int n = (int) Math.min(CHUNK_FLOATS, total - off);
                buf.clear();
                buf.asFloatBuffer().put(c.data(), (int) off, n);
                buf.limit(n * 4);
                writeAll(ch, buf, crc);
            }
            ByteBuffer trailer = ByteBuffer.allocate(TRAILER_BYTES);
            trailer.putLong(crc.getValue()).put(END_MAGIC).flip();
            writeAll(ch, trailer, null);
            ch.force(true);
            long written = ch.size();
            ch.close();
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("the file system of " + dir + " cannot rename atomically; save the store "
                        + "on a local disk", e);
            }
            moved = true;
            syncDirectory(dir);
            return written;
        } finally {
            if (!moved) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    /** The prefix of the temporary files {@link #write} makes for {@code target}, to clear what a killed writer left. */
    static String temporaryPrefix(Path target) {
        return "." + target.getFileName() + ".tmp-";
    }

    /**
     * Reads only the identity of the snapshot in {@code file} (its header, or a version 1 file's checksum), or
     * null if there is no file; the rest of the file is not checked.
     */
    static Identity identity(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long actual = ch.size();
            if (actual < PREFIX_BYTES + TRAILER_BYTES) {
                throw corrupt(file, "it has only " + actual + " bytes, too few for a store file (torn write?)");
            }
            ByteBuffer prefix = readExactly(ch, PREFIX_BYTES, null);
            int version = checkPrefix(file, prefix);
            int headerLength = prefix.getInt();
            if (version == 1) {
                ch.position(actual - TRAILER_BYTES);
                return new Identity(readExactly(ch, TRAILER_BYTES, null).getLong(), 0);
            }
            if (headerLength < 0 || headerLength > actual) {
                throw corrupt(file, "its header length is impossible (" + headerLength + ")");
            }
            DataInputStream header = new DataInputStream(new ByteArrayInputStream(
                    readExactly(ch, headerLength, null).array()));
            try {
                readString(header);
                readString(header);
                header.readInt();
                header.readInt();
                return new Identity(header.readLong(), header.readLong());
            } catch (IOException e) {
                throw corrupt(file, "its header cannot be parsed (" + e.getMessage() + ")");
            }
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /** Checks the magic and the version in a file's prefix; returns the version. */
    private static int checkPrefix(Path file, ByteBuffer prefix) {
        byte[] magic = new byte[MAGIC.length];
        prefix.get(magic);
        if (!Arrays.equals(magic, MAGIC)) {
            throw corrupt(file, "it does not start with the store file magic; it is not a vision-search "
                    + "store file");
        }
        int version = prefix.getInt();
        if (version != 1 && version != VERSION) {
            throw corrupt(file, "its format version is " + version + ", this library reads versions 1 and "
                    + VERSION + " (a newer vision-search wrote it?)");
        }
        return version;
    }

    /**
     * Reads {@code file}, refusing it when it is torn or corrupt, or (when {@code modelId} is not null) when it
     * holds another model, dimension or distance.
     */
    @SuppressWarnings("unchecked")
    static Contents read(Path file, String modelId, int dimensions, Distance distance) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long actual = ch.size();
            if (actual < PREFIX_BYTES + TRAILER_BYTES) {
                throw corrupt(file, "it has only " + actual + " bytes, too few for a store file (torn write?)");
            }
            CRC32C crc = new CRC32C();
            ByteBuffer prefix = readExactly(ch, PREFIX_BYTES, crc);
            int version = checkPrefix(file, prefix);
            int headerLength = prefix.getInt();
            long recordsLength = prefix.getLong();
            if (headerLength < 0 || headerLength > actual || recordsLength < 0 || recordsLength > actual) {
                throw corrupt(file, "its header lengths are impossible (" + headerLength + ", " + recordsLength + ")");
            }
            DataInputStream header = new DataInputStream(new ByteArrayInputStream(
                    readExactly(ch, headerLength, crc).array()));
            String fileModel;
            Distance fileDistance;
            int dims;
            int count;
            long storeId = 0;
            long generation = 0;
            try {
                fileModel = readString(header);
                fileDistance = Distance.valueOf(readString(header));
                dims = header.readInt();
                count = header.readInt();
                if (version >= 2) {
                    storeId = header.readLong();
                    generation = header.readLong();
                }
            } catch (IOException | IllegalArgumentException e) {
                throw corrupt(file, "its header cannot be parsed (" + e.getMessage() + ")");
            }
            if (dims <= 0 || count < 0) {
                throw corrupt(file, "its header says " + dims + " dimensions and " + count + " vectors");
            }
            long expected = PREFIX_BYTES + headerLength + recordsLength + (long) count * dims * 4 + TRAILER_BYTES;
            if (expected != actual) {
                throw corrupt(file, "it should be " + expected + " bytes for " + count + " vectors of " + dims
                        + " dimensions but is " + actual + " bytes (truncated or torn write)");
            }
            if ((long) count * dims > Integer.MAX_VALUE - 8) {
                throw corrupt(file, "it claims " + count + " x " + dims + " floats, more than one array holds");
            }
            byte[] recordBytes = readExactly(ch, (int) recordsLength, crc).array();
            float[] data = new float[count * dims];
            ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK_FLOATS * 4).order(ByteOrder.LITTLE_ENDIAN);
            long total = (long) count * dims;
            for (long off = 0; off < total; off += CHUNK_FLOATS) {
                int n = (int) Math.min(CHUNK_FLOATS, total - off);
                buf.clear().limit(n * 4);
                fill(ch, buf);
                buf.flip();
                crc.update(buf.duplicate());
                buf.asFloatBuffer().get(data, (int) off, n);
            }
            ByteBuffer trailer = readExactly(ch, TRAILER_BYTES, null);
            long storedCrc = trailer.getLong();
            byte[] end = new byte[END_MAGIC.length];
            trailer.get(end);
            if (!Arrays.equals(end, END_MAGIC) || storedCrc != crc.getValue()) {
                throw corrupt(file, "its checksum does not match its contents (stored " + Long.toHexString(storedCrc)
                        + ", computed " + Long.toHexString(crc.getValue()) + ")");
            }
            Identity identity = version == 1 ? new Identity(storedCrc, 0) : new Identity(storeId, generation);
            if (modelId != null && (!fileModel.equals(modelId) || dims != dimensions || fileDistance != distance)) {
                throw new VectorStoreException("the vector store file " + file + " holds model '" + fileModel + "' ("
                        + dims + " dimensions, " + fileDistance + "), but model '" + modelId + "' (" + dimensions
                        + " dimensions, " + distance + ") was asked for; use another file for this model, or "
                        + "delete the file to re-index");
            }
            String[] ids = new String[count];
            String[] paths = new String[count];
            String[] hashes = new String[count];
            Map<String, String>[] metadata = new Map[count];
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(recordBytes));
            try {
                for (int i = 0; i < count; i++) {
                    ids[i] = readString(in);
                    paths[i] = readString(in);
                    hashes[i] = readString(in);
                    int entries = in.readInt();
                    if (entries < 0) {
                        throw new IOException("negative metadata count " + entries);
                    }
                    Map<String, String> m = new LinkedHashMap<>();
                    for (int e = 0; e < entries; e++) {
                        m.put(readString(in), readString(in));
                    }
                    metadata[i] = Map.copyOf(m);
                }
            } catch (IOException e) {
                throw corrupt(file, "its records cannot be parsed (" + e.getMessage() + ")");
            }
            return new Contents(fileModel, dims, fileDistance, count, ids, paths, hashes, metadata, data, identity);
        }
    }

    private static byte[] header(Contents c) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        writeString(out, c.modelId());
        writeString(out, c.distance().name());
        out.writeInt(c.dimensions());
        out.writeInt(c.count());
        out.writeLong(c.identity().storeId());
        out.writeLong(c.identity().generation());
        out.flush();
        return bytes.toByteArray();
    }

    private static byte[] records(Contents c) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(Math.max(32, c.count() * 96));
        DataOutputStream out = new DataOutputStream(bytes);
        for (int i = 0; i < c.count(); i++) {
            writeString(out, c.ids()[i]);
            writeString(out, c.paths()[i]);
            writeString(out, c.hashes()[i]);
            Map<String, String> m = c.metadata()[i];
            out.writeInt(m.size());
            for (Map.Entry<String, String> e : m.entrySet()) {
                writeString(out, e.getKey());
                writeString(out, e.getValue());
            }
        }
        out.flush();
        return bytes.toByteArray();
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    private static String readString(DataInputStream in) throws IOException {
        int n = in.readInt();
        if (n < 0 || n > in.available()) {
            throw new IOException("string length " + n + " out of range");
        }
        return new String(in.readNBytes(n), StandardCharsets.UTF_8);
    }

    static void writeAll(FileChannel ch, ByteBuffer buf, CRC32C crc) throws IOException {
        if (crc != null) {
            crc.update(buf.duplicate());
        }
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }

    static ByteBuffer readExactly(FileChannel ch, int n, CRC32C crc) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(n);
        fill(ch, buf);
        buf.flip();
        if (crc != null) {
            crc.update(buf.duplicate());
        }
        return buf;
    }

    static void fill(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            if (ch.read(buf) < 0) {
                throw new IOException("unexpected end of file");
            }
        }
    }

    static void syncDirectory(Path dir) {
        // Makes the rename itself durable; not every platform can open a directory, and that is not fatal.
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // best effort
        }
    }

    static VectorStoreException corrupt(Path file, String why) {
        return new VectorStoreException("refusing the vector store file " + file + ": " + why
                + ". Nothing was loaded; restore it from a copy or delete it and index again");
    }
}
