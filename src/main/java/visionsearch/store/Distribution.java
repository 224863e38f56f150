package visionsearch.store;

import java.util.Objects;

/**
 * How {@link PgVectorStore} lays out a collection on a server with the Citus extension (Azure Cosmos DB for
 * PostgreSQL is Citus). Without Citus every collection is one ordinary table, and only {@link Mode#DISTRIBUTED}
 * differs: it is refused before anything is created.
 *
 * <p>An existing collection that Citus already distributes (it is in {@code pg_dist_partition}) is always used as
 * a distributed one, whatever is asked here: per-query settings go to its shards and writers are retried.
 *
 * <p>Shard count: {@code shardCount} when set, else the rule of {@link #shardsFor(int, long)}: one shard per node
 * that holds shards, one more per node for every {@value #ROWS_PER_SHARD} expected rows on a node.
 *
 * @param mode         auto (distribute new collections when Citus is there), distributed, or local
 * @param shardCount   the {@code shard_count} for {@code create_distributed_table}, or 0 for the rule
 * @param expectedRows how many rows the collection is expected to hold, for the rule (0: unknown, small)
 */
public record Distribution(Mode mode, int shardCount, long expectedRows) {
    /** Rows per shard the shard-count rule aims at (about one HNSW graph that builds in memory and searches fast). */
    public static final long ROWS_PER_SHARD = 1_000_000;
    /** Citus's limit for {@code shard_count}. */
    public static final int MAX_SHARDS = 64_000;

    /** What to do with a collection on a Citus server. */
    public enum Mode {
        /** Distribute a new collection when the server has Citus; keep an existing local one local. */
        AUTO,
        /** Require Citus: distribute a new collection, or an existing local one (its rows move to the shards). */
        DISTRIBUTED,
        /** Keep a new collection an ordinary table on the coordinator, even on Citus. */
        LOCAL
    }

    /** Checks the values. */
    public Distribution {
        Objects.requireNonNull(mode, "mode");
        if (shardCount < 0 || shardCount > MAX_SHARDS) {
            throw new IllegalArgumentException("shardCount must be 0 (choose by the rule) or 1.." + MAX_SHARDS
                    + ", got " + shardCount);
        }
        if (expectedRows < 0) {
            throw new IllegalArgumentException("expectedRows must be 0 (unknown) or positive, got " + expectedRows);
        }
    }

    /** Distributes new collections when the server has Citus (the default). */
    public static Distribution auto() {
        return new Distribution(Mode.AUTO, 0, 0);
    }

    /** Requires Citus and distributes the collection. */
    public static Distribution distributed() {
        return new Distribution(Mode.DISTRIBUTED, 0, 0);
    }

    /** Keeps a new collection local, even on Citus. */
    public static Distribution local() {
        return new Distribution(Mode.LOCAL, 0, 0);
    }

    /** This distribution with a fixed shard count (1..64000), or 0 for the rule. */
    public Distribution withShardCount(int shards) {
        return new Distribution(mode, shards, expectedRows);
    }

    /** This distribution expecting about {@code rows} rows, which the shard-count rule uses. */
    public Distribution withExpectedRows(long rows) {
        return new Distribution(mode, shardCount, rows);
    }

    /**
     * The shard-count rule: {@code nodes * max(1, ceil(expectedRows / (nodes * ROWS_PER_SHARD)))}, at most
     * {@value #MAX_SHARDS}. Each query is sent to every shard and pays for it (on a 2-worker cluster 32 shards of
     * 20,000 rows answered in 22.5 ms against 1.69 ms for one local table), so a small collection gets one shard per
     * node; a large one gets more, so exact and filtered scans run on more cores and each HNSW graph stays small.
     *
     * @param nodes        nodes that hold shards (workers; the coordinator when it is the only node), at least 1
     * @param expectedRows expected rows, 0 if unknown
     */
    public static int shardsFor(int nodes, long expectedRows) {
        if (nodes < 1) {
            throw new IllegalArgumentException("nodes must be at least 1, got " + nodes);
        }
        long perNode = Math.max(1, ceilDiv(expectedRows, nodes * ROWS_PER_SHARD));
        return (int) Math.min(MAX_SHARDS, nodes * perNode);
    }

    /** The shard count to create on {@code nodes} nodes: {@link #shardCount()} if set, else the rule. */
    int shardsOn(int nodes) {
        return shardCount > 0 ? shardCount : shardsFor(nodes, expectedRows);
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }
}
