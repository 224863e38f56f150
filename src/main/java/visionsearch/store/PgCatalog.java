package visionsearch.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Reads what a database holds for each collection recorded in {@code vision_search_collections}. */
final class PgCatalog {
    private PgCatalog() {
    }

    /** The model and dimension {@code collection} was created for, or empty if there is no such collection; creates nothing. */
    static Optional<VectorStores.StoredModel> model(DatabaseUrl url, String collection) {
        PgSession session = PgSession.connect(url, collection);
        try {
            return session.run(() -> {
                Connection conn = session.connection();
                if (!PgQuery.bool(conn, "SELECT to_regclass(?) IS NOT NULL", PgSql.quote(PgSql.METADATA_TABLE))) {
                    return Optional.empty();
                }
                try (PreparedStatement ps = conn.prepareStatement("SELECT model_id, dimensions FROM "
                        + PgSql.quote(PgSql.METADATA_TABLE) + " WHERE collection = ?")) {
                    ps.setString(1, collection);
                    try (ResultSet rs = ps.executeQuery()) {
                        return rs.next() ? Optional.of(new VectorStores.StoredModel(rs.getString(1), rs.getInt(2)))
                                : Optional.<VectorStores.StoredModel>empty();
                    }
                }
            });
        } finally {
            session.close();
        }
    }

    /** Every recorded collection, by name; an empty list when the metadata table does not exist. */
    static List<CollectionInfo> collections(Connection conn) throws SQLException {
        List<CollectionInfo> out = new ArrayList<>();
        String citus = PgCitus.version(conn);
        try (Statement st = conn.createStatement()) {
            if (!PgQuery.bool(conn, "SELECT to_regclass(?) IS NOT NULL", PgSql.quote(PgSql.METADATA_TABLE))) {
                return out;
            }
            List<String[]> recorded = new ArrayList<>();
            try (ResultSet rs = st.executeQuery("SELECT collection, model_id, dimensions, distance, vector_type FROM "
                    + PgSql.quote(PgSql.METADATA_TABLE) + " ORDER BY collection")) {
                while (rs.next()) {
                    recorded.add(new String[] {rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                        rs.getString(5)});
                }
            }
            for (String[] r : recorded) {
                out.add(describe(conn, citus != null, r));
            }
        }
        return out;
    }

    private static CollectionInfo describe(Connection conn, boolean citus, String[] r) throws SQLException {
        String table = PgSql.quote(r[0]);
        Distance distance = Distance.valueOf(r[3]);
        VectorType type = VectorType.valueOf(r[4]);
        int dims = Integer.parseInt(r[2]);
        if (!PgQuery.bool(conn, "SELECT to_regclass(?) IS NOT NULL", table)) {
            return new CollectionInfo(r[0], r[1], dims, distance, type, -1, "none", 0, false, 0, Map.of());
        }
        PgCitus.Partition partition = citus ? PgCitus.partition(conn, table) : null;
        long rows = PgQuery.number(conn, "SELECT count(*) FROM " + table);
        long size = PgQuery.number(conn, partition != null ? PgCitus.TOTAL_SIZE : "SELECT pg_total_relation_size(?::regclass)",
                table);
        Map<String, Long> perNode = partition != null && partition.hashDistributed()
                ? PgCitus.rowsPerNode(conn, table) : Map.of();
        return new CollectionInfo(r[0], r[1], dims, distance, type, rows, index(conn, table), size, partition != null,
                partition == null ? 0 : partition.shards(), perNode);
    }

    /** The table's HNSW or IVFFlat index with its parameters, e.g. {@code hnsw (m=16, ef_construction=64)}. */
    private static String index(Connection conn, String table) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement("SELECT am.amname, array_to_string(ic.reloptions, ', ') "
                + "FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_am am ON am.oid = ic.relam "
                + "WHERE i.indrelid = to_regclass(?) AND am.amname IN ('hnsw', 'ivfflat') ORDER BY am.amname")) {
            ps.setString(1, table);
            List<String> found = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    found.add(rs.getString(1) + (rs.getString(2) == null ? "" : " (" + rs.getString(2) + ")"));
                }
            }
            return found.isEmpty() ? "none" : String.join(" + ", found);
        }
    }
}
