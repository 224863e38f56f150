package visionsearch.store;

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
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.zip.CRC32C;

/**
 * The append-only log beside a store file ({@code <file>.log}): the changes saved since the snapshot
 * ({@link StoreFile}) was written, one checksummed group per save.
 *
 * <pre>
 * header (40 bytes): magic "VSSTLOG\n" | version int | store id long | generation long | log id long
 *                    | CRC-32C of the 36 bytes before it (int)
 * group:  magic "VSGR" | payload length int | entry count int | CRC-32C of these 12 bytes (int)
 *         | payload (the entries) | CRC-32C of the payload (int)
 * entry:  kind byte (1 upsert, 2 delete) | id; an upsert goes on with path, content hash, metadata entry
 *         count int, key/value strings, and dimensions float32 (unit length for COSINE)
 * </pre>
 * Little-endian throughout; a string is an int byte length and UTF-8 bytes. The header names the snapshot
 * the log extends (store id and generation): a log left beside a newer snapshot (a compaction stopped between
 * writing the snapshot and removing the log) is ignored, as the snapshot already holds it. The log id tells a
 * writer that the log it read was replaced.
 *
 * <p>A save writes one group and forces it to disk, so only the last group can be torn by a crash. Reading
 * stops before a last group that is incomplete or fails its checksum (it was never committed; the next
 * writer truncates it); a bad group with a good one after it is damage, not a crash, and the log is refused.
 */
final class StoreLog {
    static final byte[] MAGIC = "VSSTLOG\n".getBytes(StandardCharsets.US_ASCII);
    static final int VERSION = 1;
    static final int HEADER_BYTES = 40;
    private static final int GROUP_MAGIC = 0x52475356; // "VSGR" read as a little-endian int
    private static final int GROUP_HEADER_BYTES = 16;
    private static final int GROUP_TRAILER_BYTES = 4;
    private static final byte UPSERT = 1;
    private static final byte DELETE = 2;

    private StoreLog() {
    }

    /** The log file beside {@code storeFile}. */
    static Path of(Path storeFile) {
        return storeFile.resolveSibling(storeFile.getFileName() + ".log");
    }

    /**
     * What a log's header says.
     *
     * @param storeId    the store id of the snapshot it extends
     * @param generation the generation of the snapshot it extends
     * @param logId      random, new for every log file
     */
    record Header(long storeId, long generation, long logId) {
        /** A new log for {@code snapshot}. */
        static Header extending(StoreFile.Identity snapshot) {
            return new Header(snapshot.storeId(), snapshot.generation(), ThreadLocalRandom.current().nextLong());
        }

        boolean extendsSnapshot(StoreFile.Identity snapshot) {
            return snapshot != null && storeId == snapshot.storeId() && generation == snapshot.generation();
        }
    }

    /** Receives the entries of a log as it is read. */
    interface Changes {
        /** An upsert; {@code vector} is reused for the next entry, copy it. */
        void upsert(String id, String path, String hash, Map<String, String> metadata, float[] vector);

        void delete(String id);
    }

    /**
     * How far a read got.
     *
     * @param end     the offset after the last complete group (a torn tail after it is left out)
     * @param entries the number of entries read
     */
    record Replay(long end, long entries) {
    }

    /** Reads the header of {@code log}, or returns null if there is no log. */
    static Header readHeader(Path log) throws IOException {
        try (FileChannel ch = FileChannel.open(log, StandardOpenOption.READ)) {
            if (ch.size() < HEADER_BYTES) {
                throw corrupt(log, "it has " + ch.size() + " bytes, fewer than its header");
            }
            ByteBuffer b = StoreFile.readExactly(ch, HEADER_BYTES, null).order(ByteOrder.LITTLE_ENDIAN);
            byte[] magic = new byte[MAGIC.length];
            b.get(magic);
            int version = b.getInt();
            Header h = new Header(b.getLong(), b.getLong(), b.getLong());
            if (!Arrays.equals(magic, MAGIC) || crc(b, 0, HEADER_BYTES - 4) != b.getInt()) {
                throw corrupt(log, "its header is damaged or it is not a vision-search store log");
            }
            if (version != VERSION) {
                throw corrupt(log, "its format version is " + version + ", this library reads version " + VERSION);
            }
            return h;
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /** Replaces {@code log} atomically with an empty log for the given header. */
    static void create(Path log, Header h) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).putInt(VERSION).putLong(h.storeId()).putLong(h.generation()).putLong(h.logId());
        b.putInt(crc(b, 0, HEADER_BYTES - 4)).flip();
        Path dir = log.toAbsolutePath().getParent();
        Path tmp = dir.resolve(StoreFile.temporaryPrefix(log) + ProcessHandle.current().pid() + "-"
                + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                StoreFile.writeAll(ch, b, null);
                ch.force(true);
            }
            Files.move(tmp, log, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("the file system of " + dir + " cannot rename atomically; save the store "
                    + "on a local disk", e);
        } finally {
            Files.deleteIfExists(tmp);
        }
        StoreFile.syncDirectory(dir);
    }

    /**
     * Encodes the current state of the records {@code ids} of {@code table} as one group: an upsert for each id
     * the table holds, a delete for each it does not.
     */
    static ByteBuffer group(VectorTable table, Collection<String> ids) {
        int dims = table.dimensions;
        Encoder out = new Encoder((int) Math.min(1 << 30,
                GROUP_HEADER_BYTES + (long) ids.size() * (dims * 4 + 256) + GROUP_TRAILER_BYTES));
        out.buf.position(GROUP_HEADER_BYTES);
        for (String id : ids) {
            int s = table.slot(id);
            out.ensure(1).put(s < 0 ? DELETE : UPSERT);
            out.string(id);
            if (s >= 0) {
                out.string(table.paths[s]);
                out.string(table.hashes[s]);
                Map<String, String> meta = table.metadata[s];
                out.ensure(4).putInt(meta.size());
                for (Map.Entry<String, String> e : meta.entrySet()) {
                    out.string(e.getKey());
                    out.string(e.getValue());
                }
                ByteBuffer b = out.ensure(dims * 4);
                b.asFloatBuffer().put(table.data, s * dims, dims);
                b.position(b.position() + dims * 4);
            }
        }
        ByteBuffer b = out.ensure(GROUP_TRAILER_BYTES);
        int payload = b.position() - GROUP_HEADER_BYTES;
        b.putInt(crc(b, GROUP_HEADER_BYTES, payload));
        b.putInt(0, GROUP_MAGIC).putInt(4, payload).putInt(8, ids.size()).putInt(12, crc(b, 0, 12));
        return b.flip();
    }

    /**
     * Appends {@code group} after the first {@code end} bytes of {@code log} (cutting off a torn tail a killed
     * writer left there) and forces it to disk; returns the log's new end.
     */
    static long append(Path log, long end, ByteBuffer group) throws IOException {
        try (FileChannel ch = FileChannel.open(log, StandardOpenOption.WRITE)) {
            if (ch.size() != end) {
                ch.truncate(end);
            }
            ch.position(end);
            long n = group.remaining();
            StoreFile.writeAll(ch, group, null);
            ch.force(true);
            return end + n;
        }
    }

    /** Reads the groups of {@code log} from offset {@code from} (a group boundary) into {@code into}. */
    static Replay replay(Path log, long from, int dims, Changes into) throws IOException {
        try (FileChannel ch = FileChannel.open(log, StandardOpenOption.READ)) {
            long size = ch.size();
            long pos = from;
            long entries = 0;
            float[] vector = new float[dims];
            ByteBuffer head = ByteBuffer.allocate(GROUP_HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            while (pos < size) {
                if (!readGroupHeader(ch, pos, size, head)) {
                    return tail(log, ch, pos, size, entries);
                }
                int length = head.getInt(4);
                long groupEnd = pos + GROUP_HEADER_BYTES + length + GROUP_TRAILER_BYTES;
                if (length < 0 || groupEnd > size) {
                    return new Replay(pos, entries); // the last group, not completely written
                }
                ByteBuffer payload = ByteBuffer.allocate(length + GROUP_TRAILER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
                readFully(ch, payload, pos + GROUP_HEADER_BYTES);
                if (crc(payload, 0, length) != payload.getInt(length)) {
                    if (groupEnd == size) {
                        return new Replay(pos, entries); // a torn last group
                    }
                    throw corrupt(log, "the group at byte " + pos + " fails its checksum and more groups follow it");
                }
                payload.limit(length);
                int count = head.getInt(8);
                try {
                    for (int i = 0; i < count; i++) {
                        readEntry(payload, vector, into);
                    }
                } catch (RuntimeException e) {
                    throw corrupt(log, "the group at byte " + pos + " cannot be parsed (" + e + ")");
                }
                entries += count;
                pos = groupEnd;
            }
            return new Replay(pos, entries);
        }
    }

    private static void readEntry(ByteBuffer b, float[] vector, Changes into) {
        byte kind = b.get();
        String id = string(b);
        if (kind == DELETE) {
            into.delete(id);
            return;
        }
        if (kind != UPSERT) {
            throw new IllegalArgumentException("unknown entry kind " + kind);
        }
        String path = string(b);
        String hash = string(b);
        int entries = b.getInt();
        if (entries < 0) {
            throw new IllegalArgumentException("negative metadata count " + entries);
        }
        Map<String, String> meta = new HashMap<>();
        for (int e = 0; e < entries; e++) {
            meta.put(string(b), string(b));
        }
        b.asFloatBuffer().get(vector);
        b.position(b.position() + vector.length * 4);
        into.upsert(id, path, hash, Map.copyOf(meta), vector);
    }

    /**
     * After a group header that is incomplete or damaged at {@code pos}: a torn last write if no intact group
     * follows anywhere in the rest of the file, else damage in the middle of the log.
     */
    private static Replay tail(Path log, FileChannel ch, long pos, long size, long entries) throws IOException {
        ByteBuffer head = ByteBuffer.allocate(GROUP_HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer window = ByteBuffer.allocate(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        for (long start = pos + 1; start + GROUP_HEADER_BYTES <= size; start += window.capacity() - 3) {
            window.clear().limit((int) Math.min(window.capacity(), size - start));
            readFully(ch, window, start);
            for (int i = 0; i + 4 <= window.limit(); i++) {
                if (window.getInt(i) == GROUP_MAGIC && readGroupHeader(ch, start + i, size, head)) {
                    throw corrupt(log, "the group at byte " + pos + " is damaged and another group follows it at byte "
                            + (start + i));
                }
            }
        }
        return new Replay(pos, entries);
    }

    /** Reads the group header at {@code pos} into {@code head}; false if it is cut short or fails its checksum. */
    private static boolean readGroupHeader(FileChannel ch, long pos, long size, ByteBuffer head) throws IOException {
        if (size - pos < GROUP_HEADER_BYTES) {
            return false;
        }
        head.clear();
        readFully(ch, head, pos);
        return head.getInt(0) == GROUP_MAGIC && crc(head, 0, 12) == head.getInt(12);
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        long p = pos;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, p);
            if (n < 0) {
                throw new IOException("unexpected end of file");
            }
            p += n;
        }
        buf.flip();
    }

    private static String string(ByteBuffer b) {
        int n = b.getInt();
        if (n < 0 || n > b.remaining()) {
            throw new IllegalArgumentException("string length " + n + " out of range");
        }
        String s = new String(b.array(), b.arrayOffset() + b.position(), n, StandardCharsets.UTF_8);
        b.position(b.position() + n);
        return s;
    }

    private static int crc(ByteBuffer b, int from, int length) {
        CRC32C crc = new CRC32C();
        crc.update(b.array(), b.arrayOffset() + from, length);
        return (int) crc.getValue();
    }

    private static VectorStoreException corrupt(Path log, String why) {
        return new VectorStoreException("refusing the vector store log " + log + ": " + why + ". Nothing was loaded; "
                + "restore it from a copy, or move it away to open the store without the changes saved since its "
                + "last compaction");
    }

    /** A growing little-endian buffer. */
    private static final class Encoder {
        ByteBuffer buf;

        Encoder(int capacity) {
            buf = ByteBuffer.allocate(capacity).order(ByteOrder.LITTLE_ENDIAN);
        }

        ByteBuffer ensure(int n) {
            if (buf.remaining() < n) {
                long needed = (long) buf.position() + n;
                if (needed > Integer.MAX_VALUE - 8) {
                    throw new VectorStoreException("one save of the in-memory store would write a log group of "
                            + needed + " bytes or more, more than one buffer holds; save more often");
                }
                ByteBuffer bigger = ByteBuffer.allocate((int) Math.min(Integer.MAX_VALUE - 8,
                                Math.max(2L * buf.capacity(), needed))).order(ByteOrder.LITTLE_ENDIAN);
                buf.flip();
                bigger.put(buf);
                buf = bigger;
            }
            return buf;
        }

        void string(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            ensure(4 + b.length).putInt(b.length).put(b);
        }
    }
}
