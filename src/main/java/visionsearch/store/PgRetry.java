package visionsearch.store;

import java.sql.SQLException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

/**
 * How a batch write survives other writers: which errors mean "run the transaction again" and how long to wait
 * first (bounded, exponential, jittered so two writers that collided do not collide again).
 *
 * <p>PostgreSQL reports a deadlock as SQLSTATE {@code 40P01} and a serialization failure as {@code 40001}; Citus
 * cancels one transaction of a distributed deadlock with {@code 40P01} ("canceling the transaction since it was
 * involved in a distributed deadlock"). A shard's error during a {@code COPY} into a distributed table reaches the
 * client with the shard's message but SQLSTATE {@code XX000} (Citus's {@code ReportCopyError} keeps no code), so
 * those are recognised by their message, and a duplicate key by the constraint it names: the collection's primary
 * key, with the shard id Citus appends to names on shards ({@code images_pkey_102008}).
 *
 * @param attempts   tries in all (at least 1)
 * @param baseMillis the wait before the first retry, doubled for each further one
 * @param capMillis  the longest wait
 */
record PgRetry(int attempts, long baseMillis, long capMillis) {
    /** Six tries, waits of 25-50 ms doubling up to 1-2 s: about 4 s in all before giving up. */
    static final PgRetry DEFAULT = new PgRetry(6, 50, 2000);

    private static final Pattern DUPLICATE = Pattern.compile("duplicate key value violates unique constraint \"(.+)\"");
    /** Citus's suffix on a shard's object names: {@code _<shardid>}, with {@code _<8 hex hash>} before it when truncated. */
    private static final Pattern SHARD_SUFFIX = Pattern.compile("(.+?)(_[0-9a-f]{8})?_[0-9]+");

    PgRetry {
        if (attempts < 1 || baseMillis < 0 || capMillis < baseMillis) {
            throw new IllegalArgumentException("retry needs attempts >= 1 and 0 <= base <= cap, got " + attempts + ", "
                    + baseMillis + ", " + capMillis);
        }
    }

    /** The wait after failed attempt {@code attempt} (1-based): half to all of {@code min(cap, base * 2^(attempt-1))}. */
    long delayMillis(int attempt, double random) {
        long full = Math.min(capMillis, baseMillis << Math.min(20, attempt - 1));
        return (long) (full * (0.5 + 0.5 * random));
    }

    /** True if running the same transaction again can succeed: a deadlock or a serialization failure. */
    static boolean retryable(SQLException e) {
        String state = e.getSQLState();
        if ("40P01".equals(state) || "40001".equals(state)) {
            return true;
        }
        if (!"XX000".equals(state)) {
            return false;
        }
        String m = primaryMessage(e);
        return m.startsWith("deadlock detected") || m.startsWith("could not serialize access")
                || m.startsWith("canceling the transaction since it was involved in a distributed deadlock");
    }

    /**
     * True if {@code e} says a row with one of the batch's ids already exists: {@code 23505}, or Citus's
     * {@code XX000} naming {@code primaryKey} (the collection's primary key constraint) or one of its shard copies.
     */
    static boolean duplicateKey(SQLException e, String primaryKey) {
        if ("23505".equals(e.getSQLState())) {
            return true;
        }
        if (!"XX000".equals(e.getSQLState()) || primaryKey == null) {
            return false;
        }
        Matcher m = DUPLICATE.matcher(primaryMessage(e));
        if (!m.lookingAt()) {
            return false;
        }
        String name = m.group(1);
        if (name.equals(primaryKey)) {
            return true;
        }
        Matcher shard = SHARD_SUFFIX.matcher(name);
        return shard.matches() && (shard.group(1).equals(primaryKey)
                || (shard.group(2) != null && primaryKey.startsWith(shard.group(1))));
    }

    /** The server's primary message (without "ERROR:", detail or hint), or the exception's message. */
    static String primaryMessage(SQLException e) {
        if (e instanceof PSQLException p) {
            ServerErrorMessage server = p.getServerErrorMessage();
            if (server != null && server.getMessage() != null) {
                return server.getMessage();
            }
        }
        String m = e.getMessage();
        return m == null ? "" : m.startsWith("ERROR: ") ? m.substring(7) : m;
    }
}
