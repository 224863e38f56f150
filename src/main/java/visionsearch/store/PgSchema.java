package visionsearch.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Creates and checks what {@link PgVectorStore} needs on the server: the pgvector extension, the metadata table,
 * the collection's table and row, and on Citus their distribution, all in one transaction after every check
 * (Citus present when required, the user's rights), so a refusal or failure leaves nothing behind.
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

    /**
     * What opening found and decided.
     *
     * @param distributed true if the collection is distributed by Citus (from the catalog, not from the request)
     * @param shardCount  its shards on Citus, else 0
     * @param primaryKey  the name of the collection's primary key constraint
     */
    record Opened(boolean distributed, int shardCount, String primaryKey) {
    }

    /** The collection's row in the metadata table. */
    private record Recorded(String modelId, int dimensions, String distance, String vectorType) {
    }

    /**
     * Creates what is missing and checks the rest, in one transaction that commits only when all of it succeeded.
     *
     * @throws VectorStoreException naming what is wrong and what to do: another model, a foreign table, Citus
     *                              required but absent, missing rights, pgvector missing
     */
    Opened open(String extension, Distribution want) throws SQLException {
        try (Statement st = conn.createStatement()) {
            // Serialises concurrent first opens: CREATE TABLE IF NOT EXISTS can race on the catalog.
            st.execute("SELECT pg_advisory_xact_lock(hashtext('vision_search_collections'))");
            String citus = PgCitus.version(conn);
            if (citus != null) {
                st.execute(PgCitus.SEQUENTIAL); // first, before any access to a distributed table
            }
            boolean metadataExists = exists(PgSql.METADATA_TABLE);
            Recorded recorded = metadataExists ? recorded() : null;
            boolean tableExists = exists(collection);
            check(recorded, tableExists);
            CitusPlan.Catalog catalog = citus == null ? CitusPlan.Catalog.plain(recorded != null)
                    : citusCatalog(citus, recorded != null);
            CitusPlan plan = CitusPlan.decide(want, catalog, url.toString());
            boolean addColumns = metadataExists && !hasColumn(PgSql.METADATA_TABLE, "shard_count");
            checkRights(!metadataExists || !tableExists, addColumns || (plan.referenceMetadata() && metadataExists),
                    plan.distributeCollection() && tableExists, metadataExists && recorded == null);
            ensureExtension(extension);
            if (!metadataExists) {
                st.execute(PgSql.createMetadataTable());
            }
            if (addColumns) {
                st.execute(PgSql.addMetadataColumns());
            }
            if (plan.referenceMetadata()) {
                distribute(PgSql.METADATA_TABLE, PgCitus.CREATE_REFERENCE);
            }
            if (!tableExists) {
                st.execute(PgSql.createTable(collection, type, dimensions));
                st.execute(PgSql.embeddingStorage(collection, type, dimensions));
            }
            if (plan.distributeCollection()) {
                distribute(collection, PgCitus.CREATE_DISTRIBUTED, plan.shardCount());
            }
            record(recorded == null, plan);
            String primaryKey = primaryKey();
            conn.commit();
            return new Opened(plan.distributed(), plan.shardCount(), primaryKey);
        } catch (SQLException | RuntimeException e) {
            conn.rollback();
            throw e;
        }
    }

    private Recorded recorded() throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement("SELECT model_id, dimensions, distance, vector_type FROM "
                + PgSql.quote(PgSql.METADATA_TABLE) + " WHERE collection = ?")) {
            ps.setString(1, collection);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new Recorded(rs.getString(1), rs.getInt(2), rs.getString(3), rs.getString(4)) : null;
            }
        }
    }

    private void check(Recorded r, boolean tableExists) {
        if (r == null && tableExists) {
            throw new VectorStoreException("a table named '" + collection + "' exists but is not a vision-search "
                    + "collection (no row in " + PgSql.METADATA_TABLE + "); choose another collection name");
        }
        if (r != null && (!r.modelId().equals(modelId) || r.dimensions() != dimensions
                || !r.distance().equals(distance.name()) || !r.vectorType().equals(type.name()))) {
            throw new VectorStoreException("collection '" + collection + "' holds model '" + r.modelId() + "' ("
                    + r.dimensions() + " dimensions, " + r.distance() + ", " + r.vectorType() + "), but model '" + modelId
                    + "' (" + dimensions + " dimensions, " + distance + ", " + type + ") was asked for; use another "
                    + "collection name for this model, or drop the collection and index again");
        }
    }

    private CitusPlan.Catalog citusCatalog(String version, boolean recorded) throws SQLException {
        PgCitus.Partition table = PgCitus.partition(conn, PgSql.quote(collection));
        PgCitus.Partition metadata = PgCitus.partition(conn, PgSql.quote(PgSql.METADATA_TABLE));
        return new CitusPlan.Catalog(version, recorded, table == null ? null : table.method(),
                table == null ? 0 : table.shards(), metadata == null ? null : metadata.method(), PgCitus.shardNodes(conn));
    }

    /**
     * Refuses, before anything is created, what this user may not do: create tables in the current schema, change
     * or distribute a table it does not own, add a row to the metadata table.
     */
    private void checkRights(boolean createTables, boolean ownMetadata, boolean ownCollection, boolean insertMetadata)
            throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement("SELECT current_user, current_schema(), "
                + "has_schema_privilege(current_schema(), 'CREATE'), "
                + "(SELECT pg_has_role(relowner, 'USAGE') FROM pg_class WHERE oid = to_regclass(?)), "
                + "(SELECT pg_has_role(relowner, 'USAGE') FROM pg_class WHERE oid = to_regclass(?)), "
                + "(SELECT has_table_privilege(oid, 'INSERT') FROM pg_class WHERE oid = to_regclass(?))")) {
            String metadata = PgSql.quote(PgSql.METADATA_TABLE);
            ps.setString(1, metadata);
            ps.setString(2, PgSql.quote(collection));
            ps.setString(3, metadata);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                String user = rs.getString(1);
                String schema = rs.getString(2);
                String refusal = null;
                if (createTables && schema == null) {
                    refusal = "its search_path names no schema that exists, so there is nowhere to create tables; "
                            + "set search_path (e.g. ALTER ROLE " + PgSql.quote(user) + " SET search_path = public)";
                } else if (createTables && !rs.getBoolean(3)) {
                    refusal = "it may not create tables in schema " + PgSql.quote(schema) + "; ask the schema's owner to "
                            + "GRANT CREATE ON SCHEMA " + PgSql.quote(schema) + " TO " + PgSql.quote(user);
                } else if (ownMetadata && !rs.getBoolean(4)) {
                    refusal = "the table " + PgSql.METADATA_TABLE + " must be changed (new columns, or made a Citus "
                            + "reference table) and only its owner may; open the collection once as that owner";
                } else if (ownCollection && !rs.getBoolean(5)) {
                    refusal = "distributing table " + PgSql.quote(collection) + " needs its owner; connect as the owner";
                } else if (insertMetadata && !rs.getBoolean(6)) {
                    refusal = "it may not add rows to " + PgSql.METADATA_TABLE + "; ask its owner to GRANT INSERT ON "
                            + PgSql.METADATA_TABLE + " TO " + PgSql.quote(user);
                }
                if (refusal != null) {
                    throw new VectorStoreException("cannot open collection '" + collection + "' as user " + user + " at "
                            + url + " (nothing was created): " + refusal, "42501", null);
                }
            }
        }
    }

    private void ensureExtension(String extension) throws SQLException {
        if (PgQuery.text(conn, "SELECT extversion FROM pg_extension WHERE extname = ?", extension) != null) {
            return;
        }
        try (Statement st = conn.createStatement()) {
            st.execute("CREATE EXTENSION IF NOT EXISTS " + PgSql.quote(extension));
        } catch (SQLException e) {
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


    /** Makes {@code table} a Citus table; a table that held rows leaves them on the coordinator too, so clear them. */
    private void distribute(String table, String sql, Object... args) throws SQLException {
        boolean hadRows = PgQuery.bool(conn, "SELECT EXISTS (SELECT 1 FROM " + PgSql.quote(table) + ")");
        PgCitus.call(conn, sql, PgSql.quote(table), args);
        if (hadRows) {
            PgCitus.call(conn, PgCitus.TRUNCATE_LOCAL, PgSql.quote(table));
        }
    }

    /**
     * Writes whether the collection is distributed and its shard count into its row: a new row, or an old row that
     * says otherwise (a collection distributed meanwhile, a row from before these columns) when this user may.
     */
    private void record(boolean create, CitusPlan plan) throws SQLException {
        if (!create && !plan.distributeCollection() && !mayUpdateMetadata()) {
            return;
        }
        String sql = create
                ? "INSERT INTO " + PgSql.quote(PgSql.METADATA_TABLE) + " (distributed, shard_count, collection, model_id, "
                        + "dimensions, distance, vector_type) VALUES (?, ?, ?, ?, ?, ?, ?)"
                : "UPDATE " + PgSql.quote(PgSql.METADATA_TABLE) + " SET distributed = ?, shard_count = ? WHERE collection = ?"
                        + " AND (distributed IS DISTINCT FROM ? OR shard_count IS DISTINCT FROM ?)";
        try (PreparedStatement ps = conn.prepareStatement(sql)) {
            ps.setBoolean(1, plan.distributed());
            ps.setInt(2, plan.shardCount());
            ps.setString(3, collection);
            if (create) {
                ps.setString(4, modelId);
                ps.setInt(5, dimensions);
                ps.setString(6, distance.name());
                ps.setString(7, type.name());
            } else {
                ps.setBoolean(4, plan.distributed());
                ps.setInt(5, plan.shardCount());
            }
            ps.executeUpdate();
        }
    }

    private boolean mayUpdateMetadata() throws SQLException {
        return PgQuery.bool(conn, "SELECT has_table_privilege(to_regclass(?), 'UPDATE')", PgSql.quote(PgSql.METADATA_TABLE));
    }

    private boolean exists(String table) throws SQLException {
        return PgQuery.bool(conn, "SELECT to_regclass(?) IS NOT NULL", PgSql.quote(table));
    }

    private boolean hasColumn(String table, String column) throws SQLException {
        return PgQuery.bool(conn, "SELECT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass(?) "
                + "AND attname = ? AND NOT attisdropped)", PgSql.quote(table), column);
    }

    /** The collection's primary key constraint, which Citus names in duplicate-key errors from its shards. */
    private String primaryKey() throws SQLException {
        return PgQuery.text(conn, "SELECT conname FROM pg_constraint WHERE conrelid = to_regclass(?) AND contype = 'p'",
                PgSql.quote(collection));
    }

    /** Returns true if the database behind {@code conn} has the Citus extension. */
    static boolean citusInstalled(Connection conn) throws SQLException {
        return PgCitus.version(conn) != null;
    }
}
