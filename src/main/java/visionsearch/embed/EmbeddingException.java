package visionsearch.embed;

/**
 * An embedder failed for a reason other than bad input: a remote service error, a model that
 * cannot be loaded or run. {@link #retryable()} says whether trying again could help.
 */
public class EmbeddingException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final boolean retryable;

    /** Creates the exception. */
    public EmbeddingException(String message, boolean retryable, Throwable cause) {
        super(message, cause);
        this.retryable = retryable;
    }

    /** Returns true if the same call might succeed later (rate limit, server fault, dropped connection). */
    public boolean retryable() {
        return retryable;
    }
}
