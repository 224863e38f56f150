package visionsearch.store;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.postgresql.Driver;

/**
 * A throwaway database on the test server that looks like a Citus coordinator with two workers to the store's SQL
 * (see citus-standin.sql for what it is and is not). Dropped on close.
 */
public final class CitusStandIn implements AutoCloseable {
    private final String database;
    private final String url;

    private CitusStandIn(String database, String url) {
        this.database = database;
        this.url = url;
    }

    /** One call the store made to a Citus function, as the stand-in recorded it. */
    public record Call(String function, String relation, Integer shardCount, String colocateWith, boolean hadLocalRows,
                String multiShardModifyMode) {
    }

    /** Creates the database and the stand-in in it. */
    public static CitusStandIn create() throws SQLException {
        String db = TestDatabase.collection("vs_citus");
        try (Connection c = DatabaseUrl.parse(TestDatabase.url()).connect(); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + db);
        }
        Properties p = Driver.parseURL(TestDatabase.url(), new Properties());
        assertNotNull(p, "parse the test URL");
        String url = "jdbc:postgresql://" + p.getProperty("PGHOST") + ":" + p.getProperty("PGPORT") + "/" + db
                + "?user=" + p.getProperty("user", "postgres");
        CitusStandIn standIn = new CitusStandIn(db, url);
        try (Connection c = standIn.connect(); Statement st = c.createStatement()) {
            st.execute(script());
        } catch (SQLException | RuntimeException e) {
            standIn.close();
            throw e;
        }
        return standIn;
    }

    private static String script() {
        try (InputStream in = CitusStandIn.class.getResourceAsStream("citus-standin.sql")) {
            assertNotNull(in, "citus-standin.sql on the test classpath");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The stand-in database's JDBC URL. */
    public String url() {
        return url;
    }

    Connection connect() throws SQLException {
        return DatabaseUrl.parse(url).connect();
    }

    /** The Citus functions called so far, oldest first. */
    public List<Call> calls() throws SQLException {
        List<Call> out = new ArrayList<>();
        try (Connection c = connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT function, relation, shard_count, colocate_with, had_local_rows, "
                     + "multi_shard_modify_mode FROM citus.standin_calls ORDER BY call")) {
            while (rs.next()) {
                out.add(new Call(rs.getString(1), rs.getString(2), (Integer) rs.getObject(3), rs.getString(4),
                        rs.getBoolean(5), rs.getString(6)));
            }
        }
        return out;
    }

    /** The first column of the first row of {@code sql}, as text (null if none). */
    public String query(String sql) throws SQLException {
        try (Connection c = connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    /** Runs {@code sql} in the stand-in database. */
    public void execute(String sql) throws SQLException {
        try (Connection c = connect(); Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    @Override
    public void close() throws SQLException {
        try (Connection c = DatabaseUrl.parse(TestDatabase.url()).connect(); Statement st = c.createStatement()) {
            st.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
        }
    }
}
