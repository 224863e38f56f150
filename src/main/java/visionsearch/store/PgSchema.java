package visionsearch.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * Creates and checks what {@link PgVectorStore} needs on the server: the pgvector extension, the metadata table,
 * the collection's table and row, and (on Citus) their distribution. Each step commits or rolls back on its own.
 */
final class PgSchema {
    private static final String INSTALL_HINT = "Install pgvector on the server: on this project's machines run "
            + "scripts/install-pgvector.sh; on Debian/Ubuntu with the PGDG repository apt-get install "
            + "postgresql-NN-pgvector (NN = server major version); in Docker use the pgvector/pgvector image "
            + "(e.g. pgvector/pgvector:pg17); on Azure Database for PostgreSQL allow-list VECTOR in the "
            + "azure.extensions server parameter; then run CREATE EXTENSION vector as a privileged user.";

    private final Connection conn;
    private final DatabaseUrl url;
    private final String collection;
    private final String modelId;
    private final int dimensions;
    private final Distance distance;
    private final VectorType type;

    PgSchema(Connection conn, DatabaseUrl url, String collection, String modelId, int dimensions, Distance distance,
             VectorType type) {
        this.conn = conn;
        this.url = url;
        this.collection = collection;
        this.modelId = modelId;
        this.dimensions = dimensions;
        this.distance = distance;
        this.type = type;
    }

    void ensureExtension(String extension) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement("SELECT extversion FROM pg_extension WHERE extname = ?")) {
            ps.setString(1, extension);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    conn.commit();
                    return;
                }
            }
        }
        try (Statement st = conn.createStatement()) {
            st.execute("CREATE EXTENSION IF NOT EXISTS " + PgSql.quote(extension));
            conn.commit();
        } catch (SQLException e) {
            conn.rollback();
            String state = e.getSQLState();
            if ("58P01".equals(state) || "0A000".equals(state)) {
                throw new VectorStoreException("the PostgreSQL server at " + url + " does not have the pgvector extension ('"
                        + extension + "'): " + e.getMessage() + ". " + INSTALL_HINT, state, e);
            }
            if ("42501".equals(state)) {
                throw new VectorStoreException("the pgvector extension ('" + extension + "') is not enabled in this database "
                        + "and this user may not enable it: " + e.getMessage() + ". Ask the database owner or a superuser "
                        + "to run CREATE EXTENSION vector in this database (on Azure, allow-list VECTOR in "
                        + "azure.extensions first), or connect as a user who may.", state, e);
            }
            throw e;
        }
    }

    void ensureCollection() throws SQLException {
        try (Statement st = conn.createStatement()) {
            // Serialises concurrent first opens: CREATE TABLE IF NOT EXISTS can race on the catalog.
            st.execute("SELECT pg_advisory_xact_lock(hashtext('vision_search_collections'))");
            st.execute(PgSql.createMetadataTable());
        }
        try (PreparedStatement ps = conn.prepareStatement("SELECT model_id, dimensions, distance, vector_type FROM "
                + PgSql.quote(PgSql.METADATA_TABLE) + " WHERE collection = ?")) {
            ps.setString(1, collection);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    String m = rs.getString(1);
                    int d = rs.getInt(2);
                    String dist = rs.getString(3);
                    String vt = rs.getString(4);
                    if (!m.equals(modelId) || d != dimensions || !dist.equals(distance.name()) || !vt.equals(type.name())) {
                        conn.rollback();
                        throw new VectorStoreException("collection '" + collection + "' holds model '" + m + "' ("
                                + d + " dimensions, " + dist + ", " + vt + "), but model '" + modelId + "' ("
                                + dimensions + " dimensions, " + distance + ", " + type + ") was asked for; use another "
                                + "collection name for this model, or drop the collection and index again");
                    }
                    conn.commit();
                    return;
                }
            }
        }
        try (PreparedStatement ps = conn.prepareStatement("SELECT to_regclass(?)")) {
            ps.setString(1, PgSql.quote(collection));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                if (rs.getString(1) != null) {
                    conn.rollback();
                    throw new VectorStoreException("a table named '" + collection + "' exists but is not a vision-search "
                            + "collection (no row in " + PgSql.METADATA_TABLE + "); choose another collection name");
                }
            }
        }
        try (Statement st = conn.createStatement();
             PreparedStatement ps = conn.prepareStatement("INSERT INTO " + PgSql.quote(PgSql.METADATA_TABLE)
                     + " (collection, model_id, dimensions, distance, vector_type) VALUES (?, ?, ?, ?, ?)")) {
            st.execute(PgSql.createTable(collection, type, dimensions));
            st.execute(PgSql.embeddingStorage(collection, type, dimensions));
            ps.setString(1, collection);
            ps.setString(2, modelId);
            ps.setInt(3, dimensions);
            ps.setString(4, distance.name());
            ps.setString(5, type.name());
            ps.executeUpdate();
            conn.commit();
        } catch (SQLException e) {
            conn.rollback();
            throw e;
        }
    }

    void distribute() throws SQLException {
        if (!citusInstalled(conn)) {
            throw new VectorStoreException("distributed(true) needs the citus extension, which this PostgreSQL server at "
                    + url + " does not have; use Azure Cosmos DB for PostgreSQL or a Citus server (see README, "
                    + "'Scaling out with Citus'), or build without distributed(true)");
        }
        List<String> statements = PgSql.distribute();
        String[] tables = {PgSql.quote(PgSql.METADATA_TABLE), PgSql.quote(collection)};
        for (int i = 0; i < statements.size(); i++) {
            if (isDistributed(tables[i])) {
                continue;
            }
            try (PreparedStatement ps = conn.prepareStatement(statements.get(i))) {
                ps.setString(1, tables[i]);
                ps.execute();
            }
            conn.commit();
        }
    }

    private boolean isDistributed(String quotedTable) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement(PgSql.IS_DISTRIBUTED)) {
            ps.setString(1, quotedTable);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    /** Returns true if the database behind {@code conn} has the Citus extension. */
    static boolean citusInstalled(Connection conn) throws SQLException {
        try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery(PgSql.CITUS_INSTALLED)) {
            return rs.next();
        }
    }
}
