package visionsearch.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What {@link PgVectorStore} asks and tells Citus, in Citus's documented terms: the {@code citus} extension,
 * {@code pg_dist_partition} (which tables Citus manages, {@code partmethod} 'h' for hash-distributed),
 * {@code pg_dist_shard}, {@code pg_dist_placement}, {@code pg_dist_node}, and the functions
 * {@code create_reference_table}, {@code create_distributed_table(table, column, colocate_with, shard_count)},
 * {@code truncate_local_data_after_distributing_table} and {@code run_command_on_shards}.
 */
final class PgCitus {
    static final String VERSION = "SELECT extversion FROM pg_extension WHERE extname = 'citus'";
    static final String PARTITION = "SELECT p.partmethod::text, (SELECT count(*) FROM pg_dist_shard s "
            + "WHERE s.logicalrelid = p.logicalrelid) FROM pg_dist_partition p WHERE p.logicalrelid = to_regclass(?)";
    /** Nodes that get shards; with none, Citus puts the shards on the coordinator. */
    static final String SHARD_NODES = "SELECT count(*) FROM pg_dist_node "
            + "WHERE isactive AND noderole = 'primary' AND shouldhaveshards";
    /**
     * One connection per node for the rest of the transaction that opens a collection: DDL on several tables
     * (creating, distributing, recording) in one transaction is safe in this mode, and there are few shards to
     * create. Set first in the transaction, before any access to a distributed table.
     */
    static final String SEQUENTIAL = "SET LOCAL citus.multi_shard_modify_mode TO 'sequential'";
    static final String CREATE_REFERENCE = "SELECT create_reference_table(?::regclass)";
    /** A collection is not joined with other tables, so it gets its own co-location group. */
    static final String CREATE_DISTRIBUTED = "SELECT create_distributed_table(?::regclass, 'id', "
            + "colocate_with => 'none', shard_count => ?)";
    /** Citus copies a table's rows to the shards and leaves the coordinator's own copy behind; this removes it. */
    static final String TRUNCATE_LOCAL = "SELECT truncate_local_data_after_distributing_table(?::regclass)";
    static final String ROWS_PER_NODE = "SELECT n.nodename || ':' || n.nodeport, sum(r.result::bigint) "
            + "FROM run_command_on_shards(?::regclass, 'SELECT count(*) FROM %s') r "
            + "JOIN pg_dist_placement p ON p.shardid = r.shardid AND p.shardstate = 1 "
            + "JOIN pg_dist_node n ON n.groupid = p.groupid AND n.noderole = 'primary' "
            + "WHERE r.success GROUP BY n.nodename, n.nodeport ORDER BY n.nodename, n.nodeport";
    static final String TOTAL_SIZE = "SELECT citus_total_relation_size(?::regclass)";

    private PgCitus() {
    }

    /** The citus extension's version in this database, or null without Citus. */
    static String version(Connection conn) throws SQLException {
        return PgQuery.text(conn, VERSION);
    }

    /** Citus's {@code partmethod} for {@code quotedTable} and its shard count, or null if Citus does not manage it. */
    static Partition partition(Connection conn, String quotedTable) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement(PARTITION)) {
            ps.setString(1, quotedTable);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new Partition(rs.getString(1), rs.getInt(2)) : null;
            }
        }
    }

    /** A table's entry in {@code pg_dist_partition}: 'h' hash-distributed, 'n' reference (or Citus-local). */
    record Partition(String method, int shards) {
        boolean hashDistributed() {
            return "h".equals(method);
        }
    }

    static int shardNodes(Connection conn) throws SQLException {
        return (int) PgQuery.number(conn, SHARD_NODES);
    }

    /** Runs a Citus function that takes one table; {@code args} follow the table. */
    static void call(Connection conn, String sql, String quotedTable, Object... args) throws SQLException {
        Object[] params = new Object[args.length + 1];
        params[0] = quotedTable;
        System.arraycopy(args, 0, params, 1, args.length);
        PgQuery.text(conn, sql, params);
    }

    /** Rows of a hash-distributed table per node ({@code host:port}), counted on each shard. */
    static Map<String, Long> rowsPerNode(Connection conn, String quotedTable) throws SQLException {
        Map<String, Long> out = new LinkedHashMap<>();
        try (PreparedStatement ps = conn.prepareStatement(ROWS_PER_NODE)) {
            ps.setString(1, quotedTable);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getString(1), rs.getLong(2));
                }
            }
        }
        return out;
    }
}
