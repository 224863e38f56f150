package visionsearch.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class DatabaseUrlTest {

    static Stream<Arguments> urls() {
        return Stream.of(
                Arguments.of("Azure libpq URL", "postgresql://citus:s3cr%40t@c-x.postgres.cosmos.azure.com:5432/citus?sslmode=require",
                        "jdbc:postgresql://c-x.postgres.cosmos.azure.com:5432/citus", "citus", "s3cr@t", "require"),
                Arguments.of("postgres scheme, raw @ in password", "postgres://u:p@ss@localhost/db",
                        "jdbc:postgresql://localhost/db", "u", "p@ss", null),
                Arguments.of("no user", "postgresql://db.example:6432/app", "jdbc:postgresql://db.example:6432/app", null, null, null),
                Arguments.of("user only", "postgresql://alice@localhost:5432/app", "jdbc:postgresql://localhost:5432/app",
                        "alice", null, null),
                Arguments.of("JDBC URL unchanged", "jdbc:postgresql://h:1/d?user=u&password=pw",
                        "jdbc:postgresql://h:1/d?user=u&password=pw", null, null, null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("urls")
    void convertsAndHidesThePassword(String name, String input, String jdbc, String user, String password, String sslmode) {
        DatabaseUrl url = DatabaseUrl.parse(input);
        assertEquals(jdbc, url.jdbcUrl());
        assertEquals(user, url.properties().getProperty("user"));
        assertEquals(password, url.properties().getProperty("password"));
        assertEquals(sslmode, url.properties().getProperty("sslmode"));
        for (String secret : new String[] {"s3cr", "p@ss", "pw"}) {
            assertFalse(url.toString().contains(secret), url.toString());
        }
    }

    @ParameterizedTest
    @MethodSource("bad")
    void rejectsOtherSchemesWithoutEchoingSecrets(String input) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DatabaseUrl.parse(input));
        assertTrue(e.getMessage().contains("postgresql://"), e.getMessage());
        assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
    }

    static Stream<String> bad() {
        return Stream.of("mysql://root:hunter2@localhost/db", "localhost:5432", "");
    }
}
