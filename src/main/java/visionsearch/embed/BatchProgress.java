package visionsearch.embed;

/** Receives progress of a batch: how many items are done out of how many. */
@FunctionalInterface
public interface BatchProgress {
    /** Ignores progress. */
    BatchProgress NONE = (done, total) -> { };

    /** Called after each item finishes (successfully or not); may be called from several threads. */
    void update(int done, int total);
}
