package visionsearch.embed;

/**
 * How a pipeline keeps an {@link Embedder} busy: how many images to hand it per call and how many
 * calls to keep in flight at once (see {@link Embedder#callPlan()}).
 *
 * <p>With {@code imagesPerCall == 1} the pipeline calls {@link Embedder#embedImage(ImageInput)} from
 * {@code inFlight} threads; otherwise {@link Embedder#embedImages} with up to {@code imagesPerCall}
 * images from {@code inFlight} threads.
 *
 * @param imagesPerCall images per call, at least 1
 * @param inFlight      calls at once, at least 1
 */
public record CallPlan(int imagesPerCall, int inFlight) {
    /**
     * The plan for a remote service that paces its own calls: one image per call, 16 in flight. At a
     * limit of 20 calls/s and 150 ms of latency 3 calls keep the limit busy; the rest cover calls
     * waiting out a {@code Retry-After} or a backoff, so that a retried image never holds the others back.
     */
    public static final CallPlan REMOTE = new CallPlan(1, 16);

    /** Checks both are at least 1. */
    public CallPlan {
        if (imagesPerCall < 1) {
            throw new IllegalArgumentException("imagesPerCall must be at least 1, got " + imagesPerCall);
        }
        if (inFlight < 1) {
            throw new IllegalArgumentException("inFlight must be at least 1, got " + inFlight);
        }
    }
}
