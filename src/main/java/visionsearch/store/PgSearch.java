package visionsearch.store;

import com.pgvector.PGvector;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The nearest-neighbour query of {@link PgVectorStore} with its per-query settings ({@code SET LOCAL} in the
 * query's transaction; on Citus also sent to the shards' connections).
 */
final class PgSearch {
    private final Connection conn;
    private final String collection;
    private final VectorType type;
    private final int dimensions;
    private final Distance distance;
    private final boolean distributed;

    PgSearch(Connection conn, String collection, VectorType type, int dimensions, Distance distance,
             boolean distributed) {
        this.conn = conn;
        this.collection = collection;
        this.type = type;
        this.dimensions = dimensions;
        this.distance = distance;
        this.distributed = distributed;
    }

    /** Up to {@code k} hits nearest to {@code query}, among rows containing {@code filterJson} if not null; commits. */
    List<SearchHit> nearest(float[] query, int k, String filterJson, SearchOptions options) throws SQLException {
        applyOptions(options, filterJson != null);
        List<SearchHit> hits = new ArrayList<>(k);
        try (PreparedStatement ps = searchStatement("", query, k, filterJson)) {
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    double d = rs.getDouble(4);
                    double score = distance == Distance.COSINE ? 1.0 - d : -d;
                    hits.add(new SearchHit(rs.getString(1), rs.getString(2), score, d, PgJson.read(rs.getString(3))));
                }
            }
        }
        conn.commit();
        return hits;
    }

    /** The nearest-neighbour query, after {@code prefix}, with the vector, the filter if any, and {@code k} bound. */
    private PreparedStatement searchStatement(String prefix, float[] query, int k, String filterJson)
            throws SQLException {
        PreparedStatement ps = conn.prepareStatement(prefix
                + PgSql.search(collection, type, dimensions, distance, filterJson != null));
        try {
            int p = 1;
            ps.setObject(p++, new PGvector(query));
            if (filterJson != null) {
                ps.setString(p++, filterJson);
            }
            ps.setInt(p, k);
            return ps;
        } catch (SQLException | RuntimeException e) {
            ps.close();
            throw e;
        }
    }

    /** PostgreSQL's plan for {@link #nearest} with the same arguments (EXPLAIN without costs; the vector as $1); commits. */
    List<String> plan(float[] query, int k, String filterJson, SearchOptions options) throws SQLException {
        applyOptions(options, filterJson != null);
        List<String> plan = new ArrayList<>();
        try (PreparedStatement ps = searchStatement("EXPLAIN (COSTS OFF) ", query, k, filterJson)) {
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    // The planner shows the bound query vector in full: it is the parameter, $1.
                    plan.add(rs.getString(1).replaceAll("'\\[[-+0-9.,eE]*\\]'(::vector(\\(\\d+\\))?)?", "\\$1"));
                }
            }
        }
        conn.commit();
        return plan;
    }

    private void applyOptions(SearchOptions options, boolean filtered) throws SQLException {
        List<String[]> settings = new ArrayList<>();
        if (options.exact()) {
            settings.add(new String[] {"enable_indexscan", "off"});
        } else {
            if (options.efSearch() > 0) {
                settings.add(new String[] {"hnsw.ef_search", Integer.toString(options.efSearch())});
            }
            if (options.probes() > 0) {
                settings.add(new String[] {"ivfflat.probes", Integer.toString(options.probes())});
            }
            if (filtered) {
                settings.add(new String[] {"hnsw.iterative_scan", "relaxed_order"});
                settings.add(new String[] {"ivfflat.iterative_scan", "relaxed_order"});
            }
        }
        if (settings.isEmpty()) {
            return;
        }
        try (Statement st = conn.createStatement()) {
            st.execute(PgSql.setLocal(settings, distributed));
        }
    }
}
