package visionsearch.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Set;

/**
 * The files behind an {@link InMemoryVectorStore} opened from a path, and what the store last read or wrote
 * of them: the snapshot ({@link StoreFile}), the log beside it ({@link StoreLog}), and a lock file
 * ({@code <file>.lock}) that serialises the writers of every process.
 *
 * <p>A save, under the lock: (1) catch up: if the snapshot is the one this store read, apply the groups other
 * writers appended to the log since, leaving out the ids this store changed itself (its own changes come
 * later in the log, so they win there too); if the snapshot is a later generation of the same store (another
 * writer compacted), read it all again and lay this store's changes on top; if it is gone or belongs to
 * another store, refuse. (2) Write: append this store's changes as one group, or, when at least half of what
 * the files hold is superseded or deleted, compact: write everything as a new snapshot (atomic rename) and
 * remove the log. So a save costs about the size of its changes, two writers never lose each other's records,
 * and opening reads the snapshot and then the log.
 */
final class StoreFiles {
    /** Serialises the reads and saves of this JVM: a file lock belongs to the whole process. */
    private static final Object JVM_LOCK = new Object();
    /** A log smaller than this is not compacted: a tiny compaction is not worth its fsync and rename. */
    static final long MIN_COMPACTION_LOG_BYTES = 256 << 10;
    /** A save larger than this (by a rough estimate) compacts instead of appending one huge group. */
    private static final long MAX_GROUP_BYTES = 1L << 30;

    final Path file;
    private final Path log;
    private final Path lockFile;

    /** The snapshot read or last written; null: there was none. */
    private StoreFile.Identity snapshot;
    private long snapshotRecords;
    /** The log that extends {@link #snapshot}, as far as it was read or written; null: there was none. */
    private StoreLog.Header logHeader;
    private long logEnd;
    private long logEntries;

    StoreFiles(Path file) {
        this.file = file;
        this.log = StoreLog.of(file);
        this.lockFile = file.resolveSibling(file.getFileName() + ".lock");
    }

    /** What {@link #load} read: the snapshot's model, dimension and distance, and the records of both files. */
    record Loaded(String modelId, int dimensions, Distance distance, VectorTable table) {
    }

    /** An action on the files, run under the lock. */
    interface Action<T> {
        T run() throws IOException;
    }

    /**
     * Runs {@code action} holding the lock file. For reading ({@code forWriting} false) a lock file that
     * cannot be made (a read-only folder, where no one writes either) is no obstacle.
     */
    <T> T locked(boolean forWriting, Action<T> action) {
        synchronized (JVM_LOCK) {
            FileChannel channel;
            try {
                if (forWriting) {
                    Files.createDirectories(file.toAbsolutePath().getParent());
                }
                channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            } catch (IOException | UnsupportedOperationException e) {
                if (forWriting) {
                    throw new UncheckedIOException("cannot lock " + lockFile + " to save the vector store: "
                            + e.getMessage(), e instanceof IOException io ? io : new IOException(e));
                }
                return unchecked(action);
            }
            try (channel; FileLock ignored = channel.lock()) {
                return unchecked(action);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot lock " + lockFile + ": " + e.getMessage(), e);
            }
        }
    }

    private <T> T unchecked(Action<T> action) {
        try {
            return action.run();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or write the vector store file " + file + " or its log: "
                    + e.getMessage(), e);
        }
    }

    /**
     * Reads the snapshot and the log that extends it (under the lock); returns null if there is no snapshot.
     * With a null {@code modelId} the model, dimension and distance are the file's; else a file of another is
     * refused.
     */
    Loaded load(String modelId, int dimensions, Distance distance) throws IOException {
        StoreFile.Contents c;
        try {
            c = StoreFile.read(file, modelId, dimensions, distance);
        } catch (NoSuchFileException e) {
            snapshot = null;
            logHeader = null;
            return null;
        }
        VectorTable table = VectorTable.of(c, file);
        snapshot = c.identity();
        snapshotRecords = c.count();
        logHeader = null;
        logEnd = 0;
        logEntries = 0;
        readLog(table, Set.of());
        return new Loaded(c.modelId(), c.dimensions(), c.distance(), table);
    }

    /**
     * Brings {@code table} (holding this store's unsaved changes to the ids in {@code pending}) up to date with
     * what other writers saved since this store read the files; returns the table to keep, a new one if the
     * files had to be read again. Run under the lock, before {@link #write}.
     *
     * @throws VectorStoreException if the snapshot was deleted or replaced by one that is not a later version of
     *                              the same store, or the log this store read was replaced
     */
    VectorTable catchUp(VectorTable table, Set<String> pending, String modelId, Distance distance) throws IOException {
        StoreFile.Identity current = StoreFile.identity(file);
        if (snapshot != null && current == null) {
            throw replaced("was deleted");
        }
        if (current != null && !current.equals(snapshot)) {
            if (snapshot != null && (current.storeId() != snapshot.storeId()
                    || current.generation() < snapshot.generation())) {
                throw replaced("was replaced by another store file");
            }
            // Made or compacted by another writer since: read it again, with this store's changes on top.
            Loaded loaded = load(modelId, table.dimensions, distance);
            if (loaded == null) {
                throw replaced("was deleted");
            }
            VectorTable fresh = loaded.table();
            for (String id : pending) {
                fresh.copyFrom(table, id);
            }
            return fresh;
        }
        if (snapshot != null) {
            readLog(table, pending);
        }
        return table;
    }

    /**
     * Writes the changes to the ids in {@code pending}: one group appended to the log, or a compaction. Run under
     * the lock, right after {@link #catchUp}.
     */
    void write(VectorTable table, Set<String> pending, String modelId, Distance distance) throws IOException {
        // A version 1 file (generation 0) is compacted once, so that a log always extends a version 2 snapshot:
        // an older vision-search refuses such a file instead of reading it without its log.
        if (snapshot == null || snapshot.generation() == 0 || worthCompacting(table, pending.size())) {
            compact(table, modelId, distance);
            return;
        }
        if (pending.isEmpty()) {
            return;
        }
        if (logHeader == null) {
            StoreLog.Header h = StoreLog.Header.extending(snapshot);
            StoreLog.create(log, h);
            logHeader = h;
            logEnd = StoreLog.HEADER_BYTES;
        }
        logEnd = StoreLog.append(log, logEnd, StoreLog.group(table, pending));
        logEntries += pending.size();
    }

    /** Writes {@code table} as the next snapshot and removes the log; also clears temporary files killed saves left. */
    private void compact(VectorTable table, String modelId, Distance distance) throws IOException {
        StoreFile.Identity next = snapshot == null ? StoreFile.Identity.fresh() : snapshot.next();
        clearTemporaryFiles();
        StoreFile.write(file, table.contents(modelId, distance, next));
        snapshot = next;
        snapshotRecords = table.size;
        logHeader = null;
        logEnd = 0;
        logEntries = 0;
        // The old log names the old snapshot, so from here on readers ignore it even if it stays.
        Files.deleteIfExists(log);
    }

    /**
     * True if at least half of what the files would hold after this save is superseded or deleted, or if the
     * save adds more entries than the files hold (a snapshot then costs less than twice the group) or more
     * than {@link #MAX_GROUP_BYTES}.
     */
    private boolean worthCompacting(VectorTable table, int adding) {
        long onDisk = snapshotRecords + logEntries;
        return logEnd >= MIN_COMPACTION_LOG_BYTES && onDisk + adding > 2L * table.size || adding > onDisk
                || (long) adding * (table.dimensions * 4L + 256) > MAX_GROUP_BYTES;
    }

    /** Applies the log past what was read to {@code table}, leaving out the ids in {@code skip}. */
    private void readLog(VectorTable table, Set<String> skip) throws IOException {
        StoreLog.Header h = StoreLog.readHeader(log);
        if (h != null && !h.extendsSnapshot(snapshot)) {
            h = null; // left by a compaction stopped before it removed the log; the snapshot holds all of it
        }
        if (logHeader != null && (h == null || h.logId() != logHeader.logId() || Files.size(log) < logEnd)) {
            throw replaced("kept its snapshot, but its log " + log + " was replaced or cut short");
        }
        if (h == null) {
            return;
        }
        long from = logHeader == null ? StoreLog.HEADER_BYTES : logEnd;
        table.reserve((Files.size(log) - from) / (table.dimensions * 4L)); // an upsert holds at least its vector
        StoreLog.Replay r = StoreLog.replay(log, from, table.dimensions, new StoreLog.Changes() {
            @Override
            public void upsert(String id, String path, String hash, Map<String, String> metadata, float[] vector) {
                if (!skip.contains(id)) {
                    table.put(id, path, hash, metadata, vector, 0);
                }
            }

            @Override
            public void delete(String id) {
                if (!skip.contains(id)) {
                    table.remove(id);
                }
            }
        });
        logHeader = h;
        logEnd = r.end();
        logEntries += r.entries();
    }

    private void clearTemporaryFiles() throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        String snapshotTmp = StoreFile.temporaryPrefix(file);
        String logTmp = StoreFile.temporaryPrefix(log);
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, p -> {
            String name = p.getFileName().toString();
            return name.startsWith(snapshotTmp) || name.startsWith(logTmp);
        })) {
            for (Path p : files) {
                Files.deleteIfExists(p);
            }
        }
    }

    private VectorStoreException replaced(String what) {
        return new VectorStoreException("the vector store file " + file + " " + what + " since this store read it "
                + "(by another program or store object; it is not a later version of the store this one read); "
                + "nothing was written. Open the store again (or run again): it then holds what the file holds "
                + "now, and images already stored are skipped");
    }
}
