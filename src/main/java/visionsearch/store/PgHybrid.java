package visionsearch.store;

import com.pgvector.PGvector;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Hybrid search for {@link PgVectorStore}: the schema it needs and the one SQL statement that ranks, fuses and
 * returns.
 *
 * <p>Schema: each collection table gets a generated column {@code keywords tsvector} over
 * {@link KeywordText#sqlDocument} (file name, caption and other metadata text, in the collection's language)
 * and a GIN index on it; {@code vision_search_collections} gets a {@code language} column. Both are added to
 * collections made before them (PostgreSQL computes the column for the rows already there), under the same
 * advisory lock as collection creation, and checked in the catalog first so that an ordinary open takes no
 * table lock.
 *
 * <p>Query: the nearest vectors (HNSW / IVFFlat with an iterative scan, as filtered searches do) and the keyword
 * matches ({@code keywords @@ websearch_to_tsquery(language, ...)} through the GIN index, ranked by
 * {@code ts_rank} normalised by document length), each limited to the candidates and filtered by metadata
 * containment, ranked with {@code rank()}, joined, fused by {@link RankFusion}'s formula and ordered by fused score
 * then id ({@code COLLATE "C"}, the in-memory store's order). The {@code SET LOCAL}s travel in the same round trip.
 */
final class PgHybrid {
    static final String COLUMN = "keywords";

    private PgHybrid() {
    }

    /** Returns the name of a collection's GIN index on {@code keywords}. */
    static String indexName(String collection) {
        String suffix = "_keywords_gin";
        int room = 63 - suffix.length();
        return (collection.length() > room ? collection.substring(0, room) : collection) + suffix;
    }

    /**
     * Adds what hybrid search needs to {@code collection} where missing and returns its language: the one
     * recorded, else {@code requested}, else {@link KeywordText#DEFAULT_LANGUAGE}.
     *
     * @param requested the language the builder asked for, or null for "whatever the collection has"
     * @throws VectorStoreException if the collection was made with another language than {@code requested}
     */
    static String ensureKeywords(Connection conn, String collection, String requested) throws SQLException {
        try {
            String meta = PgSql.quote(PgSql.METADATA_TABLE);
            String table = PgSql.quote(collection);
            try (Statement st = conn.createStatement()) {
                st.execute("SELECT pg_advisory_xact_lock(hashtext('vision_search_collections'))");
                if (!hasColumn(conn, PgSql.METADATA_TABLE, "language")) {
                    st.execute("ALTER TABLE " + meta + " ADD COLUMN IF NOT EXISTS language text");
                }
            }
            String language;
            try (PreparedStatement ps = conn.prepareStatement("SELECT language FROM " + meta + " WHERE collection = ?")) {
                ps.setString(1, collection);
                try (ResultSet rs = ps.executeQuery()) {
                    language = rs.next() ? rs.getString(1) : null;
                }
            }
            if (language != null && requested != null && !language.equals(requested)) {
                conn.rollback();
                throw new VectorStoreException("collection '" + collection + "' ranks keywords in " + language + ", but "
                        + requested + " was asked for; leave the language out to use " + language + ", or use another "
                        + "collection for " + requested);
            }
            if (language == null) {
                language = requested != null ? requested : KeywordText.DEFAULT_LANGUAGE;
                try (PreparedStatement ps = conn.prepareStatement("UPDATE " + meta + " SET language = ? WHERE collection = ?")) {
                    ps.setString(1, language);
                    ps.setString(2, collection);
                    ps.executeUpdate();
                }
            }
            try (Statement st = conn.createStatement()) {
                if (!hasColumn(conn, collection, COLUMN)) {
                    st.execute("ALTER TABLE " + table + " ADD COLUMN IF NOT EXISTS " + COLUMN + " tsvector GENERATED ALWAYS AS ("
                            + KeywordText.sqlDocument(language) + ") STORED");
                }
                if (!exists(conn, indexName(collection))) {
                    st.execute("CREATE INDEX IF NOT EXISTS " + PgSql.quote(indexName(collection)) + " ON " + table
                            + " USING gin (" + COLUMN + ")");
                }
            }
            conn.commit();
            return language;
        } catch (SQLException | RuntimeException e) {
            conn.rollback();
            throw e;
        }
    }

    private static boolean hasColumn(Connection conn, String table, String column) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement("SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass(?) "
                + "AND attname = ? AND NOT attisdropped")) {
            ps.setString(1, PgSql.quote(table));
            ps.setString(2, column);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    private static boolean exists(Connection conn, String relation) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement("SELECT to_regclass(?) IS NOT NULL")) {
            ps.setString(1, PgSql.quote(relation));
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    /** One hybrid query, checked: what {@link #sql} is bound with. */
    record Request(float[] query, KeywordQuery keywords, int k, String filterJson, RankFusion fusion) {
        static Request of(float[] query, String keywords, int k, Map<String, String> filter, RankFusion fusion) {
            Objects.requireNonNull(query, "query");
            Objects.requireNonNull(fusion, "fusion");
            if (k <= 0) {
                throw new IllegalArgumentException("k must be positive, got " + k);
            }
            KeywordQuery parsed = KeywordQuery.parse(keywords);
            String json = filter == null || filter.isEmpty() ? null : PgJson.write(filter);
            return new Request(query, parsed, k, json, fusion);
        }
    }

    /**
     * The hybrid query. Parameters, bound by {@link #bind}: the query vector, [filter], vector candidates, language,
     * keywords, language, keywords, [filter], keyword candidates, vector weight, k, keyword weight, k, limit,
     * the query vector.
     */
    static String sql(String collection, VectorType type, int dims, Distance distance, boolean filtered) {
        String t = PgSql.quote(collection);
        String q = type == VectorType.VECTOR ? "?::vector(" + dims + ")" : "?::vector(" + dims + ")::halfvec(" + dims + ")";
        String op = " " + PgSql.operator(distance) + " ";
        String tsquery = "websearch_to_tsquery(?::regconfig, ?)";
        String filter = filtered ? " metadata @> ?::jsonb" : "";
        return "WITH nearest AS MATERIALIZED (SELECT id, embedding" + op + q + " AS distance FROM " + t
                + (filtered ? " WHERE" + filter : "") + " ORDER BY distance LIMIT ?), "
                + "vector_list AS (SELECT id, rank() OVER (ORDER BY distance) AS r FROM nearest), "
                + "matches AS MATERIALIZED (SELECT id, ts_rank(" + COLUMN + ", " + tsquery + ", 1) AS score FROM " + t
                + " WHERE " + COLUMN + " @@ " + tsquery + (filtered ? " AND" + filter : "")
                + " ORDER BY score DESC, id COLLATE \"C\" LIMIT ?), "
                + "keyword_list AS (SELECT id, rank() OVER (ORDER BY score DESC) AS r FROM matches), "
                + "fused AS (SELECT coalesce(v.id, w.id) AS item_id, v.r AS vector_rank, w.r AS keyword_rank, "
                + "coalesce(?::float8 / (?::int + v.r), 0) + coalesce(?::float8 / (?::int + w.r), 0) AS fused "
                + "FROM vector_list v FULL JOIN keyword_list w ON w.id = v.id ORDER BY fused DESC, coalesce(v.id, w.id) COLLATE \"C\" LIMIT ?) "
                + "SELECT f.item_id, c.path, c.metadata::text, c.embedding" + op + q + " AS distance, f.vector_rank, "
                + "f.keyword_rank, f.fused FROM fused f JOIN " + t + " c ON c.id = f.item_id ORDER BY f.fused DESC, f.item_id COLLATE \"C\"";
    }

    /** Binds {@code r} to {@link #sql}'s parameters, starting at parameter 1. */
    static void bind(PreparedStatement ps, Request r, String language) throws SQLException {
        RankFusion f = r.fusion();
        PGvector vector = new PGvector(r.query());
        int p = 1;
        ps.setObject(p++, vector);
        if (r.filterJson() != null) {
            ps.setString(p++, r.filterJson());
        }
        ps.setInt(p++, f.vectorWeight() > 0 ? f.candidates() : 0);
        for (int i = 0; i < 2; i++) {
            ps.setString(p++, language);
            ps.setString(p++, r.keywords().websearch());
        }
        if (r.filterJson() != null) {
            ps.setString(p++, r.filterJson());
        }
        ps.setInt(p++, f.keywordWeight() > 0 ? f.candidates() : 0);
        ps.setDouble(p++, f.vectorWeight());
        ps.setInt(p++, f.k());
        ps.setDouble(p++, f.keywordWeight());
        ps.setInt(p++, f.k());
        ps.setInt(p++, r.k());
        ps.setObject(p, vector);
    }

    /**
     * The per-query settings: {@code options}' ef_search (at least the candidates, at most pgvector's 1000) or
     * probes, and iterative index scans, so the index returns all the candidates also under a filter.
     */
    static String settings(SearchOptions options, RankFusion fusion, boolean citus) {
        List<String[]> settings = new ArrayList<>();
        if (options.exact()) {
            settings.add(new String[] {"enable_indexscan", "off"});
        } else {
            int ef = Math.min(RankFusion.MAX_CANDIDATES, Math.max(options.efSearch(), fusion.candidates()));
            settings.add(new String[] {"hnsw.ef_search", Integer.toString(ef)});
            if (options.probes() > 0) {
                settings.add(new String[] {"ivfflat.probes", Integer.toString(options.probes())});
            }
            settings.add(new String[] {"hnsw.iterative_scan", "relaxed_order"});
            settings.add(new String[] {"ivfflat.iterative_scan", "relaxed_order"});
        }
        return PgSql.setLocal(settings, citus);
    }

    /** Runs {@code r} on {@code conn} in one round trip (settings and query), then commits (or rolls back). */
    static List<HybridHit> search(Connection conn, String collection, VectorType type, int dims, Distance distance,
                                  String language, String settings, Request r) throws SQLException {
        String sql = settings + " " + sql(collection, type, dims, distance, r.filterJson() != null);
        List<HybridHit> hits = new ArrayList<>(r.k());
        try (PreparedStatement ps = conn.prepareStatement(sql)) {
            bind(ps, r, language);
            boolean resultSet = ps.execute();
            while (!resultSet) { // the SET LOCALs come first
                if (ps.getUpdateCount() == -1) {
                    throw new SQLException("the hybrid query returned no rows at all");
                }
                resultSet = ps.getMoreResults();
            }
            try (ResultSet rs = ps.getResultSet()) {
                while (rs.next()) {
                    double d = rs.getDouble(4);
                    double score = distance == Distance.COSINE ? 1.0 - d : -d;
                    SearchHit hit = new SearchHit(rs.getString(1), rs.getString(2), score, d, PgJson.read(rs.getString(3)));
                    hits.add(new HybridHit(hit, rs.getInt(5), rs.getInt(6), rs.getDouble(7)));
                }
            }
            conn.commit();
            return hits;
        } catch (SQLException | RuntimeException e) {
            conn.rollback();
            throw e;
        }
    }
}
