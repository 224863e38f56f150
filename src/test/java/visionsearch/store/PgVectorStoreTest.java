package visionsearch.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.postgresql.Driver;

/** PgVectorStore against the real PostgreSQL + pgvector that scripts/test.sh starts. */
class PgVectorStoreTest {
    private static final String MODEL = "test:model";
    private final List<PgVectorStore> opened = new ArrayList<>();

    private PgVectorStore.Builder builder(String prefix, int dims) {
        return PgVectorStore.builder(TestDatabase.url()).collection(TestDatabase.collection(prefix)).model(MODEL, dims);
    }

    private PgVectorStore track(PgVectorStore store) {
        opened.add(store);
        return store;
    }

    @AfterEach
    void dropCollections() {
        for (PgVectorStore s : opened) {
            try (PgVectorStore again = PgVectorStore.builder(TestDatabase.url()).collection(s.collection())
                    .model(s.modelId(), s.dimensions()).distance(s.distance()).vectorType(s.vectorType())
                    .index(IndexSpec.none()).build()) {
                again.drop();
            } catch (RuntimeException ignored) {
                // already dropped by the test
            }
            s.close();
        }
    }

    private static Connection admin() throws SQLException {
        return DatabaseUrl.parse(TestDatabase.url()).connect();
    }

    private static List<String> ids(List<SearchHit> hits) {
        return hits.stream().map(SearchHit::id).collect(Collectors.toList());
    }

    private static double recall(List<SearchHit> truth, List<SearchHit> got) {
        Set<String> t = new HashSet<>(ids(truth));
        return got.stream().filter(h -> t.contains(h.id())).count() / (double) Math.max(1, truth.size());
    }

    @ParameterizedTest
    @EnumSource(Distance.class)
    void roundTripMatchesInMemoryExactSearch(Distance distance) {
        List<VectorRecord> data = InMemoryVectorStoreTest.clustered(400, 16, 11);
        PgVectorStore pg = track(builder("roundtrip", 16).distance(distance).index(IndexSpec.none()).build());
        pg.upsert(data);
        assertEquals(400, pg.count());
        try (InMemoryVectorStore mem = InMemoryVectorStore.create(MODEL, 16, distance)) {
            mem.upsert(data);
            Random rnd = new Random(12);
            for (int t = 0; t < 5; t++) {
                float[] q = data.get(rnd.nextInt(400)).vector();
                q[3] += 1;
                List<SearchHit> want = mem.search(q, 10);
                List<SearchHit> got = pg.search(q, 10);
                assertEquals(ids(want), ids(got));
                for (int i = 0; i < got.size(); i++) {
                    double tol = 1e-4 * Math.max(1, Math.abs(want.get(i).score()));
                    assertEquals(want.get(i).score(), got.get(i).score(), tol, "score of " + got.get(i).id());
                    assertEquals(want.get(i).distance(), got.get(i).distance(), tol, "distance of " + got.get(i).id());
                    assertEquals(want.get(i).metadata(), got.get(i).metadata());
                    assertEquals(want.get(i).path(), got.get(i).path());
                }
            }
        }
        assertEquals(data.stream().map(VectorRecord::contentSha256).collect(Collectors.toSet()), pg.contentHashes());
        assertTrue(pg.delete("item-0"));
        assertFalse(pg.delete("item-0"));
        assertEquals(399, pg.count());
    }

    static Stream<Arguments> indexCases() {
        List<Arguments> cases = new ArrayList<>();
        for (VectorType type : VectorType.values()) {
            for (Distance d : Distance.values()) {
                cases.add(Arguments.of(type + " hnsw " + d, type, IndexSpec.hnsw(16, 64), d, SearchOptions.efSearch(100)));
                cases.add(Arguments.of(type + " ivfflat " + d, type, IndexSpec.ivfflat(10), d, SearchOptions.probes(4)));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("indexCases")
    void eachIndexTypeAndDistanceIsUsedAndFindsNeighbours(String name, VectorType type, IndexSpec spec, Distance distance,
                                                          SearchOptions options) throws SQLException {
        List<VectorRecord> data = InMemoryVectorStoreTest.clustered(1500, 24, 21);
        PgVectorStore pg = track(builder("idx", 24).distance(distance).vectorType(type).index(spec).build());
        pg.upsert(data);
        pg.createIndex(spec); // IVFFlat is built after loading; HNSW exists already (IF NOT EXISTS)
        try (Connection c = admin(); PreparedStatement ps = c.prepareStatement("SELECT am.amname, o.opcname FROM pg_index i "
                + "JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_am am ON am.oid = ic.relam "
                + "JOIN pg_opclass o ON o.oid = i.indclass[0] WHERE i.indexrelid = to_regclass(?)")) {
            ps.setString(1, PgSql.quote(PgSql.indexName(pg.collection(), spec.kind())));
            try (ResultSet rs = ps.executeQuery()) {
                assertTrue(rs.next(), "index exists");
                assertEquals(spec.kind().name().toLowerCase(java.util.Locale.ROOT), rs.getString(1));
                assertEquals(PgSql.operatorClass(type, distance), rs.getString(2));
            }
        }
        assertTrue(explain(pg, data.get(0).vector()).contains(PgSql.indexName(pg.collection(), spec.kind())),
                "the planner uses the index");
        try (InMemoryVectorStore mem = InMemoryVectorStore.create(MODEL, 24, distance)) {
            mem.upsert(data);
            double total = 0;
            for (int t = 0; t < 20; t++) {
                float[] q = data.get(t * 37).vector();
                q[0] += 0.3f;
                List<SearchHit> got = pg.search(q, 10, Map.of(), options);
                assertEquals(10, got.size());
                for (int i = 1; i < got.size(); i++) {
                    assertTrue(got.get(i - 1).score() >= got.get(i).score(), "ranked best first");
                }
                total += recall(mem.search(q, 10), got);
            }
            assertTrue(total / 20 >= 0.9, "recall@10 " + total / 20);
        }
    }

    private static String explain(PgVectorStore pg, float[] q) throws SQLException {
        try (Connection c = admin()) {
            c.setAutoCommit(false);
            com.pgvector.PGvector.registerTypes(c);
            try (Statement st = c.createStatement()) {
                st.execute("SET LOCAL enable_seqscan = off"); // tiny tables: make the plan show the index is usable
            }
            try (PreparedStatement ps = c.prepareStatement("EXPLAIN " + PgSql.search(pg.collection(), pg.vectorType(),
                    pg.dimensions(), pg.distance(), false))) {
                ps.setObject(1, new com.pgvector.PGvector(q));
                ps.setInt(2, 10);
                StringBuilder plan = new StringBuilder();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        plan.append(rs.getString(1)).append('\n');
                    }
                }
                c.rollback();
                return plan.toString();
            }
        }
    }

    @Test
    void exactAndHnswAgreeOnClusteredData() {
        List<VectorRecord> data = InMemoryVectorStoreTest.clustered(3000, 48, 31);
        PgVectorStore pg = track(builder("exact_hnsw", 48).index(IndexSpec.hnsw(16, 100)).build());
        pg.upsert(data);
        try (InMemoryVectorStore mem = InMemoryVectorStore.create(MODEL, 48, Distance.COSINE)) {
            mem.upsert(data);
            double total = 0;
            int top1 = 0;
            for (int t = 0; t < 30; t++) {
                float[] q = data.get(t * 97).vector();
                q[5] -= 0.5f;
                List<SearchHit> brute = mem.search(q, 10);
                List<SearchHit> exact = pg.search(q, 10, Map.of(), SearchOptions.exactScan());
                assertEquals(ids(brute), ids(exact), "exact scan in PostgreSQL = brute force in memory");
                List<SearchHit> hnsw = pg.search(q, 10, Map.of(), SearchOptions.efSearch(200));
                total += recall(exact, hnsw);
                top1 += exact.get(0).id().equals(hnsw.get(0).id()) ? 1 : 0;
            }
            assertTrue(total / 30 >= 0.95, "HNSW recall@10 " + total / 30);
            assertTrue(top1 >= 28, "HNSW top-1 equal to exact in " + top1 + " of 30");
        }
    }

    static Stream<Arguments> filterCases() {
        return Stream.of(
                Arguments.of("no index, one key", IndexSpec.none(), Map.of("theme", "t3")),
                Arguments.of("no index, two keys", IndexSpec.none(), Map.of("theme", "t3", "colour", "red")),
                Arguments.of("hnsw, rare theme (iterative scan)", IndexSpec.hnsw(), Map.of("theme", "t6")),
                Arguments.of("hnsw, two keys", IndexSpec.hnsw(), Map.of("theme", "t1", "colour", "blue")),
                Arguments.of("ivfflat, one key", IndexSpec.ivfflat(8), Map.of("colour", "red")),
                Arguments.of("hnsw, matching nothing", IndexSpec.hnsw(), Map.of("theme", "nope")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("filterCases")
    void filtersReturnOnlyMatchingRowsAndEnoughOfThem(String name, IndexSpec spec, Map<String, String> filter) {
        List<VectorRecord> data = InMemoryVectorStoreTest.clustered(2400, 16, 41);
        PgVectorStore pg = track(builder("filter", 16).index(spec).build());
        pg.upsert(data);
        pg.createIndex(spec);
        try (InMemoryVectorStore mem = InMemoryVectorStore.create(MODEL, 16, Distance.COSINE)) {
            mem.upsert(data);
            // A query from another cluster: an index scan without iterative scans would find few matching rows.
            float[] q = data.get(0).vector();
            List<SearchHit> want = mem.search(q, 60, filter);
            List<SearchHit> got = pg.search(q, 60, filter, SearchOptions.efSearch(40));
            assertEquals(want.size(), got.size(), "as many hits as exact search finds");
            for (SearchHit h : got) {
                assertTrue(InMemoryVectorStore.matches(h.metadata(), filter), h.metadata().toString());
            }
            if (spec.kind() == IndexSpec.Kind.NONE) {
                assertEquals(ids(want), ids(got));
            } else if (!want.isEmpty()) {
                assertTrue(recall(want, got) >= 0.8, "recall " + recall(want, got));
            }
        }
    }

    @Test
    void modelAndDimensionMismatchAreRefusedNamingBoth() {
        PgVectorStore pg = track(builder("mismatch", 16).build());
        String name = pg.collection();
        VectorStoreException model = assertThrows(VectorStoreException.class, () -> PgVectorStore
                .builder(TestDatabase.url()).collection(name).model("other:model", 16).build());
        assertTrue(model.getMessage().contains("'" + MODEL + "' (16 dimensions") && model.getMessage()
                .contains("'other:model' (16 dimensions"), model.getMessage());
        VectorStoreException dims = assertThrows(VectorStoreException.class, () -> PgVectorStore
                .builder(TestDatabase.url()).collection(name).model(MODEL, 32).build());
        assertTrue(dims.getMessage().contains("(16 dimensions") && dims.getMessage().contains("(32 dimensions"),
                dims.getMessage());
        VectorStoreException type = assertThrows(VectorStoreException.class, () -> PgVectorStore
                .builder(TestDatabase.url()).collection(name).model(MODEL, 16).vectorType(VectorType.HALFVEC).build());
        assertTrue(type.getMessage().contains("VECTOR") && type.getMessage().contains("HALFVEC"), type.getMessage());
        IllegalArgumentException up = assertThrows(IllegalArgumentException.class,
                () -> pg.upsert(new VectorRecord("a", "p", Map.of(), "", new float[15])));
        assertTrue(up.getMessage().contains("16") && up.getMessage().contains("got 15"), up.getMessage());
        IllegalArgumentException q = assertThrows(IllegalArgumentException.class, () -> pg.search(new float[17], 3));
        assertTrue(q.getMessage().contains("got 17"), q.getMessage());
        try (PgVectorStore same = PgVectorStore.builder(TestDatabase.url()).collection(name).model(MODEL, 16).build()) {
            assertEquals(0, same.count(), "reopening with the same model works");
        }
    }

    @Test
    void missingExtensionSaysHowToInstall() {
        // The server really looks for the control file and fails; only the extension's name is not pgvector's.
        VectorStoreException e = assertThrows(VectorStoreException.class, () -> builder("noext", 4)
                .extensionName("vector_not_installed_here").build());
        assertTrue(e.sqlState().equals("58P01") || e.sqlState().equals("0A000"), e.sqlState());
        assertTrue(e.getMessage().contains("scripts/install-pgvector.sh") && e.getMessage().contains("pgvector/pgvector")
                && e.getMessage().contains("azure.extensions"), e.getMessage());
    }

    @Test
    void userWhoMayNotCreateTheExtensionIsToldWhatToDo() throws SQLException {
        String db = TestDatabase.collection("vs_noext");
        String role = TestDatabase.collection("vs_user");
        try (Connection c = admin(); Statement st = c.createStatement()) {
            st.execute("CREATE ROLE " + role + " LOGIN");
            st.execute("CREATE DATABASE " + db + " OWNER " + role);
        }
        try {
            Properties p = Driver.parseURL(TestDatabase.url(), new Properties());
            assertNotNull(p, "parse the test URL");
            String url = "jdbc:postgresql://" + p.getProperty("PGHOST") + ":" + p.getProperty("PGPORT") + "/" + db
                    + "?user=" + role;
            VectorStoreException e = assertThrows(VectorStoreException.class,
                    () -> PgVectorStore.builder(url).collection("images").model(MODEL, 4).build());
            assertEquals("42501", e.sqlState());
            assertTrue(e.getMessage().contains("CREATE EXTENSION vector"), e.getMessage());
        } finally {
            try (Connection c = admin(); Statement st = c.createStatement()) {
                st.execute("DROP DATABASE IF EXISTS " + db + " WITH (FORCE)");
                st.execute("DROP ROLE IF EXISTS " + role);
            }
        }
    }

    static Stream<Arguments> badBatches() {
        List<Arguments> cases = new ArrayList<>();
        for (VectorType type : VectorType.values()) {
            for (boolean updates : new boolean[] {true, false}) {
                String path = type + (updates ? ", staging + ON CONFLICT" : ", new ids only (direct COPY)");
                cases.add(Arguments.of("NUL in a path, " + path, type, updates,
                        new VectorRecord("bad", "bad\u0000path", Map.of(), "h", new float[] {1, 2, 3})));
                cases.add(Arguments.of("NUL in a metadata value, " + path, type, updates,
                        new VectorRecord("bad", "p", Map.of("k", "v\u0000"), "h", new float[] {1, 2, 3})));
                cases.add(Arguments.of("NUL in an id, " + path, type, updates,
                        new VectorRecord("b\u0000ad", "p", Map.of(), "h", new float[] {1, 2, 3})));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badBatches")
    void failedBatchLeavesNothingHalfWritten(String name, VectorType type, boolean updates, VectorRecord bad) {
        PgVectorStore pg = track(builder("badbatch", 3).distance(Distance.L2).vectorType(type).build());
        pg.upsert(new VectorRecord("keep", "keep.png", Map.of("v", "1"), "hk", new float[] {1, 0, 0}));
        List<VectorRecord> batch = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            batch.add(new VectorRecord("new-" + i, "n.png", Map.of(), "h" + i, new float[] {i, 1, 1}));
        }
        if (updates) {
            batch.add(new VectorRecord("keep", "changed.png", Map.of("v", "2"), "hk2", new float[] {0, 1, 0}));
        }
        batch.add(bad);
        VectorStoreException e = assertThrows(VectorStoreException.class, () -> pg.upsert(batch));
        assertNotNull(e.sqlState(), e.getMessage());
        assertEquals(1, pg.count(), "nothing of the failed batch was written");
        SearchHit keep = pg.search(new float[] {1, 0, 0}, 1).get(0);
        assertEquals("keep.png", keep.path());
        assertEquals(Map.of("v", "1"), keep.metadata());
        assertEquals(Set.of("hk"), pg.contentHashes());
        pg.upsert(batch.subList(0, batch.size() - 1)); // the store is usable after the failure
        assertEquals(501, pg.count());
    }

    @Test
    void upsertReplacesByIdAndLastOfABatchWins() {
        PgVectorStore pg = track(builder("upsert", 3).build());
        pg.upsert(new VectorRecord("a", "a1.png", Map.of("theme", "old"), "h1", new float[] {1, 0, 0}));
        pg.upsert(List.of(new VectorRecord("a", "a2.png", Map.of("theme", "mid"), "h2", new float[] {0, 1, 0}),
                new VectorRecord("a", "a3.png", Map.of("theme", "new"), "h3", new float[] {0, 0, 1}),
                new VectorRecord("b", "b.png", Map.of(), "hb", new float[] {1, 1, 0})));
        assertEquals(2, pg.count());
        SearchHit a = pg.search(new float[] {0, 0, 1}, 1).get(0);
        assertEquals("a", a.id());
        assertEquals("a3.png", a.path());
        assertEquals(Map.of("theme", "new"), a.metadata());
        assertEquals(1.0, a.score(), 1e-6);
        assertEquals(Set.of("h3", "hb"), pg.contentHashes());
        assertEquals(Set.of(new VectorStore.StoredItem("a", "a3.png", "h3"), new VectorStore.StoredItem("b", "b.png", "hb")),
                Set.copyOf(pg.items()));
        assertEquals(List.of(), pg.search(new float[] {0, 0, 1}, 5, Map.of("theme", "old")));
        assertTrue(pg.delete("a"));
        assertEquals(List.of(new VectorStore.StoredItem("b", "b.png", "hb")), pg.items());
    }

    @ParameterizedTest
    @ValueSource(strings = {"images; DROP TABLE vision_search_collections", "x\"; DROP TABLE t; --", "Images",
            "robert'); drop table students;--", "1abc", "", "a-b", "a b", "pg_catalog", "vision_search_collections",
            "abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcd"})
    void unsafeCollectionNamesAreRejected(String name) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PgVectorStore.builder(TestDatabase.url()).collection(name));
        assertTrue(e.getMessage().contains("invalid collection name"), e.getMessage());
    }

    @Test
    void injectionInMetadataAndFiltersIsInert() throws SQLException {
        PgVectorStore pg = track(builder("inject", 3).build());
        Map<String, String> evil = new HashMap<>();
        evil.put("theme", "x'); DROP TABLE " + pg.collection() + "; --");
        evil.put("k\"ey' OR '1'='1", "v\" } ");
        evil.put("}", "{");
        pg.upsert(List.of(new VectorRecord("evil", "e'; DELETE FROM " + pg.collection() + ";--.png", evil, "h",
                        new float[] {1, 0, 0}),
                new VectorRecord("plain", "p.png", Map.of("theme", "cats"), "h2", new float[] {0, 1, 0})));
        for (Map<String, String> filter : List.of(Map.of("theme", "' OR 1=1 --"), Map.of("theme' OR '1'='1", "x"),
                Map.of("theme", "cats') OR ('1'='1"), Map.of("}", "x"))) {
            assertEquals(List.of(), pg.search(new float[] {1, 1, 0}, 10, filter), "filter " + filter);
        }
        List<SearchHit> exact = pg.search(new float[] {1, 1, 0}, 10, evil);
        assertEquals(List.of("evil"), ids(exact));
        assertEquals(evil, exact.get(0).metadata());
        assertEquals(List.of("plain"), ids(pg.search(new float[] {1, 1, 0}, 10, Map.of("theme", "cats"))));
        assertFalse(pg.delete("' OR '1'='1"));
        assertEquals(2, pg.count(), "rows unchanged");
        try (Connection c = admin(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT to_regclass('" + pg.collection() + "') IS NOT NULL")) {
            rs.next();
            assertTrue(rs.getBoolean(1), "table still there");
        }
    }

    @Test
    void citusIsDetectedAbsentAndDistributionRefusedWithAdvice() {
        PgVectorStore pg = track(builder("citus", 4).build());
        assertFalse(pg.citusAvailable(), "plain PostgreSQL has no citus extension");
        VectorStoreException e = assertThrows(VectorStoreException.class,
                () -> PgVectorStore.builder(TestDatabase.url()).collection(pg.collection()).model(MODEL, 4)
                        .distributed(true).build());
        assertTrue(e.getMessage().contains("citus") && e.getMessage().contains("Cosmos DB"), e.getMessage());
    }

    @Test
    void libpqUrlConnects() throws SQLException {
        Properties p = Driver.parseURL(TestDatabase.url(), new Properties());
        String libpq = "postgresql://" + p.getProperty("user", "postgres") + ":not-needed-with-trust@"
                + p.getProperty("PGHOST") + ":" + p.getProperty("PGPORT") + "/" + p.getProperty("PGDBNAME")
                + "?sslmode=disable&application_name=vision-search-test";
        try (VectorStore store = VectorStores.open(libpq, TestDatabase.collection("libpq"), MODEL, 2, Distance.DOT)) {
            assertTrue(store instanceof PgVectorStore);
            track((PgVectorStore) store);
            store.upsert(new VectorRecord("a", "a.png", Map.of(), "", new float[] {1, 2}));
            assertEquals(1, store.count());
            assertFalse(store.toString().contains("not-needed-with-trust"), store.toString());
        }
        try (VectorStore mem = VectorStores.open(null, "images", MODEL, 2, Distance.DOT)) {
            assertTrue(mem instanceof InMemoryVectorStore);
        }
    }
}
