package visionsearch.store;

import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The one JDBC connection of a {@link PgVectorStore}: calls are serialised, refused after close, and database
 * errors become {@link VectorStoreException}s that name the collection, the server and the SQLSTATE.
 */
final class PgSession {
    private final DatabaseUrl url;
    private final String collection;
    private final ReentrantLock lock = new ReentrantLock();
    private final Connection conn;
    private volatile boolean closed;

    private PgSession(DatabaseUrl url, String collection, Connection conn) {
        this.url = url;
        this.collection = collection;
        this.conn = conn;
    }

    /** Connects to {@code url} for {@code collection}, saying what to check when the server cannot be reached. */
    static PgSession connect(DatabaseUrl url, String collection) {
        try {
            return new PgSession(url, collection, url.connect());
        } catch (SQLException e) {
            throw new VectorStoreException("cannot connect to PostgreSQL at " + url + ": " + e.getMessage()
                    + " (check DATABASE_URL, that the server runs and accepts this user)", e.getSQLState(), e);
        }
    }

    Connection connection() {
        return conn;
    }

    /** Work on the connection that may fail with SQL or I/O errors. */
    interface SqlWork<T> {
        T run() throws SQLException, IOException;
    }

    /** Runs {@code work} holding the connection, turning its errors into {@link VectorStoreException}s. */
    <T> T run(SqlWork<T> work) {
        lock.lock();
        try {
            if (closed) {
                throw new IllegalStateException("the pgvector store for collection '" + collection + "' is closed");
            }
            return work.run();
        } catch (SQLException e) {
            throw fail("on collection '" + collection + "'", e);
        } catch (IOException e) {
            throw new VectorStoreException("writing to collection '" + collection + "' failed: " + e.getMessage(), null, e);
        } finally {
            lock.unlock();
        }
    }

    VectorStoreException fail(String context, SQLException e) {
        return new VectorStoreException("PostgreSQL error " + context + " at " + url + ": " + e.getMessage()
                + " (SQLSTATE " + e.getSQLState() + ")", e.getSQLState(), e);
    }

    void rollbackQuietly() {
        try {
            conn.rollback();
        } catch (SQLException ignored) {
            // the original error matters more
        }
    }

    /** Closes the connection; later calls to {@link #run} throw {@link IllegalStateException}. */
    void close() {
        lock.lock();
        try {
            closed = true;
            closeQuietly();
        } finally {
            lock.unlock();
        }
    }

    void closeQuietly() {
        try {
            conn.close();
        } catch (SQLException ignored) {
            // closing anyway
        }
    }
}
