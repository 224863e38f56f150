package visionsearch.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Writers that meet each other on the real test PostgreSQL: the same new ids at once, and a real deadlock. */
class PgWritersTest {
    private static final String MODEL = "test:model";
    private final List<PgVectorStore> opened = new ArrayList<>();

    private PgVectorStore open(String collection, PgRetry retry) {
        PgVectorStore store = PgVectorStore.builder(TestDatabase.url()).collection(collection).model(MODEL, 4)
                .retry(retry).build();
        opened.add(store);
        return store;
    }

    @AfterEach
    void drop() {
        for (int i = opened.size() - 1; i >= 0; i--) {
            try {
                opened.get(i).drop();
            } catch (RuntimeException ignored) {
                // closed or dropped already
            }
        }
    }

    private static List<VectorRecord> batch(int round, int n, String writer) {
        List<VectorRecord> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new VectorRecord("r" + round + "-" + i, writer + ".png", Map.of("by", writer), "h" + i,
                    new float[] {1, i, round, 1}));
        }
        return out;
    }

    /** The measurement: two stores upserting the same 300 new ids at once, 20 rounds; none may fail. */
    @Test
    void twoStoresUpsertingTheSameNewIdsAtOnceBothSucceed() throws Exception {
        String name = TestDatabase.collection("race");
        PgVectorStore a = open(name, PgRetry.DEFAULT);
        PgVectorStore b = open(name, PgRetry.DEFAULT);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        int failures = 0;
        List<String> errors = new ArrayList<>();
        try {
            for (int round = 0; round < 20; round++) {
                CyclicBarrier start = new CyclicBarrier(2);
                int r = round;
                List<Future<?>> writes = List.of(
                        pool.submit(() -> {
                            start.await();
                            a.upsert(batch(r, 300, "a"));
                            return null;
                        }),
                        pool.submit(() -> {
                            start.await();
                            b.upsert(batch(r, 300, "b"));
                            return null;
                        }));
                for (Future<?> w : writes) {
                    try {
                        w.get(60, TimeUnit.SECONDS);
                    } catch (ExecutionException e) {
                        failures++;
                        errors.add(e.getCause().getMessage());
                    }
                }
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(0, failures, "failed upserts of 40: " + errors);
        assertEquals(20 * 300, a.count());
        for (SearchHit h : a.search(new float[] {1, 7, 3, 1}, 5)) {
            assertTrue(h.path().equals("a.png") || h.path().equals("b.png"), h.toString());
            assertEquals(h.path().replace(".png", ""), h.metadata().get("by"), "one writer's record, whole: " + h);
        }
    }

    /**
     * A real deadlock: the store's merge locks row a and waits for row b, held by another transaction that then
     * asks for row a. PostgreSQL cancels the store's transaction (40P01, its deadlock_timeout ends first); with
     * retries the batch is written whole once the other commits, without them it fails and writes nothing.
     */
    @Test
    void aBatchCancelledInADeadlockIsRunAgainWholeOrFailsLeavingNothing() throws Exception {
        String name = TestDatabase.collection("deadlock");
        PgVectorStore noRetry = open(name, new PgRetry(1, 0, 0));
        PgVectorStore retried = open(name, PgRetry.DEFAULT);
        noRetry.upsert(List.of(record("a", "old"), record("b", "old")));

        VectorStoreException e = assertThrows(VectorStoreException.class, () -> deadlock(noRetry, name));
        assertEquals("40P01", e.sqlState(), e.getMessage());
        assertTrue(e.getMessage().contains("was not written; run it again"), e.getMessage());
        assertEquals(Map.of("a", "other", "b", "other"), paths(name), "nothing of the cancelled batch");

        deadlock(retried, name);
        assertEquals(Map.of("a", "new", "b", "new"), paths(name), "the retried batch, whole");
    }

    private static VectorRecord record(String id, String path) {
        return new VectorRecord(id, path, Map.of(), "", new float[] {1, id.charAt(0), 0, 1});
    }

    /** Runs the store's upsert of a and b into a deadlock with a second transaction, which then commits. */
    private static void deadlock(PgVectorStore store, String table) throws Exception {
        try (Connection other = DatabaseUrl.parse(TestDatabase.url()).connect(); Statement st = other.createStatement()) {
            other.setAutoCommit(false);
            st.execute("SET deadlock_timeout = '10s'"); // the store's session (1 s) detects the deadlock first
            st.execute("UPDATE " + PgSql.quote(table) + " SET path = 'other' WHERE id = 'b'");
            CompletableFuture<Void> write = CompletableFuture.runAsync(
                    () -> store.upsert(List.of(record("a", "new"), record("b", "new"))));
            waitForLockWait(table);
            st.execute("UPDATE " + PgSql.quote(table) + " SET path = 'other' WHERE id = 'a'"); // closes the cycle
            other.commit();
            try {
                write.get(30, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                throw (Exception) e.getCause();
            }
        }
    }

    /** Polls from a connection of its own: inside a transaction pg_stat_activity shows one snapshot. */
    private static void waitForLockWait(String table) throws SQLException, InterruptedException {
        for (int i = 0; i < 200; i++) {
            try (Connection c = DatabaseUrl.parse(TestDatabase.url()).connect(); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    + "AND query LIKE 'INSERT INTO \"" + table + "\"%'")) {
                rs.next();
                if (rs.getInt(1) > 0) {
                    return;
                }
            }
            Thread.sleep(25);
        }
        throw new AssertionError("the store's merge never waited for the row lock");
    }

    private static Map<String, String> paths(String table) throws SQLException {
        Map<String, String> out = new java.util.TreeMap<>();
        try (Connection c = DatabaseUrl.parse(TestDatabase.url()).connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT id, path FROM " + PgSql.quote(table))) {
            while (rs.next()) {
                out.put(rs.getString(1), rs.getString(2));
            }
        }
        return out;
    }
}
