package visionsearch.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store file with its log, through the public API of {@link InMemoryVectorStore} and the files it leaves:
 * what a save writes, replay, torn and corrupt logs, compaction, crashes around it, and version 1 files.
 */
class StoreLogTest {
    private static final String MODEL = "test:log";
    private static final int DIMS = 16;

    @TempDir
    Path dir;

    private Path file;
    private Path log;

    private void files(String name) {
        file = dir.resolve(name);
        log = dir.resolve(name + ".log");
    }

    @Test
    void aSaveAppendsAboutItsGroupAndLeavesTheSnapshotAlone() throws IOException {
        files("s.vec");
        Map<String, VectorRecord> expected = new TreeMap<>();
        try (InMemoryVectorStore store = open()) {
            upsert(store, expected, 0, 100);
            store.save(); // the first save writes the snapshot
            assertFalse(Files.exists(log));
            long snapshot = Files.size(file);
            long perRecord = snapshot / 100;
            for (int g = 1; g <= 20; g++) {
                long before = Files.exists(log) ? Files.size(log) : 0;
                upsert(store, expected, 100 * g, 16);
                store.save();
                long added = Files.size(log) - before;
                assertTrue(added < 16 * perRecord * 1.1 + (before == 0 ? StoreLog.HEADER_BYTES : 0) + 24,
                        "group " + g + " added " + added + " bytes for 16 records of about " + perRecord);
                assertTrue(added > 16 * perRecord * 0.9, "the group is in the log: " + added);
                assertEquals(snapshot, Files.size(file), "the snapshot is not rewritten");
            }
            store.save(); // nothing changed: nothing written
            assertEquals(snapshot, Files.size(file));
        }
        assertHolds(expected);
    }

    @Test
    void deletesAndUpdatesGoThroughTheLogAndReplayInOrder() throws IOException {
        files("s.vec");
        Map<String, VectorRecord> expected = new TreeMap<>();
        try (InMemoryVectorStore store = open()) {
            upsert(store, expected, 0, 50);
            store.save();
            long snapshot = Files.size(file);
            for (int i = 0; i < 50; i += 3) {
                assertTrue(store.delete("r" + i));
                expected.remove("r" + i);
            }
            store.save();
            long afterDeletes = Files.size(log);
            assertTrue(afterDeletes < StoreLog.HEADER_BYTES + 24 + 17 * 12, "17 deletes are small: " + afterDeletes);
            upsert(store, expected, 3, 1); // deleted, then upserted again
            VectorRecord changed = record(7, 1000);
            store.upsert(changed);
            expected.put("r7", changed);
            store.upsert(record(60, 0));
            store.delete("r60"); // upserted and deleted between two saves
            store.save();
            assertEquals(snapshot, Files.size(file));
        }
        assertHolds(expected);
    }

    @Test
    void aTornLastGroupIsLeftOutThenCutOffByTheNextSave() throws IOException {
        files("s.vec");
        Map<String, VectorRecord> expected = new TreeMap<>();
        try (InMemoryVectorStore store = open()) {
            upsert(store, expected, 0, 10);
            store.save();
            upsert(store, expected, 10, 3);
            store.save();
        }
        Map<String, VectorRecord> committed = new TreeMap<>(expected);
        long end = Files.size(log);
        try (InMemoryVectorStore store = open()) {
            upsert(store, expected, 13, 3);
            store.save();
        }
        byte[] full = Files.readAllBytes(log);
        // Every way the last save could have been cut short leaves exactly the groups before it.
        for (long cut = end; cut < full.length; cut++) {
            Files.write(log, java.util.Arrays.copyOf(full, (int) cut));
            assertHolds(committed);
        }
        // Also a tail of zeros (a file extended before its data reached the disk) and of random bytes.
        for (byte[] tail : List.of(new byte[300], "garbage that is not a group".getBytes())) {
            Files.write(log, java.util.Arrays.copyOf(full, (int) end));
            Files.write(log, tail, StandardOpenOption.APPEND);
            assertHolds(committed);
        }
        // The next save cuts the torn tail off before it appends: nothing committed is lost.
        try (InMemoryVectorStore store = open()) {
            upsert(store, committed, 20, 2);
            store.save();
        }
        assertHolds(committed);
        assertTrue(Files.size(log) < full.length, "the torn tail is gone");
    }

    @Test
    void aDamagedGroupWithGroupsAfterItRefusesTheStore() throws IOException {
        files("s.vec");
        Map<String, VectorRecord> expected = new TreeMap<>();
        long[] groupStart = new long[3];
        try (InMemoryVectorStore store = open()) {
            upsert(store, expected, 0, 10);
            store.save();
            for (int g = 0; g < 3; g++) {
                groupStart[g] = Files.exists(log) ? Files.size(log) : StoreLog.HEADER_BYTES;
                upsert(store, expected, 10 + 4 * g, 4);
                store.save();
            }
        }
        byte[] good = Files.readAllBytes(log);
        for (long at : new long[] {groupStart[1] + 2, groupStart[1] + 5, groupStart[1] + 40, groupStart[2] - 1}) {
            flip(log, at);
            VectorStoreException e = assertThrows(VectorStoreException.class, this::open, "byte " + at);
            assertTrue(e.getMessage().contains("refusing the vector store log " + log)
                    && e.getMessage().contains("Nothing was loaded"), e.getMessage());
            assertThrows(VectorStoreException.class, () -> InMemoryVectorStore.load(file));
            Files.write(log, good);
        }
        flip(log, 3); // the log's own header
        assertThrows(VectorStoreException.class, this::open);
        Files.write(log, good);
        // Damage in the last group cannot be told from a torn write: that group is left out.
        flip(log, good.length - 10);
        Map<String, VectorRecord> withoutLast = new TreeMap<>(expected);
        for (int i = 18; i < 22; i++) {
            withoutLast.remove("r" + i);
        }
        assertHolds(withoutLast);
    }

    @Test
    void compactionFoldsTheLogIntoANewSnapshotWhenHalfOfItIsSuperseded() throws IOException {
        files("s.vec");
        Map<String, VectorRecord> expected = new TreeMap<>();
        int live = 3000;
        try (InMemoryVectorStore store = open()) {
            upsert(store, expected, 0, 16);
            store.save();
            long firstSnapshot = Files.size(file);
            // New records only: the log grows far past the snapshot's size and nothing is compacted.
            for (int from = 16; from < live; from += 16) {
                upsert(store, expected, from, Math.min(16, live - from));
                store.save();
            }
            assertEquals(firstSnapshot, Files.size(file));
            assertTrue(Files.size(log) > 50 * firstSnapshot && Files.size(log) > StoreFiles.MIN_COMPACTION_LOG_BYTES);
            // Overwrites and deletes: the save after which the files would hold more than twice as many
            // entries as the store has records compacts, and none before it.
            long entriesOnDisk = live;
            int saves = 0;
            while (true) {
                Set<String> touched = new java.util.LinkedHashSet<>();
                for (int i = 0; i < 16; i++) {
                    VectorRecord r = record((saves * 16 + i) % live, saves + 1);
                    store.upsert(r);
                    expected.put(r.id(), r);
                    touched.add(r.id());
                }
                String gone = "r" + (saves * 7 % live);
                if (store.delete(gone)) {
                    expected.remove(gone);
                    touched.add(gone);
                }
                boolean due = entriesOnDisk + touched.size() > 2L * expected.size();
                store.save();
                saves++;
                assertEquals(!due, Files.exists(log), "save " + saves);
                if (due) {
                    break;
                }
                entriesOnDisk += touched.size();
                assertTrue(saves < 400, "no compaction after " + saves + " saves of overwrites");
            }
            assertTrue(saves > 100, "compacted after " + saves + " saves");
            assertTrue(Files.size(file) > 50 * firstSnapshot, "the new snapshot holds everything");
            assertHolds(expected);
            upsert(store, expected, 5000, 3);
            store.save(); // the next save starts a new log
            assertTrue(Files.exists(log));
        }
        assertHolds(expected);
        try (Stream<Path> left = Files.list(dir)) {
            assertEquals(Set.of(file, log, dir.resolve("s.vec.lock")), left.collect(Collectors.toSet()));
        }
    }

    @Test
    void aSaveAddingMoreThanTheFilesHoldWritesASnapshotInstead() throws IOException {
        files("s.vec");
        Map<String, VectorRecord> expected = new TreeMap<>();
        try (InMemoryVectorStore store = open()) {
            upsert(store, expected, 0, 10);
            store.save();
            upsert(store, expected, 10, 10);
            store.save(); // as many as the file holds: appended
            assertTrue(Files.exists(log));
            long snapshot = Files.size(file);
            upsert(store, expected, 20, 21);
            store.save(); // more than the files hold: one snapshot of 41 costs less than twice the group of 21
            assertFalse(Files.exists(log));
            assertTrue(Files.size(file) > 3 * snapshot);
        }
        assertHolds(expected);
    }

    @Test
    void aCompactionStoppedAfterItsRenameLeavesAStaleLogThatIsIgnored() throws IOException {
        files("s.vec");
        Map<String, VectorRecord> expected = new TreeMap<>();
        Path saved = dir.resolve("old-log");
        try (InMemoryVectorStore store = open()) {
            upsert(store, expected, 0, 600);
            store.save();
            int round = 0;
            do {
                round++;
                if (Files.exists(log)) {
                    Files.copy(log, saved, StandardCopyOption.REPLACE_EXISTING);
                }
                upsert(store, expected, 0, 600, round); // overwrite everything: compacts within a few rounds
                store.save();
                assertTrue(round < 10);
            } while (Files.exists(log));
            assertTrue(round > 1 && Files.exists(saved));
        }
        // Put the log back as a compaction killed between its rename and its removal of the log leaves it:
        // replaying it would bring back older versions of every record.
        Files.move(saved, log);
        assertHolds(expected);
        try (InMemoryVectorStore store = open()) {
            upsert(store, expected, 1000, 5);
            store.save(); // replaces the stale log with a new one
        }
        assertHolds(expected);
        assertTrue(Files.size(log) < 5000, "the stale log was replaced, not appended to");
    }

    @Test
    void temporaryFilesOfAKilledCompactionDoNotMatterAndTheNextCompactionClearsThem() throws IOException {
        files("s.vec");
        Map<String, VectorRecord> expected = new TreeMap<>();
        try (InMemoryVectorStore store = open()) {
            upsert(store, expected, 0, 600);
            store.save();
        }
        Path tmp = dir.resolve(".s.vec.tmp-99999-1234abcd");
        Files.write(tmp, Files.readAllBytes(file), StandardOpenOption.CREATE_NEW);
        Files.write(tmp, new byte[] {1, 2, 3}, StandardOpenOption.APPEND);
        assertHolds(expected);
        try (InMemoryVectorStore store = open()) {
            for (int round = 1; Files.exists(tmp); round++) {
                upsert(store, expected, 0, 600, round);
                store.save();
                assertTrue(round < 10);
            }
        }
        assertHolds(expected);
    }

    @Test
    void aVersion1FileOpensAndIsRewrittenAsVersion2AtItsFirstSave() throws IOException {
        files("v1.vec");
        try (InputStream in = StoreLogTest.class.getResourceAsStream("/store/v1-store.vec")) {
            Files.copy(in, file);
        }
        assertEquals(1, ByteBuffer.wrap(Files.readAllBytes(file), 8, 4).getInt(), "the fixture is version 1");
        List<VectorRecord> v1 = v1Records();
        try (InMemoryVectorStore early = InMemoryVectorStore.open(file, "test:v1", 8, Distance.COSINE);
             InMemoryVectorStore loaded = InMemoryVectorStore.load(file)) {
            assertEquals(40, loaded.count());
            assertEquals(Distance.COSINE, loaded.distance());
            for (VectorRecord r : v1) {
                SearchHit top = loaded.search(r.vector(), 1).get(0);
                assertEquals(r.id(), top.id());
                assertEquals(1.0, top.score(), 1e-6);
                assertEquals(r.metadata(), top.metadata());
                assertEquals(r.path(), top.path());
            }
            assertEquals(v1.stream().map(VectorRecord::contentSha256).collect(Collectors.toSet()), loaded.contentHashes());
            loaded.upsert(new VectorRecord("new", "new.png", Map.of(), "hnew", new float[] {1, 0, 0, 0, 0, 0, 0, 0}));
            loaded.save();
            assertEquals(2, ByteBuffer.wrap(Files.readAllBytes(file), 8, 4).getInt(), "rewritten as version 2");
            assertFalse(Files.exists(log));
            // A writer that read the version 1 file takes the rewrite for what it is, a later version of it.
            early.delete("v1-3");
            early.save();
            assertEquals(40, early.count());
        }
        try (InMemoryVectorStore again = InMemoryVectorStore.load(file)) {
            assertEquals(40, again.count());
            assertTrue(again.contentHashes().contains("hnew") && !again.contentHashes().contains("sha3"));
        }
    }

    /** The records of src/test/resources/store/v1-store.vec (see the README there). */
    static List<VectorRecord> v1Records() {
        List<VectorRecord> rs = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            float[] v = new float[8];
            for (int d = 0; d < 8; d++) {
                v[d] = (float) Math.sin(i * 8 + d + 1);
            }
            rs.add(new VectorRecord("v1-" + i, "images/v1-" + i + ".png", Map.of("theme", "t" + (i % 4),
                    "caption", "caption " + i + " é"), "sha" + i, v));
        }
        return rs;
    }

    // --- helpers ---

    private InMemoryVectorStore open() {
        return InMemoryVectorStore.open(file, MODEL, DIMS, Distance.DOT);
    }

    private static void upsert(InMemoryVectorStore store, Map<String, VectorRecord> expected, int from, int n) {
        upsert(store, expected, from, n, 0);
    }

    private static void upsert(InMemoryVectorStore store, Map<String, VectorRecord> expected, int from, int n, int version) {
        List<VectorRecord> rs = new ArrayList<>();
        for (int i = from; i < from + n; i++) {
            VectorRecord r = record(i, version);
            rs.add(r);
            expected.put(r.id(), r);
        }
        store.upsert(rs);
    }

    /** Record {@code r<i>} in its {@code version}: path, hash, metadata and vector all depend on both. */
    static VectorRecord record(int i, int version) {
        float[] v = new float[DIMS];
        for (int d = 0; d < DIMS; d++) {
            v[d] = (float) Math.sin(i * 31 + d * 7 + version * 0.37);
        }
        return new VectorRecord("r" + i, "images/r" + i + "-v" + version + ".png",
                Map.of("n", Integer.toString(i), "version", Integer.toString(version)), "h" + i + "." + version, v);
    }

    /** The store at {@link #file}, opened afresh, holds exactly {@code expected} (ids, paths, hashes, metadata and vectors). */
    private void assertHolds(Map<String, VectorRecord> expected) {
        try (InMemoryVectorStore store = open()) {
            Map<String, VectorStore.StoredItem> items = new HashMap<>();
            for (VectorStore.StoredItem item : store.items()) {
                items.put(item.id(), item);
            }
            assertEquals(expected.keySet(), items.keySet());
            for (VectorRecord r : expected.values()) {
                assertEquals(new VectorStore.StoredItem(r.id(), r.path(), r.contentSha256()), items.get(r.id()));
            }
            // DOT keeps vectors as given: each record's own vector scores its exact squared norm against it.
            for (VectorRecord r : expected.values()) {
                List<SearchHit> hits = store.search(r.vector(), expected.size(), Map.of("n", r.metadata().get("n")));
                assertEquals(1, hits.size(), r.id());
                assertEquals(r.metadata(), hits.get(0).metadata());
                assertEquals(visionsearch.vector.Vectors.dot(r.vector(), r.vector()), hits.get(0).score(), 1e-5);
            }
        }
    }

    private static void flip(Path f, long at) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.seek(at);
            int b = raf.read();
            raf.seek(at);
            raf.write(b ^ 0x40);
        }
    }
}
