package visionsearch.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import visionsearch.vector.Vectors;

class InMemoryVectorStoreTest {
    private static final String MODEL = "test:model";

    @TempDir
    Path dir;

    /** Clustered data: 8 centres, theme = centre index, colour alternating. */
    static List<VectorRecord> clustered(int n, int dims, long seed) {
        Random rnd = new Random(seed);
        float[][] centres = new float[8][dims];
        for (float[] c : centres) {
            for (int i = 0; i < dims; i++) {
                c[i] = (float) rnd.nextGaussian() * 3;
            }
        }
        List<VectorRecord> out = new ArrayList<>();
        for (int j = 0; j < n; j++) {
            int c = j % centres.length;
            float[] v = new float[dims];
            for (int i = 0; i < dims; i++) {
                v[i] = centres[c][i] + (float) rnd.nextGaussian();
            }
            out.add(new VectorRecord("item-" + j, "images/" + j + ".png",
                    Map.of("theme", "t" + c, "colour", j % 2 == 0 ? "red" : "blue"), "sha" + j, v));
        }
        return out;
    }

    static double bruteScore(Distance d, float[] q, float[] v) {
        return switch (d) {
            case COSINE -> Vectors.cosine(q, v);
            case DOT -> Vectors.dot(q, v);
            case L2 -> -Vectors.euclidean(q, v);
        };
    }

    static Stream<Arguments> orderCases() {
        return Stream.of(
                Arguments.of("cosine, k=10, no filter", Distance.COSINE, 10, Map.of()),
                Arguments.of("dot, k=10, no filter", Distance.DOT, 10, Map.of()),
                Arguments.of("l2, k=10, no filter", Distance.L2, 10, Map.of()),
                Arguments.of("cosine, k=1", Distance.COSINE, 1, Map.of()),
                Arguments.of("l2, k=50, theme filter", Distance.L2, 50, Map.of("theme", "t3")),
                Arguments.of("dot, k=7, two-entry filter", Distance.DOT, 7, Map.of("theme", "t2", "colour", "red")),
                Arguments.of("cosine, k larger than matches", Distance.COSINE, 500, Map.of("theme", "t5")),
                Arguments.of("cosine, filter matching nothing", Distance.COSINE, 5, Map.of("theme", "none")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("orderCases")
    void neighbourOrderMatchesBruteForce(String name, Distance distance, int k, Map<String, String> filter) {
        List<VectorRecord> data = clustered(800, 37, 1);
        try (InMemoryVectorStore store = InMemoryVectorStore.create(MODEL, 37, distance)) {
            store.upsert(data);
            Random rnd = new Random(2);
            for (int t = 0; t < 5; t++) {
                float[] q = data.get(rnd.nextInt(data.size())).vector();
                q[0] += 0.5f;
                List<SearchHit> hits = store.search(q, k, filter);
                List<VectorRecord> expected = data.stream()
                        .filter(r -> InMemoryVectorStore.matches(r.metadata(), filter))
                        .sorted(Comparator.comparingDouble((VectorRecord r) -> -bruteScore(distance, q, r.vector())))
                        .limit(k).collect(Collectors.toList());
                assertEquals(expected.stream().map(VectorRecord::id).collect(Collectors.toList()),
                        hits.stream().map(SearchHit::id).collect(Collectors.toList()));
                for (int i = 0; i < hits.size(); i++) {
                    SearchHit h = hits.get(i);
                    double want = bruteScore(distance, q, expected.get(i).vector());
                    assertEquals(want, h.score(), 1e-4 * Math.max(1, Math.abs(want)));
                    double wantDistance = distance == Distance.COSINE ? 1 - want : -want;
                    assertEquals(wantDistance, h.distance(), 1e-4 * Math.max(1, Math.abs(want)));
                    assertEquals(expected.get(i).metadata(), h.metadata());
                    assertEquals(expected.get(i).path(), h.path());
                    assertTrue(InMemoryVectorStore.matches(h.metadata(), filter));
                }
            }
        }
    }

    @Test
    void upsertReplacesDeleteRemovesAndHashesFollow() {
        try (InMemoryVectorStore store = InMemoryVectorStore.create(MODEL, 3, Distance.COSINE)) {
            store.upsert(List.of(rec("a", "ha", 1, 0, 0), rec("b", "hb", 0, 1, 0), rec("c", "hc", 0, 0, 1)));
            assertEquals(3, store.count());
            store.upsert(rec("a", "ha2", 0, 0, 1));
            assertEquals(3, store.count());
            assertEquals(Set.of("ha2", "hb", "hc"), store.contentHashes());
            assertEquals(Set.of(new VectorStore.StoredItem("a", "a.png", "ha2"), new VectorStore.StoredItem("b", "b.png", "hb"),
                    new VectorStore.StoredItem("c", "c.png", "hc")), Set.copyOf(store.items()));
            List<SearchHit> hits = store.search(new float[] {0, 0, 1}, 2);
            assertEquals(Set.of("a", "c"), Set.of(hits.get(0).id(), hits.get(1).id()));
            assertEquals(1.0, hits.get(0).score(), 1e-6);
            assertTrue(store.delete("a"));
            assertFalse(store.delete("a"));
            assertEquals(2, store.count());
            assertEquals(Set.of(new VectorStore.StoredItem("b", "b.png", "hb"), new VectorStore.StoredItem("c", "c.png", "hc")),
                    Set.copyOf(store.items()));
            assertEquals("c", store.search(new float[] {0, 0, 1}, 1).get(0).id());
            assertEquals("b", store.search(new float[] {0, 1, 0}, 1).get(0).id());
            assertTrue(store.delete("b"));
            assertTrue(store.delete("c"));
            assertEquals(0, store.count());
            assertEquals(List.of(), store.search(new float[] {0, 1, 0}, 3));
        }
    }

    @Test
    void vectorGivesBackWhatWasStoredByIdAndNothingForAnUnknownId() {
        try (InMemoryVectorStore cosine = InMemoryVectorStore.create(MODEL, 3, Distance.COSINE);
             InMemoryVectorStore dot = InMemoryVectorStore.create(MODEL, 3, Distance.DOT)) {
            for (InMemoryVectorStore store : List.of(cosine, dot)) {
                store.upsert(List.of(new VectorRecord("a", "p", Map.of(), "", new float[] {3, 0, 4}),
                        new VectorRecord("b", "q", Map.of(), "", new float[] {0, 2, 0})));
            }
            assertArrayEquals(new float[] {0.6f, 0, 0.8f}, cosine.vector("a").orElseThrow(), 1e-6f, "normalised under cosine");
            assertArrayEquals(new float[] {3, 0, 4}, dot.vector("a").orElseThrow(), 0f, "as given under dot");
            assertArrayEquals(new float[] {0, 1, 0}, cosine.vector("b").orElseThrow(), 1e-6f);
            assertTrue(cosine.vector("missing").isEmpty());
            assertEquals("a", cosine.search(cosine.vector("a").orElseThrow(), 1, Map.of()).get(0).id());
        }
    }

    @Test
    void badBatchChangesNothing() {
        try (InMemoryVectorStore store = InMemoryVectorStore.create(MODEL, 3, Distance.COSINE)) {
            store.upsert(rec("a", "ha", 1, 0, 0));
            List<VectorRecord> batch = List.of(rec("b", "hb", 0, 1, 0), rec("z", "hz", 0, 0, 0));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> store.upsert(batch));
            assertTrue(e.getMessage().contains("all zeros"), e.getMessage());
            assertEquals(1, store.count());
        }
    }

    @Test
    void dimensionMismatchNamesBoth() {
        try (InMemoryVectorStore store = InMemoryVectorStore.create(MODEL, 3, Distance.L2)) {
            IllegalArgumentException up = assertThrows(IllegalArgumentException.class,
                    () -> store.upsert(new VectorRecord("a", "p", Map.of(), "", new float[4])));
            assertTrue(up.getMessage().contains("3") && up.getMessage().contains("got 4")
                    && up.getMessage().contains(MODEL), up.getMessage());
            IllegalArgumentException q = assertThrows(IllegalArgumentException.class,
                    () -> store.search(new float[2], 1));
            assertTrue(q.getMessage().contains("3") && q.getMessage().contains("got 2"), q.getMessage());
            assertThrows(IllegalArgumentException.class, () -> store.search(new float[] {Float.NaN, 0, 0}, 1));
        }
    }

    @ParameterizedTest
    @EnumSource(Distance.class)
    void saveAndLoadRoundTrip(Distance distance) throws IOException {
        Path file = dir.resolve("sub/store.vss");
        List<VectorRecord> data = clustered(300, 16, 3);
        float[] q = data.get(17).vector();
        List<SearchHit> before;
        try (InMemoryVectorStore store = InMemoryVectorStore.open(file, MODEL, 16, distance)) {
            assertEquals(0, store.count());
            store.upsert(data);
            store.delete("item-5");
            before = store.search(q, 20, Map.of("colour", "red"));
            store.save();
        }
        try (InMemoryVectorStore again = InMemoryVectorStore.open(file, MODEL, 16, distance);
             InMemoryVectorStore loaded = InMemoryVectorStore.load(file)) {
            assertEquals(299, again.count());
            assertEquals(before, again.search(q, 20, Map.of("colour", "red")));
            assertEquals(MODEL, loaded.modelId());
            assertEquals(16, loaded.dimensions());
            assertEquals(distance, loaded.distance());
            assertEquals(before, loaded.search(q, 20, Map.of("colour", "red")));
            assertEquals(again.contentHashes(), loaded.contentHashes());
            assertFalse(again.contentHashes().contains("sha5"));
        }
        try (Stream<Path> left = Files.list(file.getParent())) {
            // The store file, and the (empty) lock file save() keeps beside it; no temporary file.
            assertEquals(Set.of(file, file.resolveSibling(file.getFileName() + ".lock")), left.collect(Collectors.toSet()),
                    "no temporary files left behind");
        }
    }

    static Stream<Arguments> damage() {
        return Stream.of(
                Arguments.of("truncated by one byte", (Damage) f -> truncate(f, Files.size(f) - 1)),
                Arguments.of("truncated to half", (Damage) f -> truncate(f, Files.size(f) / 2)),
                Arguments.of("truncated to the header", (Damage) f -> truncate(f, 30)),
                Arguments.of("empty file", (Damage) f -> truncate(f, 0)),
                Arguments.of("one vector byte flipped", (Damage) f -> flip(f, Files.size(f) - 100)),
                Arguments.of("one metadata byte flipped", (Damage) f -> flip(f, 60)),
                Arguments.of("bytes appended", (Damage) f -> Files.write(f, new byte[] {1, 2, 3},
                        java.nio.file.StandardOpenOption.APPEND)),
                Arguments.of("not a store file", (Damage) f -> Files.writeString(f, "hello, world, not a store")));
    }

    interface Damage {
        void apply(Path file) throws IOException;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("damage")
    void damagedFileIsRefusedWhole(String name, Damage damage) throws IOException {
        Path file = dir.resolve("store.vss");
        try (InMemoryVectorStore store = InMemoryVectorStore.open(file, MODEL, 8, Distance.COSINE)) {
            store.upsert(clustered(50, 8, 4));
            store.save();
        }
        damage.apply(file);
        VectorStoreException e = assertThrows(VectorStoreException.class,
                () -> InMemoryVectorStore.open(file, MODEL, 8, Distance.COSINE));
        assertTrue(e.getMessage().contains("refusing the vector store file") && e.getMessage().contains("Nothing was loaded"),
                e.getMessage());
        assertThrows(VectorStoreException.class, () -> InMemoryVectorStore.load(file));
    }

    static Stream<Arguments> mismatches() {
        return Stream.of(
                Arguments.of("other model", "other:model", 8, Distance.COSINE),
                Arguments.of("other dimension", MODEL, 9, Distance.COSINE),
                Arguments.of("other distance", MODEL, 8, Distance.L2));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("mismatches")
    void openingForAnotherModelIsRefusedNamingBoth(String name, String model, int dims, Distance distance) {
        Path file = dir.resolve("store.vss");
        try (InMemoryVectorStore store = InMemoryVectorStore.open(file, MODEL, 8, Distance.COSINE)) {
            store.upsert(clustered(5, 8, 5));
            store.save();
        }
        VectorStoreException e = assertThrows(VectorStoreException.class,
                () -> InMemoryVectorStore.open(file, model, dims, distance));
        String m = e.getMessage();
        assertTrue(m.contains("'" + MODEL + "' (8 dimensions, COSINE)") && m.contains("'" + model + "' (" + dims
                + " dimensions, " + distance + ")"), m);
    }

    @Test
    void saveReplacesAnExistingFile() {
        Path file = dir.resolve("store.vss");
        try (InMemoryVectorStore store = InMemoryVectorStore.open(file, MODEL, 4, Distance.DOT)) {
            store.upsert(rec("a", "ha", 1, 2, 3, 4));
            store.save();
            store.upsert(rec("b", "hb", 4, 3, 2, 1));
            store.save();
        }
        assertEquals(2, InMemoryVectorStore.load(file).count());
    }

    @Test
    void createdStoreNeedsAPathToSaveAndClosedStoreRefuses() {
        InMemoryVectorStore store = InMemoryVectorStore.create(MODEL, 2, Distance.DOT);
        assertThrows(IllegalStateException.class, store::save);
        store.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, store::count);
        assertTrue(e.getMessage().contains("closed"));
        assertThrows(IllegalStateException.class, () -> store.search(new float[2], 1));
    }

    @Test
    void concurrentReadersAndWriterSeeConsistentState() throws Exception {
        List<VectorRecord> data = clustered(2000, 24, 6);
        try (InMemoryVectorStore store = InMemoryVectorStore.create(MODEL, 24, Distance.COSINE)) {
            store.upsert(data.subList(0, 1000));
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<?>> futures = new ArrayList<>();
                futures.add(pool.submit(() -> {
                    for (int i = 1000; i < 2000; i += 50) {
                        store.upsert(data.subList(i, i + 50));
                        for (int j = i - 1000; j < i - 950; j++) {
                            assertTrue(store.delete("item-" + j));
                        }
                    }
                }));
                for (int t = 0; t < 3; t++) {
                    futures.add(pool.submit(() -> {
                        for (int i = 0; i < 200; i++) {
                            List<SearchHit> hits = store.search(data.get(i).vector(), 5);
                            assertEquals(5, hits.size());
                            for (int h = 1; h < hits.size(); h++) {
                                assertTrue(hits.get(h - 1).score() >= hits.get(h).score());
                            }
                        }
                    }));
                }
                for (Future<?> f : futures) {
                    f.get();
                }
            } finally {
                pool.shutdownNow();
            }
            assertEquals(1000, store.count());
            assertEquals("item-1999", store.search(data.get(1999).vector(), 1).get(0).id());
        }
    }

    @Test
    void vectorsAreCopiedNotShared() {
        try (InMemoryVectorStore store = InMemoryVectorStore.create(MODEL, 2, Distance.L2)) {
            float[] v = {1, 0};
            store.upsert(new VectorRecord("a", "p", Map.of(), "", v));
            v[0] = 100;
            assertArrayEquals(new double[] {0.0}, new double[] {store.search(new float[] {1, 0}, 1).get(0).distance()});
        }
    }

    private static VectorRecord rec(String id, String hash, float... v) {
        return new VectorRecord(id, id + ".png", Map.of(), hash, v);
    }

    private static void truncate(Path f, long size) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.setLength(size);
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

    @Test
    void twoWritersOfOneFileNeverDropEachOthersRecords(@TempDir Path dir) {
        Path file = dir.resolve("shared.vec");
        try (InMemoryVectorStore first = InMemoryVectorStore.open(file, MODEL, 3, Distance.COSINE);
             InMemoryVectorStore second = InMemoryVectorStore.open(file, MODEL, 3, Distance.COSINE)) {
            first.upsert(rec("a", "ha", 1, 0, 0));
            first.save();
            first.upsert(rec("a2", "ha2", 1, 1, 0));
            first.save(); // appended to the log
            second.upsert(List.of(rec("b", "hb", 0, 1, 0), rec("x", "hx-second", 0, 0, 1)));
            second.save(); // takes in the first one's records, then appends its own
            assertEquals(Set.of("ha", "ha2", "hb", "hx-second"), second.contentHashes());
            first.upsert(List.of(rec("c", "hc", 1, 0, 1), rec("x", "hx-first", 0, 1, 1)));
            assertTrue(first.delete("a2"));
            first.save();
            assertEquals(Set.of("ha", "hb", "hc", "hx-first"), first.contentHashes(), "its own changes win in memory too");
            second.upsert(rec("d", "hd", 1, 1, 1));
            second.save();
            assertEquals(Set.of("ha", "hb", "hc", "hd", "hx-first"), second.contentHashes(),
                    "the first one's later save of x and its delete of a2 reached the second");
        }
        try (InMemoryVectorStore again = InMemoryVectorStore.open(file, MODEL, 3, Distance.COSINE)) {
            assertEquals(Set.of("ha", "hb", "hc", "hd", "hx-first"), again.contentHashes());
            assertEquals("x", again.search(new float[] {0, 1, 1}, 1).get(0).id());
        }
    }

    @Test
    void aFileCreatedBehindTheStoreIsJoinedButADeletedOrForeignOneIsNotOverwritten(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("s.vec");
        try (InMemoryVectorStore early = InMemoryVectorStore.open(file, MODEL, 3, Distance.COSINE);
             InMemoryVectorStore other = InMemoryVectorStore.open(file, MODEL, 3, Distance.COSINE)) {
            other.upsert(rec("o", "ho", 0, 0, 1));
            other.save(); // the file did not exist when `early` opened it
            early.upsert(rec("e", "he", 1, 0, 0));
            early.save();
            assertEquals(Set.of("ho", "he"), InMemoryVectorStore.load(file).contentHashes());

            Files.delete(file);
            other.upsert(rec("o2", "ho2", 0, 1, 1));
            VectorStoreException e = assertThrows(VectorStoreException.class, other::save, "a file removed behind the store");
            assertTrue(e.getMessage().contains("was deleted") && e.getMessage().contains("nothing was written"),
                    e.getMessage());
            assertFalse(Files.exists(file), "nothing was written");

            try (InMemoryVectorStore foreign = InMemoryVectorStore.create(MODEL, 3, Distance.COSINE)) {
                foreign.upsert(rec("f", "hf", 1, 1, 0));
                foreign.save(file); // another store's file put in its place
            }
            e = assertThrows(VectorStoreException.class, early::save);
            assertTrue(e.getMessage().contains("replaced by another store file"), e.getMessage());
            assertEquals(Set.of("hf"), InMemoryVectorStore.load(file).contentHashes(), "the foreign file is left as it is");
        }
    }
}
