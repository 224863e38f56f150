package visionsearch.store;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Objects;
import java.util.Properties;

/**
 * A PostgreSQL address given as a JDBC URL ({@code jdbc:postgresql://host:5432/db?user=u&password=p}) or a
 * libpq URL ({@code postgresql://user:pass@host:5432/db?sslmode=require}, as Azure's portal shows it),
 * turned into a JDBC URL plus connection properties.
 *
 * <p>{@link #toString()} and every message leave the password out.
 */
public final class DatabaseUrl {
    private final String jdbcUrl;
    private final Properties properties;
    private final String redacted;

    private DatabaseUrl(String jdbcUrl, Properties properties, String redacted) {
        this.jdbcUrl = jdbcUrl;
        this.properties = properties;
        this.redacted = redacted;
    }

    /**
     * Parses a JDBC or libpq URL.
     *
     * @throws IllegalArgumentException if it is neither (the message shows the expected forms, never the password)
     */
    public static DatabaseUrl parse(String url) {
        Objects.requireNonNull(url, "url");
        String u = url.trim();
        if (u.startsWith("jdbc:postgresql:")) {
            return new DatabaseUrl(u, new Properties(), redactJdbc(u));
        }
        String rest;
        if (u.startsWith("postgresql://")) {
            rest = u.substring("postgresql://".length());
        } else if (u.startsWith("postgres://")) {
            rest = u.substring("postgres://".length());
        } else {
            throw new IllegalArgumentException("not a PostgreSQL URL: expected jdbc:postgresql://host:port/db?user=... "
                    + "or postgresql://user:password@host:port/db?sslmode=require, got one starting '"
                    + u.substring(0, Math.min(u.length(), 12)) + "...'");
        }
        Properties props = new Properties();
        // The last '@' before the query string ends the user info, so a raw '@' or '/' in a password still works.
        int queryStart = rest.indexOf('?');
        int at = (queryStart >= 0 ? rest.substring(0, queryStart) : rest).lastIndexOf('@');
        if (at >= 0) {
            String userInfo = rest.substring(0, at);
            rest = rest.substring(at + 1);
            int colon = userInfo.indexOf(':');
            String user = colon >= 0 ? userInfo.substring(0, colon) : userInfo;
            if (!user.isEmpty()) {
                props.setProperty("user", decode(user));
            }
            if (colon >= 0) {
                props.setProperty("password", decode(userInfo.substring(colon + 1)));
            }
        }
        int q = rest.indexOf('?');
        String query = q >= 0 ? rest.substring(q + 1) : "";
        String hostAndDb = q >= 0 ? rest.substring(0, q) : rest;
        int slash = hostAndDb.indexOf('/');
        String hosts = slash >= 0 ? hostAndDb.substring(0, slash) : hostAndDb;
        String db = slash >= 0 ? decode(hostAndDb.substring(slash + 1)) : "";
        if (hosts.isEmpty()) {
            hosts = "localhost";
        }
        StringBuilder jdbc = new StringBuilder("jdbc:postgresql://").append(hosts).append('/').append(db);
        StringBuilder shown = new StringBuilder(jdbc);
        if (!query.isEmpty()) {
            String sep = "?";
            for (String pair : query.split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String key = decode(eq >= 0 ? pair.substring(0, eq) : pair);
                String value = eq >= 0 ? decode(pair.substring(eq + 1)) : "";
                if (key.equals("user") || key.equals("password")) {
                    props.setProperty(key, value);
                } else {
                    props.setProperty(key, value);
                    shown.append(sep).append(key).append('=').append(value);
                    sep = "&";
                }
            }
        }
        if (props.containsKey("user")) {
            shown.append(" (user ").append(props.getProperty("user")).append(')');
        }
        return new DatabaseUrl(jdbc.toString(), props, shown.toString());
    }

    /** Returns the JDBC URL (without the user and password of a libpq URL, which are in {@link #properties()}). */
    public String jdbcUrl() {
        return jdbcUrl;
    }

    /** Returns a copy of the connection properties (user, password, sslmode, ...). */
    public Properties properties() {
        Properties copy = new Properties();
        copy.putAll(properties);
        return copy;
    }

    /** Opens a new JDBC connection; the caller closes it. */
    public Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl, properties);
    }

    /** Returns the URL without its password, for messages and logs. */
    @Override
    public String toString() {
        return redacted;
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    static String redactJdbc(String url) {
        return url.replaceAll("(?i)(password=)[^&;]*", "$1***");
    }
}
