package visionsearch.store;

/**
 * A store operation failed: a database error, a store file that is corrupt or was written for
 * another model, or a store opened for a model or dimension other than the one it holds.
 *
 * <p>{@link #sqlState()} carries PostgreSQL's SQLSTATE when the database reported the error (for
 * example {@code 0A000} or {@code 58P01} for a missing extension), else {@code null}.
 */
public final class VectorStoreException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** PostgreSQL's five-character SQLSTATE, or null. */
    private final String sqlState;

    /** Creates an exception with a message and no cause. */
    public VectorStoreException(String message) {
        this(message, null, null);
    }

    /** Creates an exception with a message, the database's SQLSTATE (or null) and the cause (or null). */
    public VectorStoreException(String message, String sqlState, Throwable cause) {
        super(message, cause);
        this.sqlState = sqlState;
    }

    /** Returns PostgreSQL's SQLSTATE for this error, or null when it did not come from the database. */
    public String sqlState() {
        return sqlState;
    }
}
