package visionsearch.store;

import com.pgvector.PGvector;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import visionsearch.vector.Vectors;

/**
 * A {@link VectorStore} in PostgreSQL with pgvector: one table per collection, HNSW or IVFFlat indexes,
 * bulk loading with binary COPY, and Citus distribution where the server has Citus.
 *
 * <p>The table is {@code (id text primary key, path text, metadata jsonb, content_sha256 text,
 * embedding vector(d) | halfvec(d))}; the table {@code vision_search_collections} records each collection's
 * model id, dimension, distance and vector type, and opening a collection for anything else is refused
 * with both named. {@link #upsert(List)} writes a batch in one transaction, so a failed batch leaves nothing
 * behind: with {@code COPY ... FROM STDIN (FORMAT BINARY)} straight into the table when none of its ids exist
 * yet (float32 vectors), else into a temporary staging table merged with
 * {@code INSERT ... ON CONFLICT (id) DO UPDATE}; a batch cancelled in a deadlock with another writer is run again.
 *
 * <p>On a server with the {@code citus} extension a new collection is distributed by id (see {@link Distribution}
 * for the shard count and how to opt out), and a collection Citus already distributes is always used as one:
 * {@link #distributed()} comes from Citus's catalog, not from the builder.
 *
 * <p>Scores and distances match {@link InMemoryVectorStore}: cosine score = 1 - {@code <=>}; dot score =
 * -{@code <#>}; L2 score = -{@code <->}. One store holds one JDBC connection; calls are serialised.
 *
 * <pre>{@code
 * try (PgVectorStore store = PgVectorStore.builder(System.getenv("DATABASE_URL"))
 *         .collection("images").model("clip:ViT-B-32", 512).distance(Distance.COSINE)
 *         .index(IndexSpec.hnsw(16, 64)).build()) {
 *     store.upsert(records);
 *     List<SearchHit> hits = store.search(query, 10, Map.of("theme", "cats"), SearchOptions.efSearch(100));
 * }
 * }</pre>
 */
public final class PgVectorStore implements VectorStore {
    private final DatabaseUrl url;
    private final String collection;
    private final String modelId;
    private final int dimensions;
    private final Distance distance;
    private final VectorType type;
    private final IndexSpec indexSpec;
    private final Distribution distribution;
    private final PgRetry retry;
    private final SearchOptions defaultOptions;
    private boolean distributed;
    private int shardCount;
    private PgUpsert writer;
    private PgSearch searcher;
    private String language;
    private PgSession session;
    private Connection conn;

    private PgVectorStore(Builder b) {
        this.url = b.url;
        this.collection = b.collection;
        this.modelId = b.modelId;
        this.dimensions = b.dimensions;
        this.distance = b.distance;
        this.type = b.type;
        this.indexSpec = b.index;
        this.distribution = b.distribution;
        this.retry = b.retry;
        this.defaultOptions = b.searchOptions;
        this.language = b.language;
    }

    /** Starts configuring a store on the database at {@code databaseUrl} (a JDBC or libpq URL). */
    public static Builder builder(String databaseUrl) {
        return new Builder(DatabaseUrl.parse(databaseUrl));
    }

    /** Starts configuring a store on the database at {@code databaseUrl}. */
    public static Builder builder(DatabaseUrl databaseUrl) {
        return new Builder(Objects.requireNonNull(databaseUrl, "databaseUrl"));
    }

    /** Settings for {@link PgVectorStore}; {@link #build()} connects, creates what is missing and checks the rest. */
    public static final class Builder {
        private final DatabaseUrl url;
        private String collection = "images";
        private String modelId;
        private int dimensions;
        private Distance distance = Distance.COSINE;
        private VectorType type = VectorType.VECTOR;
        private IndexSpec index = IndexSpec.hnsw();
        private Distribution distribution = Distribution.auto();
        private SearchOptions searchOptions = SearchOptions.defaults();
        private String extension = "vector";
        private PgRetry retry = PgRetry.DEFAULT;
        private String language;

        private Builder(DatabaseUrl url) {
            this.url = url;
        }

        /** The collection (table) name, matching {@code [a-z_][a-z0-9_]{0,62}}; default {@code images}. */
        public Builder collection(String collection) {
            this.collection = PgSql.checkCollection(collection);
            return this;
        }

        /** The model id and dimension the collection holds (required). */
        public Builder model(String modelId, int dimensions) {
            this.modelId = modelId;
            this.dimensions = dimensions;
            return this;
        }

        /** The distance to rank by; default cosine. */
        public Builder distance(Distance distance) {
            this.distance = Objects.requireNonNull(distance, "distance");
            return this;
        }

        /** Float32 {@code vector} (default) or float16 {@code halfvec} storage. */
        public Builder vectorType(VectorType type) {
            this.type = Objects.requireNonNull(type, "type");
            return this;
        }

        /** The index to build; default HNSW (m 16, ef_construction 64). IVFFlat is built once the table has rows. */
        public Builder index(IndexSpec index) {
            this.index = Objects.requireNonNull(index, "index");
            return this;
        }

        /**
         * True: require Citus and distribute the collection (an existing local one too); false: keep a new collection
         * an ordinary table even on Citus. Unset, a new collection is distributed when the server has Citus. A
         * collection Citus already distributes is used as distributed either way.
         */
        public Builder distributed(boolean distributed) {
            Distribution.Mode mode = distributed ? Distribution.Mode.DISTRIBUTED : Distribution.Mode.LOCAL;
            this.distribution = new Distribution(mode, distribution.shardCount(), distribution.expectedRows());
            return this;
        }

        /** How to lay the collection out on Citus, with its shard count or expected size; default {@link Distribution#auto()}. */
        public Builder distribution(Distribution distribution) {
            this.distribution = Objects.requireNonNull(distribution, "distribution");
            return this;
        }

        /** The per-query settings {@link #search(float[], int, Map)} uses; default the server's. */
        public Builder searchOptions(SearchOptions options) {
            this.searchOptions = Objects.requireNonNull(options, "options");
            return this;
        }

        /** The language of keyword search ({@code english}, {@code simple}, ...); default: the collection's, else english. */
        public Builder language(String language) {
            this.language = KeywordText.checkLanguage(language);
            return this;
        }

        /** For tests: how often and how long to retry a batch that met a deadlock or serialization failure. */
        Builder retry(PgRetry retry) {
            this.retry = retry;
            return this;
        }

        /** For tests: the extension to require instead of {@code vector}, to exercise the missing-extension path. */
        Builder extensionName(String extension) {
            this.extension = extension;
            return this;
        }

        /**
         * Connects, creates the extension, tables and index where missing, and checks an existing collection.
         *
         * @throws VectorStoreException if pgvector is missing (saying how to install it), the collection holds
         *                              another model or dimension (naming both), or the database fails
         */
        public PgVectorStore build() {
            if (modelId == null || modelId.isBlank()) {
                throw new IllegalArgumentException("model(modelId, dimensions) is required: the model id must not be blank");
            }
            int maxDims = 16000; // pgvector's limit for both types (indexes: 2,000 vector, 4,000 halfvec)
            if (dimensions < 1 || dimensions > maxDims) {
                throw new IllegalArgumentException("dimensions must be 1.." + maxDims + ", got " + dimensions);
            }
            PgVectorStore store = new PgVectorStore(this);
            store.open(extension);
            return store;
        }
    }

    private void open(String extension) {
        session = PgSession.connect(url, collection);
        conn = session.connection();
        try {
            try (Statement st = conn.createStatement()) {
                // The staging table of a batch lives in temp buffers (default 8 MB): room for a batch of 1024-d
                // vectors avoids writing it to disk. Only settable before the session first touches a temp table.
                st.execute("SET temp_buffers = '256MB'");
            }
            conn.setAutoCommit(false);
            PgSchema.Opened opened = new PgSchema(conn, url, collection, modelId, dimensions, distance, type)
                    .open(extension, distribution);
            distributed = opened.distributed();
            shardCount = opened.shardCount();
            writer = new PgUpsert(conn, collection, type, dimensions, opened.primaryKey(), retry);
            searcher = new PgSearch(conn, collection, type, dimensions, distance, distributed);
            language = PgHybrid.ensureKeywords(conn, collection, language);
            if (indexSpec.kind() == IndexSpec.Kind.HNSW
                    || (indexSpec.kind() == IndexSpec.Kind.IVFFLAT && countUnlocked() > 0)) {
                createIndexUnlocked(indexSpec);
            }
            PGvector.registerTypes(conn);
        } catch (SQLException e) {
            session.closeQuietly();
            throw session.fail("opening collection '" + collection + "'", e);
        } catch (RuntimeException e) {
            session.closeQuietly();
            throw e;
        }
    }

    /**
     * Returns true if Citus distributes this collection (as its catalog says, whatever the builder asked); per-query
     * settings are then sent to the shards.
     */
    public boolean distributed() {
        return distributed;
    }

    /** Returns the collection's number of Citus shards, or 0 for an ordinary table. */
    public int shardCount() {
        return shardCount;
    }

    /**
     * Describes every collection recorded in the database at {@code databaseUrl}: model, dimension, rows, index,
     * size, and on Citus its shards and rows per node.
     */
    public static List<CollectionInfo> collections(String databaseUrl) {
        DatabaseUrl url = DatabaseUrl.parse(databaseUrl);
        PgSession session = PgSession.connect(url, PgSql.METADATA_TABLE);
        try {
            return session.run(() -> PgCatalog.collections(session.connection()));
        } finally {
            session.close();
        }
    }

    /** Returns true if this store's database has the Citus extension (so {@code distributed(true)} can work). */
    public boolean citusAvailable() {
        return withConnection(() -> {
            boolean result = PgSchema.citusInstalled(conn);
            conn.commit();
            return result;
        });
    }

    // --- the VectorStore API ---

    @Override
    public String modelId() {
        return modelId;
    }

    @Override
    public int dimensions() {
        return dimensions;
    }

    @Override
    public Distance distance() {
        return distance;
    }

    /** Returns the collection (table) name. */
    public String collection() {
        return collection;
    }

    /** Returns how vectors are stored: {@code vector} or {@code halfvec}. */
    public VectorType vectorType() {
        return type;
    }

    @Override
    public void upsert(List<VectorRecord> records) {
        Objects.requireNonNull(records, "records");
        // Last record wins for a repeated id; ON CONFLICT cannot touch one row twice in one statement.
        Map<String, VectorRecord> byId = new LinkedHashMap<>();
        for (int i = 0; i < records.size(); i++) {
            VectorRecord r = Objects.requireNonNull(records.get(i), "records[" + i + "]");
            checkVector(r.vector(), "record '" + r.id() + "'");
            byId.put(r.id(), r);
        }
        if (byId.isEmpty()) {
            return;
        }
        withConnection(() -> {
            try {
                writer.write(byId.values());
                return null;
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly();
                throw e;
            }
        });
    }

    @Override
    public List<SearchHit> search(float[] query, int k, Map<String, String> filter) {
        return search(query, k, filter, defaultOptions);
    }

    /**
     * Returns up to {@code k} hits nearest to {@code query} among rows whose metadata contains {@code filter},
     * with {@code hnsw.ef_search} / {@code ivfflat.probes} set for this query only; with a filter, pgvector's
     * iterative index scans (relaxed order, re-sorted here) keep filtered queries from returning too few rows.
     */
    public List<SearchHit> search(float[] query, int k, Map<String, String> filter, SearchOptions options) {
        Objects.requireNonNull(query, "query");
        Objects.requireNonNull(options, "options");
        if (k <= 0) {
            throw new IllegalArgumentException("k must be positive, got " + k);
        }
        checkVector(query, "query");
        Map<String, String> f = filter == null ? Map.of() : filter;
        String filterJson = f.isEmpty() ? null : PgJson.write(f);
        return withConnection(() -> {
            try {
                return searcher.nearest(query, k, filterJson, options);
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly();
                throw e;
            }
        });
    }

    /**
     * Returns PostgreSQL's plan (EXPLAIN, without costs) for exactly the query {@link #search(float[], int, Map,
     * SearchOptions)} runs with these arguments and settings: whether it walks an index or scans the table. The
     * query vector shows as {@code $1}.
     */
    public List<String> explain(float[] query, int k, Map<String, String> filter, SearchOptions options) {
        Objects.requireNonNull(query, "query");
        Objects.requireNonNull(options, "options");
        checkVector(query, "query");
        Map<String, String> f = filter == null ? Map.of() : filter;
        String filterJson = f.isEmpty() ? null : PgJson.write(f);
        return withConnection(() -> {
            try {
                return searcher.plan(query, k, filterJson, options);
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly();
                throw e;
            }
        });
    }

    /** Keyword ranking by {@code ts_rank} over a GIN index, fused with the vector ranking in one SQL query; see {@link PgHybrid}. */
    @Override
    public List<HybridHit> hybridSearch(float[] query, String keywords, int k, Map<String, String> filter, RankFusion fusion) {
        PgHybrid.Request request = PgHybrid.Request.of(query, keywords, k, filter, fusion);
        checkVector(query, "query");
        String settings = PgHybrid.settings(defaultOptions, fusion, distributed);
        return withConnection(() -> PgHybrid.search(conn, collection, type, dimensions, distance, language, settings, request));
    }

    /** Returns the language keyword search uses in this collection, e.g. {@code english}. */
    public String language() {
        return language;
    }

    @Override
    public boolean delete(String id) {
        Objects.requireNonNull(id, "id");
        return withConnection(() -> {
            try (PreparedStatement ps = conn.prepareStatement("DELETE FROM " + PgSql.quote(collection) + " WHERE id = ?")) {
                ps.setString(1, id);
                int n = ps.executeUpdate();
                conn.commit();
                return n > 0;
            } catch (SQLException e) {
                rollbackQuietly();
                throw e;
            }
        });
    }

    @Override
    public long count() {
        return withConnection(this::countUnlocked);
    }

    private long countUnlocked() throws SQLException {
        try (Statement st = conn.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM " + PgSql.quote(collection))) {
            rs.next();
            long n = rs.getLong(1);
            conn.commit();
            return n;
        }
    }

    @Override
    public List<StoredItem> items() {
        return withConnection(() -> {
            List<StoredItem> out = new ArrayList<>();
            try (Statement st = conn.createStatement()) {
                st.setFetchSize(10_000);
                try (ResultSet rs = st.executeQuery("SELECT id, path, content_sha256 FROM " + PgSql.quote(collection))) {
                    while (rs.next()) {
                        String sha = rs.getString(3);
                        out.add(new StoredItem(rs.getString(1), rs.getString(2), sha == null ? "" : sha));
                    }
                }
            }
            conn.commit();
            return out;
        });
    }

    @Override
    public Optional<float[]> vector(String id) {
        Objects.requireNonNull(id, "id");
        return withConnection(() -> {
            try (PreparedStatement ps = conn.prepareStatement("SELECT embedding::vector::text FROM "
                    + PgSql.quote(collection) + " WHERE id = ?")) {
                ps.setString(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    Optional<float[]> out = rs.next() ? Optional.of(new PGvector(rs.getString(1)).toArray()) : Optional.empty();
                    conn.commit();
                    return out;
                }
            }
        });
    }

    @Override
    public Set<String> contentHashes() {
        return withConnection(() -> {
            Set<String> out = new HashSet<>();
            try (Statement st = conn.createStatement()) {
                st.setFetchSize(10_000);
                try (ResultSet rs = st.executeQuery("SELECT DISTINCT content_sha256 FROM " + PgSql.quote(collection)
                        + " WHERE content_sha256 <> ''")) {
                    while (rs.next()) {
                        out.add(rs.getString(1));
                    }
                }
            }
            conn.commit();
            return out;
        });
    }

    /**
     * Builds {@code spec}'s index if it does not exist (IVFFlat: build after loading, its lists come from the data).
     * Large HNSW builds are much faster when the graph fits in {@code maintenance_work_mem}.
     */
    public void createIndex(IndexSpec spec) {
        Objects.requireNonNull(spec, "spec");
        withConnection(() -> {
            createIndexUnlocked(spec);
            return null;
        });
    }

    private void createIndexUnlocked(IndexSpec spec) throws SQLException {
        if (spec.kind() == IndexSpec.Kind.NONE) {
            return;
        }
        try (Statement st = conn.createStatement()) {
            st.execute(PgSql.createIndex(collection, type, distance, spec));
            conn.commit();
        } catch (SQLException e) {
            rollbackQuietly();
            throw e;
        }
    }

    /** Drops this collection's HNSW and IVFFlat indexes (searches then scan exactly). */
    public void dropIndexes() {
        withConnection(() -> {
            try (Statement st = conn.createStatement()) {
                for (String sql : PgSql.dropIndexes(collection)) {
                    st.execute(sql);
                }
                conn.commit();
                return null;
            } catch (SQLException e) {
                rollbackQuietly();
                throw e;
            }
        });
    }

    /** Drops the collection's table and its metadata row, then closes this store. */
    public void drop() {
        withConnection(() -> {
            try (Statement st = conn.createStatement();
                 PreparedStatement ps = conn.prepareStatement("DELETE FROM " + PgSql.quote(PgSql.METADATA_TABLE)
                         + " WHERE collection = ?")) {
                st.execute("DROP TABLE IF EXISTS " + PgSql.quote(collection));
                ps.setString(1, collection);
                ps.executeUpdate();
                conn.commit();
                return null;
            } catch (SQLException e) {
                rollbackQuietly();
                throw e;
            }
        });
        close();
    }

    @Override
    public void close() {
        session.close();
    }

    @Override
    public String toString() {
        return "PgVectorStore[" + url + ", collection=" + collection + ", model=" + modelId + ", dimensions="
                + dimensions + ", distance=" + distance + ", type=" + type + ", index=" + indexSpec.kind()
                + (distributed ? ", distributed in " + shardCount + " shards" : "") + "]";
    }

    // --- internals ---

    private void checkVector(float[] v, String what) {
        if (v.length != dimensions) {
            throw new IllegalArgumentException("vector dimension mismatch for " + what + ": collection '" + collection
                    + "' holds " + dimensions + "-dimensional vectors of model '" + modelId + "', got " + v.length
                    + " dimensions; embed with the collection's model or use another collection");
        }
        if (!Vectors.allFinite(v)) {
            throw new IllegalArgumentException("the vector of " + what + " has a NaN or infinite component");
        }
        if (distance == Distance.COSINE && Vectors.norm(v) == 0) {
            throw new IllegalArgumentException("the vector of " + what + " is all zeros; cosine similarity is undefined for it");
        }
    }

    private <T> T withConnection(PgSession.SqlWork<T> work) {
        return session.run(work);
    }

    private void rollbackQuietly() {
        session.rollbackQuietly();
    }
}
