package visionsearch.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.Set;

/**
 * Writes one batch of {@link PgVectorStore} in one transaction, all or nothing: binary COPY straight into the
 * table when none of its ids exist yet (float32 vectors), else into a temporary staging table merged with
 * {@code INSERT ... ON CONFLICT (id) DO UPDATE}.
 */
final class PgUpsert {
    private PgUpsert() {
    }

    /** Writes {@code byId} (one record per id) and commits; the caller rolls back if this throws. */
    static void write(Connection conn, String collection, VectorType type, int dimensions,
                      Map<String, VectorRecord> byId) throws SQLException {
        if (type == VectorType.VECTOR && noneExist(conn, collection, byId.keySet())) {
            // Fast path for new ids (a first load, an indexer adding images): COPY straight into the table.
            try {
                PgCopy.copyBinary(conn, PgSql.copyInto(collection), byId.values());
                conn.commit();
                return;
            } catch (SQLException e) {
                conn.rollback();
                if (!"23505".equals(e.getSQLState())) {
                    throw e;
                }
                // Another writer added one of these ids meanwhile: merge through the staging table below.
            }
        }
        try (Statement st = conn.createStatement()) {
            st.execute(PgSql.createStage(dimensions));
            st.execute(PgSql.embeddingStorage(PgSql.STAGE_TABLE, VectorType.VECTOR, dimensions));
        }
        PgCopy.copyBinary(conn, PgSql.copyStage(), byId.values());
        try (Statement st = conn.createStatement()) {
            st.executeUpdate(PgSql.mergeStage(collection, type, dimensions));
        }
        conn.commit();
    }

    private static boolean noneExist(Connection conn, String collection, Set<String> ids) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement(PgSql.countExisting(collection))) {
            ps.setArray(1, conn.createArrayOf("text", ids.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1) == 0;
            }
        }
    }
}
