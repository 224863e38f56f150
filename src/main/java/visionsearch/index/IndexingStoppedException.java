package visionsearch.index;

import java.util.Objects;

/**
 * An indexing run stopped before the end: it was cancelled, the embedder failed for many images in
 * a row (a wrong key, a service outage), the store failed, or the embedder's model is not the store's.
 *
 * <p>Nothing written before is lost: {@link #summary()} says what the run did up to the stop, and a
 * rerun skips what is stored. {@link #getCause()} is the embedder's or the store's own exception, if any.
 */
public final class IndexingStoppedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient IndexSummary summary;
    private final boolean cancelled;

    IndexingStoppedException(String message, Throwable cause, IndexSummary summary, boolean cancelled) {
        super(message, cause);
        this.summary = Objects.requireNonNull(summary, "summary");
        this.cancelled = cancelled;
    }

    /** Returns what the run did before it stopped. */
    public IndexSummary summary() {
        return summary;
    }

    /** Returns true if the run stopped because it was cancelled ({@link Indexer#cancel()} or an interrupt). */
    public boolean cancelled() {
        return cancelled;
    }
}
