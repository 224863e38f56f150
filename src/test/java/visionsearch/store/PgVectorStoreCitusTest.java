package visionsearch.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * PgVectorStore on a server with Citus, played by the stand-in of citus-standin.sql on the real test PostgreSQL:
 * the store's own SQL runs unchanged against Citus's catalog tables and function signatures.
 */
class PgVectorStoreCitusTest {
    private static final String MODEL = "test:model";
    private CitusStandIn citus;

    @BeforeEach
    void standIn() throws SQLException {
        citus = CitusStandIn.create();
    }

    @AfterEach
    void dropStandIn() throws SQLException {
        citus.close();
    }

    private PgVectorStore.Builder builder(String collection) {
        return PgVectorStore.builder(citus.url()).collection(collection).model(MODEL, 3);
    }

    private static List<VectorRecord> records(int n) {
        List<VectorRecord> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new VectorRecord("img-" + i, "img-" + i + ".png", Map.of("n", "" + i), "h" + i,
                    new float[] {1, i, 2}));
        }
        return out;
    }

    private String partmethod(String table) throws SQLException {
        return citus.query("SELECT partmethod FROM pg_dist_partition WHERE logicalrelid = to_regclass('" + table + "')");
    }

    private List<String> functions() throws SQLException {
        return citus.calls().stream().map(c -> c.function() + " " + c.relation()).collect(Collectors.toList());
    }

    @Test
    void aNewCollectionIsDistributedByDefaultWithOneShardPerWorkerInOneSequentialTransaction() throws SQLException {
        try (SqlLog sql = new SqlLog(); PgVectorStore store = builder("images").build()) {
            assertTrue(store.distributed());
            assertEquals(2, store.shardCount(), "two workers, a small collection: one shard each");
            assertTrue(store.toString().contains("distributed in 2 shards"), store.toString());
            assertTrue(sql.statements().contains("SELECT create_distributed_table($1::regclass, 'id', "
                    + "colocate_with => 'none', shard_count => $2)"), sql.statements().toString());
        }
        assertEquals("n", partmethod("vision_search_collections"), "the metadata became a reference table");
        assertEquals("h", partmethod("images"), "the collection is hash-distributed");
        assertEquals("2", citus.query("SELECT count(*) FROM pg_dist_shard WHERE logicalrelid = 'images'::regclass"));
        assertEquals(List.of("create_reference_table vision_search_collections", "create_distributed_table images"),
                functions(), "no truncate: both tables were empty");
        for (CitusStandIn.Call c : citus.calls()) {
            assertEquals("sequential", c.multiShardModifyMode(), c.toString());
        }
        assertEquals("none", citus.calls().get(1).colocateWith());
        assertEquals("true|2", citus.query("SELECT distributed || '|' || shard_count FROM vision_search_collections "
                + "WHERE collection = 'images'"), "the record says distributed, 2 shards");
    }

    @Test
    void shardCountFollowsTheOptionOrTheExpectedSize() throws SQLException {
        try (PgVectorStore fixed = builder("fixed").distribution(Distribution.auto().withShardCount(5)).build();
             PgVectorStore big = builder("big").distribution(Distribution.auto().withExpectedRows(5_000_000)).build()) {
            assertEquals(5, fixed.shardCount());
            assertEquals(6, big.shardCount(), "5 million rows on 2 workers: 3 shards each");
        }
        assertEquals("5", citus.query("SELECT count(*) FROM pg_dist_shard WHERE logicalrelid = 'fixed'::regclass"));
        assertEquals("6", citus.query("SELECT count(*) FROM pg_dist_shard WHERE logicalrelid = 'big'::regclass"));
        assertEquals("3|3", citus.query("SELECT string_agg(n::text, '|') FROM (SELECT count(*) AS n FROM pg_dist_placement p "
                + "JOIN pg_dist_shard s USING (shardid) WHERE s.logicalrelid = 'big'::regclass GROUP BY p.groupid) g"));
    }

    @Test
    void localOptOutKeepsAnOrdinaryTable() throws SQLException {
        try (PgVectorStore store = builder("kept_local").distributed(false).build()) {
            assertFalse(store.distributed());
            assertEquals(0, store.shardCount());
            store.upsert(records(3));
            assertEquals(3, store.count());
        }
        assertNull(partmethod("kept_local"));
        assertEquals("false|0", citus.query("SELECT distributed || '|' || shard_count FROM vision_search_collections "
                + "WHERE collection = 'kept_local'"));
        try (PgVectorStore again = builder("kept_local").build()) {
            assertFalse(again.distributed(), "an existing local collection stays local unless distributed(true)");
        }
    }

    @Test
    void aStoreOpenedWithoutTheFlagOnADistributedTableSendsItsSettingsToTheShards() throws SQLException {
        try (PgVectorStore first = builder("images").build()) {
            first.upsert(records(20));
        }
        try (PgVectorStore store = builder("images").distributed(false).build(); SqlLog sql = new SqlLog()) {
            assertTrue(store.distributed(), "the catalog says distributed, whatever was asked");
            assertEquals(5, store.search(new float[] {1, 5, 2}, 5, Map.of(), SearchOptions.efSearch(10)).size());
            store.search(new float[] {1, 5, 2}, 5, Map.of(), SearchOptions.exactScan());
            store.search(new float[] {1, 5, 2}, 5, Map.of("n", "5"));
            List<String> sent = sql.statements();
            assertEquals(List.of("SET LOCAL citus.propagate_set_commands = 'local'", "SET LOCAL hnsw.ef_search = 10",
                    "SET LOCAL citus.propagate_set_commands = 'local'", "SET LOCAL enable_indexscan = 'off'",
                    "SET LOCAL citus.propagate_set_commands = 'local'", "SET LOCAL hnsw.iterative_scan = 'relaxed_order'",
                    "SET LOCAL ivfflat.iterative_scan = 'relaxed_order'"),
                    sent.stream().map(String::trim).filter(s -> s.startsWith("SET LOCAL")).collect(Collectors.toList()), sent.toString());
        }
        assertEquals(2, citus.calls().size(), "reopening distributed nothing again");
    }

    @Test
    void aTableDistributedByHandIsRecognisedAndItsRecordUpdated() throws SQLException {
        try (PgVectorStore store = builder("by_hand").distributed(false).build()) {
            store.upsert(records(4));
        }
        citus.execute("SELECT create_distributed_table('by_hand', 'id', shard_count => 4)");
        try (PgVectorStore store = builder("by_hand").build()) {
            assertTrue(store.distributed());
            assertEquals(4, store.shardCount());
        }
        assertEquals("true|4", citus.query("SELECT distributed || '|' || shard_count FROM vision_search_collections "
                + "WHERE collection = 'by_hand'"));
    }

    @Test
    void distributingACollectionThatHeldRowsCleansTheCoordinatorsCopy() throws SQLException {
        try (PgVectorStore store = builder("grown").distributed(false).build()) {
            store.upsert(records(10));
        }
        try (PgVectorStore store = builder("grown").distributed(true).build()) {
            assertTrue(store.distributed());
            assertEquals(10, store.count());
            assertEquals("img-3", store.search(new float[] {1, 3, 2}, 1).get(0).id());
        }
        assertEquals(List.of("create_reference_table vision_search_collections",
                "truncate_local_data_after_distributing_table vision_search_collections",
                "create_distributed_table grown", "truncate_local_data_after_distributing_table grown"), functions());
        assertTrue(citus.calls().get(3).hadLocalRows());
    }

    @Test
    void writesGoThroughBothPathsOnADistributedCollection() {
        try (PgVectorStore store = builder("writes").build()) {
            store.upsert(records(50)); // new ids: COPY into the distributed table
            List<VectorRecord> again = new ArrayList<>(records(60)); // 50 updates, 10 new: staging + ON CONFLICT
            again.set(0, new VectorRecord("img-0", "moved.png", Map.of(), "h0", new float[] {1, 0, 2}));
            store.upsert(again);
            assertEquals(60, store.count());
            assertEquals("moved.png", store.search(new float[] {1, 0, 2}, 1).get(0).path());
        }
    }

    @Test
    void collectionsListShardsAndRowsPerWorker() throws SQLException {
        try (PgVectorStore store = builder("listed").build(); PgVectorStore local = builder("plain").distributed(false)
                .index(IndexSpec.none()).build()) {
            store.upsert(records(200));
            local.upsert(records(3));
        }
        List<CollectionInfo> all = PgVectorStore.collections(citus.url());
        assertEquals(List.of("listed", "plain"), all.stream().map(CollectionInfo::collection).collect(Collectors.toList()));
        CollectionInfo listed = all.get(0);
        assertTrue(listed.distributed());
        assertEquals(2, listed.shards());
        assertEquals(200, listed.rows());
        assertEquals("hnsw (m=16, ef_construction=64)", listed.index());
        assertEquals(List.of("worker-1:5432", "worker-2:5432"), List.copyOf(new java.util.TreeSet<>(listed.rowsPerNode().keySet())));
        assertEquals(200, listed.rowsPerNode().values().stream().mapToLong(Long::longValue).sum());
        assertTrue(listed.rowsPerNode().values().stream().allMatch(n -> n > 50), listed.rowsPerNode().toString());
        assertTrue(listed.sizeBytes() > 0);
        CollectionInfo plain = all.get(1);
        assertFalse(plain.distributed());
        assertEquals(0, plain.shards());
        assertEquals(3, plain.rows());
        assertEquals("none", plain.index());
        assertEquals(Map.of(), plain.rowsPerNode());
    }
}
