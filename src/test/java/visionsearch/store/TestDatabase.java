package visionsearch.store;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/** The throwaway PostgreSQL + pgvector that scripts/test.sh starts, for tests in any package. */
public final class TestDatabase {
    /** The environment variable scripts/test.sh sets to the cluster's JDBC URL. */
    public static final String ENV = "VISION_SEARCH_TEST_DATABASE_URL";

    private TestDatabase() {
    }

    /** Returns the test database's JDBC URL, failing the test (never skipping) when it is not set. */
    public static String url() {
        String url = System.getenv(ENV);
        if (url == null || url.isBlank()) {
            fail(ENV + " is not set: run the tests with scripts/test.sh, which installs pgvector and starts a "
                    + "throwaway PostgreSQL (or start one with scripts/pg.sh start and export " + ENV
                    + "=$(scripts/pg.sh url))");
        }
        return url;
    }

    /** Returns a fresh collection name with the given prefix, so tests never share tables. */
    public static String collection(String prefix) {
        return (prefix + "_" + Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36))
                .toLowerCase(Locale.ROOT);
    }
}
