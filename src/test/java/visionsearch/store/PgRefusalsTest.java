package visionsearch.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.Driver;

/** Opening refused before anything is created, on the real test PostgreSQL, in a fresh database per test. */
class PgRefusalsTest {
    private static final String MODEL = "test:model";
    private String db;
    private String role;

    @BeforeEach
    void freshDatabase() throws SQLException {
        db = TestDatabase.collection("vs_refuse");
        role = TestDatabase.collection("vs_user");
        try (Connection c = DatabaseUrl.parse(TestDatabase.url()).connect(); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + db);
            st.execute("CREATE ROLE " + role + " LOGIN");
        }
        try (Connection c = DatabaseUrl.parse(url("postgres")).connect(); Statement st = c.createStatement()) {
            st.execute("CREATE EXTENSION vector"); // so the refusal is about tables, not the extension
        }
    }

    @AfterEach
    void dropDatabase() throws SQLException {
        try (Connection c = DatabaseUrl.parse(TestDatabase.url()).connect(); Statement st = c.createStatement()) {
            st.execute("DROP DATABASE IF EXISTS " + db + " WITH (FORCE)");
            st.execute("DROP ROLE IF EXISTS " + role);
        }
    }

    private String url(String user) throws SQLException {
        Properties p = Driver.parseURL(TestDatabase.url(), new Properties());
        assertNotNull(p, "parse the test URL");
        return "jdbc:postgresql://" + p.getProperty("PGHOST") + ":" + p.getProperty("PGPORT") + "/" + db + "?user=" + user;
    }

    private boolean exists(String table) throws SQLException {
        try (Connection c = DatabaseUrl.parse(url("postgres")).connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT to_regclass('" + table + "') IS NOT NULL")) {
            rs.next();
            return rs.getBoolean(1);
        }
    }

    @Test
    void distributedWithoutCitusCreatesNoTableAndNoMetadata() throws SQLException {
        VectorStoreException e = assertThrows(VectorStoreException.class, () -> PgVectorStore.builder(url("postgres"))
                .collection("images").model(MODEL, 4).distributed(true).build());
        assertTrue(e.getMessage().contains("citus extension") && e.getMessage().contains("nothing was created"),
                e.getMessage());
        assertFalse(exists("images"), "no collection table");
        assertFalse(exists("vision_search_collections"), "no metadata table either");

        try (PgVectorStore other = PgVectorStore.builder(url("postgres")).collection("other").model(MODEL, 4).build()) {
            assertFalse(other.distributed());
        }
        assertThrows(VectorStoreException.class, () -> PgVectorStore.builder(url("postgres")).collection("images")
                .model(MODEL, 4).distributed(true).build());
        assertFalse(exists("images"), "still no collection table with the metadata table present");
        try (Connection c = DatabaseUrl.parse(url("postgres")).connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM vision_search_collections WHERE collection = 'images'")) {
            rs.next();
            assertEquals(0, rs.getInt(1), "no metadata row");
        }
    }

    @Test
    void aUserWhoMayNotCreateTablesIsToldWhatToGrantAndNothingIsCreated() throws SQLException {
        // PostgreSQL 15 and later give PUBLIC no CREATE on schema public; make it so on any version.
        try (Connection c = DatabaseUrl.parse(url("postgres")).connect(); Statement st = c.createStatement()) {
            st.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC");
        }
        VectorStoreException e = assertThrows(VectorStoreException.class, () -> PgVectorStore.builder(url(role))
                .collection("images").model(MODEL, 4).build());
        assertEquals("42501", e.sqlState());
        assertTrue(e.getMessage().contains("GRANT CREATE ON SCHEMA \"public\" TO \"" + role + "\"")
                && e.getMessage().contains("nothing was created"), e.getMessage());
        assertFalse(exists("vision_search_collections"));

        try (Connection c = DatabaseUrl.parse(url("postgres")).connect(); Statement st = c.createStatement()) {
            st.execute("GRANT CREATE ON SCHEMA public TO " + role);
        }
        try (PgVectorStore store = PgVectorStore.builder(url(role)).collection("images").model(MODEL, 4).build()) {
            assertEquals(0, store.count(), "after the grant it opens");
        }
    }

    @Test
    void aMetadataTableFromBeforeCitusDetectionGetsItsNewColumns() throws SQLException {
        try (Connection c = DatabaseUrl.parse(url("postgres")).connect(); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE vision_search_collections (collection text PRIMARY KEY, model_id text NOT NULL, "
                    + "dimensions integer NOT NULL, distance text NOT NULL, vector_type text NOT NULL, "
                    + "created_at timestamptz NOT NULL DEFAULT now())");
        }
        try (PgVectorStore store = PgVectorStore.builder(url("postgres")).collection("images").model(MODEL, 4).build()) {
            assertFalse(store.distributed());
        }
        try (Connection c = DatabaseUrl.parse(url("postgres")).connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT distributed, shard_count FROM vision_search_collections")) {
            assertTrue(rs.next());
            assertFalse(rs.getBoolean(1));
            assertEquals(0, rs.getInt(2));
        }
    }
}
