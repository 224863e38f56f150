package visionsearch.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import visionsearch.vector.Vectors;

/**
 * Hybrid search in both stores on the same data: the same fused ranking (ties included) as an independent
 * computation of RRF, filters, the weights' meaning, injection-inert keywords, the schema of existing
 * collections, and the SQL plan on a collection large enough for PostgreSQL to use both indexes.
 */
class HybridSearchTest {
    private static final String MODEL = "test:hybrid";
    private final List<PgVectorStore> opened = new ArrayList<>();

    private PgVectorStore pg(String prefix, int dims) {
        PgVectorStore store = PgVectorStore.builder(TestDatabase.url()).collection(TestDatabase.collection(prefix))
                .model(MODEL, dims).index(IndexSpec.none()).build();
        opened.add(store);
        return store;
    }

    @AfterEach
    void drop() {
        for (PgVectorStore s : opened) {
            try (PgVectorStore again = PgVectorStore.builder(TestDatabase.url()).collection(s.collection())
                    .model(MODEL, s.dimensions()).index(IndexSpec.none()).build()) {
                again.drop();
            } catch (RuntimeException ignored) {
                // dropped by the test
            }
            s.close();
        }
    }

    private static final float[] QUERY = {1, 0, 0, 0};

    /**
     * 30 records whose vector rank is known (angle i * 0.05 from the query; two share a vector, so they tie) and
     * whose ids run against that order; captions in three tiers of equal length: "palm palm sand" (4 records),
     * "palm sand sand" (6), "sand sand sand" (the rest), so keyword "palm" ranks the first tier 1 and the second 5
     * in any sane scorer (term frequency, same length).
     */
    static List<VectorRecord> tiers() {
        List<VectorRecord> out = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            double angle = (i == 7 ? 6 : i) * 0.05; // records 6 and 7 share a vector
            float[] v = {(float) Math.cos(angle), (float) Math.sin(angle), 0, 0};
            String caption = TIER_A.contains(i) ? "palm palm sand" : TIER_B.contains(i) ? "palm sand sand" : "sand sand sand";
            String id = String.format("r%02d", 29 - i);
            out.add(new VectorRecord(id, "img/" + id + ".png", Map.of("caption", caption, "group", "g" + (i % 2)), "", v));
        }
        return out;
    }

    static final List<Integer> TIER_A = List.of(4, 9, 15, 22);
    static final List<Integer> TIER_B = List.of(0, 2, 7, 11, 18, 27);

    /** RRF computed here from the known ranks, independently of both stores. */
    static List<String> expected(List<VectorRecord> data, RankFusion f, Map<String, String> filter, int k) {
        List<VectorRecord> kept = data.stream().filter(r -> InMemoryVectorStore.matches(r.metadata(), filter)).toList();
        Map<String, int[]> ranks = new LinkedHashMap<>();
        List<Double> sims = new ArrayList<>();
        for (VectorRecord r : kept) {
            sims.add(Vectors.dot(Vectors.normalize(r.vector()), QUERY));
        }
        for (int i = 0; i < kept.size(); i++) {
            int better = 0;
            int keywordBetter = 0;
            int tier = tier(kept.get(i));
            for (int j = 0; j < kept.size(); j++) {
                better += sims.get(j) > sims.get(i) ? 1 : 0;
                keywordBetter += tier(kept.get(j)) < tier ? 1 : 0;
            }
            ranks.put(kept.get(i).id(), new int[] {f.vectorWeight() > 0 ? better + 1 : 0,
                f.keywordWeight() > 0 && tier < 3 ? keywordBetter + 1 : 0});
        }
        return ranks.entrySet().stream()
                .filter(e -> e.getValue()[0] > 0 || e.getValue()[1] > 0)
                .sorted(Comparator.comparingDouble((Map.Entry<String, int[]> e) -> -(f.contribution(f.vectorWeight(),
                        e.getValue()[0]) + f.contribution(f.keywordWeight(), e.getValue()[1])))
                        .thenComparing(Map.Entry::getKey))
                .limit(k)
                .map(e -> e.getKey() + " v" + e.getValue()[0] + " k" + e.getValue()[1])
                .collect(Collectors.toList());
    }

    private static int tier(VectorRecord r) {
        String caption = r.metadata().get("caption");
        return caption.startsWith("palm palm") ? 1 : caption.startsWith("palm") ? 2 : 3;
    }

    static List<String> described(List<HybridHit> hits) {
        return hits.stream().map(h -> h.id() + " v" + h.vectorRank() + " k" + h.keywordRank()).collect(Collectors.toList());
    }

    @Test
    void bothStoresGiveTheSameFusedRankingAsRrfComputedByHandTiesIncluded() {
        List<VectorRecord> data = tiers();
        PgVectorStore pg = pg("hybrid_same", 4);
        pg.upsert(data);
        try (InMemoryVectorStore mem = InMemoryVectorStore.create(MODEL, 4, Distance.COSINE)) {
            mem.upsert(data);
            for (RankFusion f : List.of(RankFusion.rrf(), RankFusion.rrf().withK(1), RankFusion.rrf().withWeights(1, 3),
                    RankFusion.rrf().withWeights(0.5, 1).withCandidates(8), RankFusion.rrf().withWeights(0, 1),
                    RankFusion.rrf().withWeights(1, 0))) {
                List<HybridHit> inPg = pg.hybridSearch(QUERY, "palm", 20, Map.of(), f);
                List<HybridHit> inMemory = mem.hybridSearch(QUERY, "palm", 20, Map.of(), f);
                if (f.candidates() == 100) {
                    assertEquals(expected(data, f, Map.of(), 20), described(inPg), f.describe());
                }
                assertEquals(described(inMemory), described(inPg), f.describe());
                for (int i = 0; i < inPg.size(); i++) {
                    assertEquals(inMemory.get(i).fused(), inPg.get(i).fused(), 0.0, "fused scores are equal to the bit");
                    assertEquals(inMemory.get(i).score(), inPg.get(i).score(), 1e-6);
                    assertEquals(inMemory.get(i).metadata(), inPg.get(i).metadata());
                }
            }
            // The tie on fused score: r29 (vector 1, keyword 5) and r25 (vector 5, keyword 1) have 1/61 + 1/65.
            List<String> top = described(pg.hybridSearch(QUERY, "palm", 2));
            assertEquals(List.of("r25 v5 k1", "r29 v1 k5"), top, "equal fused scores are ordered by id");
            // Records 6 and 7 share a vector: both are vector rank 7, the next is 9.
            List<HybridHit> all = mem.hybridSearch(QUERY, "palm", 30, Map.of(), RankFusion.rrf().withWeights(1, 0));
            assertEquals(List.of(7, 7, 9), all.subList(6, 9).stream().map(HybridHit::vectorRank).toList());
        }
    }

    @Test
    void filtersApplyToBothListsInBothStores() {
        List<VectorRecord> data = tiers();
        PgVectorStore pg = pg("hybrid_filter", 4);
        pg.upsert(data);
        try (InMemoryVectorStore mem = InMemoryVectorStore.create(MODEL, 4, Distance.COSINE)) {
            mem.upsert(data);
            Map<String, String> g1 = Map.of("group", "g1");
            List<HybridHit> inPg = pg.hybridSearch(QUERY, "palm", 30, g1, RankFusion.rrf());
            assertEquals(expected(data, RankFusion.rrf(), g1, 30), described(inPg));
            assertEquals(described(mem.hybridSearch(QUERY, "palm", 30, g1, RankFusion.rrf())), described(inPg));
            assertEquals(15, inPg.size());
            assertTrue(inPg.stream().allMatch(h -> h.metadata().get("group").equals("g1")));
            // Keyword matches outside the filter never come back, even with the vector list left out.
            List<HybridHit> keywordsOnly = mem.hybridSearch(QUERY, "palm", 30, g1, RankFusion.rrf().withWeights(0, 1));
            assertEquals(List.of("r14", "r20", "r02", "r18", "r22"), keywordsOnly.stream().map(HybridHit::id).toList());
            assertEquals(described(keywordsOnly), described(pg.hybridSearch(QUERY, "palm", 30, g1,
                    RankFusion.rrf().withWeights(0, 1))));
            assertTrue(pg.hybridSearch(QUERY, "palm", 5, Map.of("group", "nope"), RankFusion.rrf()).isEmpty());
        }
    }

    @Test
    void weightsSayWhichListsCount() {
        List<VectorRecord> data = tiers();
        try (InMemoryVectorStore mem = InMemoryVectorStore.create(MODEL, 4, Distance.COSINE)) {
            mem.upsert(data);
            List<HybridHit> vectorOnly = mem.hybridSearch(QUERY, "palm", 10, Map.of(), RankFusion.rrf().withWeights(1, 0));
            assertEquals(mem.search(QUERY, 10).stream().map(SearchHit::id).toList(),
                    vectorOnly.stream().map(HybridHit::id).toList());
            assertTrue(vectorOnly.stream().allMatch(h -> h.keywordRank() == 0));
            List<HybridHit> keywordsOnly = mem.hybridSearch(QUERY, "palm", 30, Map.of(), RankFusion.rrf().withWeights(0, 1));
            assertEquals(10, keywordsOnly.size(), "only the ten records that say palm");
            assertTrue(keywordsOnly.stream().allMatch(h -> h.vectorRank() == 0 && h.keywordRank() > 0));
            List<HybridHit> none = mem.hybridSearch(QUERY, "coconut", 5, Map.of(), RankFusion.rrf());
            assertEquals(mem.search(QUERY, 5).stream().map(SearchHit::id).toList(), none.stream().map(HybridHit::id).toList(),
                    "keywords that match nothing leave the vector order");
        }
    }

    @Test
    void keywordsCannotInjectSqlAndBadInputSaysWhatToDo() throws SQLException {
        List<VectorRecord> data = tiers();
        PgVectorStore pg = pg("hybrid_inject", 4);
        pg.upsert(data);
        String table = pg.collection();
        for (String evil : List.of("'; DROP TABLE " + table + "; --", "palm'); DELETE FROM " + table + " WHERE ('1'='1",
                "$$ || pg_sleep(5) || $$", "palm\u0000 tree", "\\x27 OR 1=1", "palm:* & !sand | (<->)")) {
            List<HybridHit> hits = pg.hybridSearch(QUERY, evil, 30, Map.of(), RankFusion.rrf().withWeights(0, 1));
            assertTrue(hits.stream().allMatch(h -> h.metadata().get("caption").contains("palm")) || hits.isEmpty(), evil);
        }
        assertEquals(30, pg.count(), "the table and its rows are all there");
        assertEquals(10, pg.hybridSearch(QUERY, "palm:* & !sand | (<->)", 30, Map.of(), RankFusion.rrf().withWeights(0, 1))
                .size(), "operators are only separators: palm AND sand");
        IllegalArgumentException blank = assertThrows(IllegalArgumentException.class,
                () -> pg.hybridSearch(QUERY, " ", 5));
        assertTrue(blank.getMessage().contains("keywords are blank"), blank.getMessage());
        assertThrows(IllegalArgumentException.class, () -> pg.hybridSearch(QUERY, "palm", 0));
        IllegalArgumentException dims = assertThrows(IllegalArgumentException.class,
                () -> pg.hybridSearch(new float[3], "palm", 5));
        assertTrue(dims.getMessage().contains("dimension"), dims.getMessage());
        IllegalArgumentException weights = assertThrows(IllegalArgumentException.class,
                () -> RankFusion.rrf().withWeights(0, 0));
        assertTrue(weights.getMessage().contains("both 0"), weights.getMessage());
        assertThrows(IllegalArgumentException.class, () -> RankFusion.rrf().withK(0));
        assertThrows(IllegalArgumentException.class, () -> RankFusion.rrf().withCandidates(1001));
        assertThrows(IllegalArgumentException.class, () -> RankFusion.rrf().withWeights(Double.NaN, 1));
    }

    @Test
    void anExistingCollectionGetsTheKeywordColumnWithItsRowsIntact() throws SQLException {
        List<VectorRecord> data = tiers();
        PgVectorStore pg = pg("hybrid_upgrade", 4);
        pg.upsert(data);
        String table = PgSql.quote(pg.collection());
        pg.close();
        try (Connection c = DatabaseUrl.parse(TestDatabase.url()).connect(); Statement st = c.createStatement()) {
            // What a collection made before hybrid search looks like.
            st.execute("ALTER TABLE " + table + " DROP COLUMN keywords");
            st.execute("ALTER TABLE " + PgSql.quote(PgSql.METADATA_TABLE) + " DROP COLUMN language");
            try (ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_indexes WHERE indexname = '"
                    + PgHybrid.indexName(pg.collection()) + "'")) {
                rs.next();
                assertEquals(0, rs.getInt(1), "the GIN index went with the column");
            }
        }
        try (PgVectorStore again = PgVectorStore.builder(TestDatabase.url()).collection(pg.collection()).model(MODEL, 4)
                .index(IndexSpec.none()).build()) {
            assertEquals(30, again.count());
            assertEquals("english", again.language());
            assertEquals(expected(data, RankFusion.rrf(), Map.of(), 10), described(again.hybridSearch(QUERY, "palms", 10)));
            assertArrayEquals(data.get(3).vector(), again.vector(data.get(3).id()).orElseThrow());
        }
        try (Connection c = DatabaseUrl.parse(TestDatabase.url()).connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_indexes WHERE indexname = '"
                     + PgHybrid.indexName(pg.collection()) + "'")) {
            rs.next();
            assertEquals(1, rs.getInt(1), "the GIN index is back");
        }
    }

    @Test
    void aCollectionKeepsItsLanguage() {
        List<VectorRecord> data = tiers();
        PgVectorStore simple = PgVectorStore.builder(TestDatabase.url()).collection(TestDatabase.collection("hybrid_lang"))
                .model(MODEL, 4).index(IndexSpec.none()).language("simple").build();
        opened.add(simple);
        simple.upsert(data);
        assertTrue(simple.hybridSearch(QUERY, "palms", 30, Map.of(), RankFusion.rrf().withWeights(0, 1)).isEmpty(),
                "simple does not stem: palms is not palm");
        assertEquals(10, simple.hybridSearch(QUERY, "palm", 30, Map.of(), RankFusion.rrf().withWeights(0, 1)).size());
        VectorStoreException other = assertThrows(VectorStoreException.class, () -> PgVectorStore.builder(TestDatabase.url())
                .collection(simple.collection()).model(MODEL, 4).index(IndexSpec.none()).language("english").build());
        assertTrue(other.getMessage().contains("ranks keywords in simple, but english was asked for"), other.getMessage());
        try (PgVectorStore again = PgVectorStore.builder(TestDatabase.url()).collection(simple.collection()).model(MODEL, 4)
                .index(IndexSpec.none()).build()) {
            assertEquals("simple", again.language());
        }
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> PgVectorStore.builder(TestDatabase.url()).language("klingon"));
        assertTrue(bad.getMessage().contains("expected one of [simple, english"), bad.getMessage());
        try (InMemoryVectorStore mem = InMemoryVectorStore.create(MODEL, 4, Distance.COSINE).keywordLanguage("simple")) {
            mem.upsert(data);
            assertEquals(described(simple.hybridSearch(QUERY, "palm", 30)), described(mem.hybridSearch(QUERY, "palm", 30)));
        }
    }

    @Test
    void storedVectorsComeBackAsStored() {
        List<VectorRecord> data = tiers();
        PgVectorStore pg = pg("hybrid_vec", 4);
        pg.upsert(data);
        try (InMemoryVectorStore mem = InMemoryVectorStore.create(MODEL, 4, Distance.COSINE)) {
            mem.upsert(List.of(new VectorRecord("a", "a.png", Map.of(), "", new float[] {3, 4, 0, 0})));
            assertArrayEquals(new float[] {0.6f, 0.8f, 0, 0}, mem.vector("a").orElseThrow(), 1e-6f,
                    "the cosine store keeps unit vectors");
            assertTrue(mem.vector("b").isEmpty());
        }
        assertArrayEquals(data.get(5).vector(), pg.vector(data.get(5).id()).orElseThrow());
        assertTrue(pg.vector("missing").isEmpty());
    }

    /** 12,000 rows: enough for the planner to prefer the HNSW index for the nearest and the GIN index for matches. */
    @Test
    void thePlanUsesTheHnswAndTheGinIndex() throws SQLException {
        int dims = 16;
        Random rnd = new Random(8);
        List<VectorRecord> data = new ArrayList<>();
        for (int i = 0; i < 12_000; i++) {
            float[] v = new float[dims];
            for (int d = 0; d < dims; d++) {
                v[d] = (float) rnd.nextGaussian();
            }
            String caption = i % 500 == 0 ? "a palm tree on a beach" : "a city street at night number " + (i % 97);
            data.add(new VectorRecord("p" + i, "big/" + i + ".png", Map.of("caption", caption, "part", "p" + (i % 4)), "", v));
        }
        PgVectorStore pg = pg("hybrid_plan", dims);
        pg.upsert(data);
        pg.createIndex(IndexSpec.hnsw(16, 64));
        try (Connection c = DatabaseUrl.parse(TestDatabase.url()).connect()) {
            com.pgvector.PGvector.registerTypes(c);
            try (Statement st = c.createStatement()) {
                st.execute("ANALYZE " + PgSql.quote(pg.collection()));
            }
            for (Map<String, String> filter : List.of(Map.<String, String>of(), Map.of("part", "p1"))) {
                String plan = explain(c, pg, PgHybrid.Request.of(data.get(1).vector(), "palm trees", 10, filter,
                        RankFusion.rrf()));
                assertTrue(plan.contains("Index Scan using " + PgSql.indexName(pg.collection(), IndexSpec.Kind.HNSW)),
                        "nearest through HNSW with filter " + filter + ":\n" + plan);
                assertTrue(plan.contains("Bitmap Index Scan on " + PgHybrid.indexName(pg.collection())),
                        "matches through GIN with filter " + filter + ":\n" + plan);
            }
        }
        List<HybridHit> hits = pg.hybridSearch(data.get(1).vector(), "palm trees", 10, Map.of(), RankFusion.rrf());
        assertTrue(hits.stream().anyMatch(h -> h.id().equals("p1") && h.vectorRank() == 1), "the query's own vector");
        assertTrue(hits.stream().anyMatch(h -> h.keywordRank() == 1 && h.metadata().get("caption").contains("palm")));
        assertEquals(24, pg.hybridSearch(data.get(1).vector(), "palm trees", 100, Map.of(), RankFusion.rrf().withWeights(0, 1))
                .size(), "the 24 palm trees");
    }

    private static String explain(Connection c, PgVectorStore pg, PgHybrid.Request r) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("EXPLAIN " + PgHybrid.sql(pg.collection(), pg.vectorType(),
                pg.dimensions(), pg.distance(), r.filterJson() != null))) {
            PgHybrid.bind(ps, r, pg.language());
            StringBuilder plan = new StringBuilder();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    plan.append(rs.getString(1)).append('\n');
                }
            }
            return plan.toString();
        }
    }

    @Test
    void theInMemoryKeywordIndexFollowsWritesAndDeletes() {
        try (InMemoryVectorStore mem = InMemoryVectorStore.create(MODEL, 4, Distance.COSINE)) {
            mem.upsert(tiers());
            RankFusion keywords = RankFusion.rrf().withWeights(0, 1);
            assertEquals(10, mem.hybridSearch(QUERY, "palm", 30, Map.of(), keywords).size());
            mem.upsert(new VectorRecord("r20", "img/r20.png", Map.of("caption", "a coconut"), "", QUERY));
            assertTrue(mem.delete("r25"));
            assertEquals(List.of("r20"), mem.hybridSearch(QUERY, "coconut", 5, Map.of(), keywords).stream()
                    .map(HybridHit::id).toList());
            List<HybridHit> palms = mem.hybridSearch(QUERY, "palm", 30, Map.of(), keywords);
            assertEquals(8, palms.size());
            assertFalse(palms.stream().anyMatch(h -> h.id().equals("r20") || h.id().equals("r25")));
            mem.close();
            assertThrows(IllegalStateException.class, () -> mem.hybridSearch(QUERY, "palm", 5));
        }
    }
}
