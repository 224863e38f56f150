package visionsearch.display;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import visionsearch.store.Distance;
import visionsearch.store.IndexSpec;
import visionsearch.store.InMemoryVectorStore;
import visionsearch.store.PgVectorStore;
import visionsearch.store.SearchOptions;
import visionsearch.store.TestDatabase;

/** EXPLAIN of the store's own search, and the recall sweep, against the real pgvector. */
class RecallSweepTest {

    @Test
    void thePlannerScansSmallTablesAndWalksTheIndexOfLargeOnes() throws java.sql.SQLException {
        SyntheticVectors data = SyntheticVectors.clustered(10_000, 16, 20, 10, 2);
        try (PgVectorStore pg = PgVectorStore.builder(TestDatabase.url()).collection(TestDatabase.collection("plan"))
                .model("synthetic:16", 16).distance(Distance.COSINE).index(IndexSpec.none()).build()) {
            try {
                pg.upsert(data.records().subList(0, 100));
                pg.createIndex(IndexSpec.hnsw(16, 64));
                List<String> small = pg.explain(data.queries().get(0), 5, Map.of(), SearchOptions.efSearch(40));
                assertTrue(small.stream().anyMatch(l -> l.contains("Seq Scan on " + pg.collection())), small.toString());
                assertTrue(small.stream().anyMatch(l -> l.contains("<=> $1")), "the vector shows as $1: " + small);
                assertFalse(String.join("", small).contains("["), small.toString());
                pg.upsert(data.records().subList(100, data.records().size()));
                // What autovacuum does soon after a load: without statistics the planner guesses the filter's
                // selectivity and the table's size from its width, and the guess tips with every added column.
                try (java.sql.Connection c = visionsearch.store.DatabaseUrl.parse(TestDatabase.url()).connect();
                     java.sql.Statement st = c.createStatement()) {
                    st.execute("ANALYZE " + pg.collection());
                }
                List<String> large = pg.explain(data.queries().get(0), 5, Map.of("cluster", "3"), SearchOptions.efSearch(40));
                assertTrue(large.stream().anyMatch(l -> l.contains("Index Scan using " + pg.collection() + "_embedding_hnsw")),
                        large.toString());
                List<String> exact = pg.explain(data.queries().get(0), 5, Map.of(), SearchOptions.exactScan());
                assertTrue(exact.stream().noneMatch(l -> l.contains("Index Scan")), "exactScan() turns the index off: " + exact);
            } finally {
                pg.drop();
            }
        }
    }

    @Test
    void sweepMeasuresEverySettingAndLeavesNoIndex() {
        SyntheticVectors data = SyntheticVectors.clustered(3_000, 16, 20, 8, 3);
        try (PgVectorStore pg = PgVectorStore.builder(TestDatabase.url()).collection(TestDatabase.collection("sweep"))
                .model("synthetic:16", 16).distance(Distance.COSINE).index(IndexSpec.none()).build()) {
            try {
                pg.upsert(data.records());
                RecallSweep sweep = RecallSweep.measure(pg, data.queries(), 10, 1, 30);
                assertEquals(1 + RecallSweep.EF_SEARCH.size() + RecallSweep.PROBES.size(), sweep.points().size());
                RecallSweep.Point exact = sweep.points().get(0);
                assertEquals("exact scan", exact.index());
                assertEquals(1.0, exact.recall());
                for (RecallSweep.Point p : sweep.points()) {
                    assertTrue(p.recall() >= 0 && p.recall() <= 1 && p.medianMs() > 0, p.toString());
                }
                RecallSweep.Point widest = sweep.points().get(RecallSweep.EF_SEARCH.size());
                assertEquals("ef_search=160", widest.setting());
                assertEquals(1.0, widest.recall(), 0.05, "ef_search=160 finds (nearly) all of 10");
                assertTrue(sweep.points().get(1 + RecallSweep.EF_SEARCH.size()).recall() < 1.0,
                        "one of 30 lists misses neighbours: " + sweep.points());
                List<String> plan = pg.explain(data.queries().get(0), 5, Map.of(), SearchOptions.efSearch(40));
                assertTrue(plan.stream().noneMatch(l -> l.contains("Index Scan")), "indexes dropped again: " + plan);
                assertEquals(1.0, RecallSweep.recall(pg, data.queries(), 10, SearchOptions.exactScan()));
            } finally {
                pg.drop();
            }
        }
        try (InMemoryVectorStore mem = InMemoryVectorStore.create("synthetic:16", 16, Distance.COSINE)) {
            mem.upsert(data.records());
            assertEquals(1, RecallSweep.exactOnly(mem, data.queries(), 10, 2).points().size());
        }
    }
}
