package visionsearch.embed.azure;

import java.util.concurrent.locks.LockSupport;

/**
 * Paces call starts so that a server counting calls in any sliding window never sees more than
 * the configured rate from this client, shared by every thread that calls {@link #acquire(long)}.
 *
 * <p>Two rules, both must allow a grant:
 * <ul>
 *   <li><b>The window</b> (the safety rule): it keeps the times at which the last {@code limit} slots
 *       were granted, and grants a new slot only when the oldest of them lies at least one window
 *       plus the margin ({@link #MARGIN_NANOS} by default) in the past. The window is one second
 *       ({@code limit = floor(rate)}), or {@code 1 / rate} seconds with a limit of one call for rates
 *       under one call per second (F0: one call every 3 s). Times are recorded when a slot is
 *       actually granted, after any wait, so a thread that wakes up late does not shorten the gap to
 *       the next, and moved to when the request has been written out ({@link #sent(long)}), so a
 *       request held up on its way (a JVM pause, a large body) keeps its place for a window from
 *       then, and to when the server can have counted it at the latest if its answer shows that the
 *       server held it up ({@link #answered(long)}); the margin absorbs the rest of the jitter between the client and the server's arrival
 *       count (the network, the server's scheduling). The slot leaving the window is the one taken
 *       {@code limit} slots ago: a server then never counts more than {@code limit} in a window, in
 *       whatever order the requests arrive.</li>
 *   <li><b>The spread</b>: grants follow an even schedule of one per step of {@code (window +
 *       margin) / limit} (52.5 ms for S1); a grant may go half a step ahead of it, so a thread that
 *       woke up a little late costs no throughput, and two grants are never less than half a step
 *       apart. A caller that was idle does not catch up: the schedule starts again from now. Without
 *       the spread the window rule sends a whole window's slots at once (16 calls in the same
 *       millisecond when 16 are in flight) and repeats that burst every window; a server that takes
 *       in such a burst counts some of it tens of milliseconds late. Measured with `IndexBenchmark
 *       once` on a loaded 2-core machine: 2 to 13 of about 1,080 calls over the server's limit per run
 *       with the window rule alone, 4 when an idle caller could catch up on a quarter of a window at
 *       twice the rate (the burst comes back), 0 in six runs with the spread as it is.</li>
 * </ul>
 * The cost of the margin is a steady rate of {@code limit / (window + margin)}: 19.05 calls/s for S1
 * with the default 50 ms. No pacing can do better: a client sending at a share {@code s} of the
 * limit tolerates at most {@code (1 / s - 1)} of a window of jitter (5.3 % of a second at 95 %).
 */
final class RateLimiter {
    /** How far past one window the oldest remembered slot must lie, by default: 50 ms. */
    static final long MARGIN_NANOS = 50_000_000L;

    /** The time source and the way to wait; {@link #SYSTEM} outside tests. */
    interface Ticker {
        long nanoTime();

        /** Waits about {@code nanos}; may return early. */
        void sleep(long nanos) throws InterruptedException;
    }

    static final Ticker SYSTEM = new Ticker() {
        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public void sleep(long nanos) throws InterruptedException {
            LockSupport.parkNanos(nanos);
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
        }
    };

    private final double ratePerSecond;
    private final int limit;
    private final long spanNanos;
    private final Ticker ticker;
    /** No slot before the deadline; see {@link #take(long)}. */
    static final long NO_SLOT = -1;

    /** Grant times of the last {@code limit} slots (or when their request was sent), a ring; {@code next} is the oldest once full. */
    private final long[] granted;
    /** The number of the slot at each place of the ring. */
    private final long[] numbers;
    /** Slots taken so far: the next slot's number. */
    private long taken;
    /** How much later than the fastest answer seen an answer must be to mean the server held the request up. */
    static final long STALL_NANOS = 100_000_000L;
    /** The shortest time from a request written out to its answer, so far. */
    private long fastest = Long.MAX_VALUE;
    private int count;
    private int next;
    /** One step of the even schedule: the window and margin spread over its slots. */
    private final long stepNanos;
    /** The even time of the next grant (the "theoretical arrival time" of a cell-rate algorithm). */
    private long evenAt;

    private RateLimiter(double ratePerSecond, long marginNanos, Ticker ticker) {
        this.ratePerSecond = ratePerSecond;
        this.ticker = ticker;
        if (Double.isInfinite(ratePerSecond)) {
            this.limit = 0;
            this.spanNanos = 0;
        } else if (ratePerSecond >= 1) {
            this.limit = (int) Math.min(Math.floor(ratePerSecond), 1_000_000);
            this.spanNanos = 1_000_000_000L + marginNanos;
        } else {
            this.limit = 1;
            this.spanNanos = (long) Math.ceil(1e9 / ratePerSecond) + marginNanos;
        }
        this.granted = new long[limit];
        this.numbers = new long[limit];
        this.stepNanos = limit == 0 ? 0 : spanNanos / limit;
    }

    /** A limiter of {@code ratePerSecond} calls per second; {@code Double.POSITIVE_INFINITY} means no limit. */
    static RateLimiter perSecond(double ratePerSecond, java.time.Duration margin) {
        return create(ratePerSecond, margin.toNanos(), SYSTEM);
    }

    /** A limiter with its own margin and time source, for tests. */
    static RateLimiter create(double ratePerSecond, long marginNanos, Ticker ticker) {
        if (!(ratePerSecond > 0)) {
            throw new IllegalArgumentException("rate must be a positive number of calls per second, got " + ratePerSecond);
        }
        return new RateLimiter(ratePerSecond, marginNanos, ticker);
    }

    double ratePerSecond() {
        return ratePerSecond;
    }

    /** As {@link #take(long)}, for callers that do not say when the request was sent. */
    boolean acquire(long deadlineNanos) throws InterruptedException {
        return take(deadlineNanos) != NO_SLOT;
    }

    /**
     * Waits for a slot and takes it; call it right before the request is written, and {@link #sent(long)}
     * once it is.
     *
     * @param deadlineNanos a {@link Ticker#nanoTime()} value; if no slot frees up by then, none is taken
     * @return the slot's number, or {@link #NO_SLOT} if no slot frees up before the deadline (nothing was taken)
     * @throws InterruptedException if interrupted while waiting (nothing was taken)
     */
    long take(long deadlineNanos) throws InterruptedException {
        if (limit == 0) {
            return 0;
        }
        while (true) {
            long wait;
            synchronized (this) {
                long now = ticker.nanoTime();
                long free = count < limit ? now : granted[next] + spanNanos;
                if (count > 0 && evenAt - stepNanos / 2 - free > 0) {
                    free = evenAt - stepNanos / 2;
                }
                if (free - now <= 0) {
                    granted[next] = now;
                    numbers[next] = taken;
                    // Behind the schedule (a first call, or no caller for a while): it starts again from now.
                    evenAt = (count == 0 || now - evenAt > 0 ? now : evenAt) + stepNanos;
                    next = (next + 1) % limit;
                    count = Math.min(count + 1, limit);
                    return taken++;
                }
                if (free - deadlineNanos > 0) {
                    return NO_SLOT;
                }
                wait = free - now;
            }
            // Outside the lock: other threads may take the slot first; the loop then waits for the next.
            ticker.sleep(wait);
        }
    }

    /**
     * Says that the request of slot {@code number} has been written out, now: the slot then counts from
     * now in the window rule, so a request held up between its slot and the wire (a pause of the JVM, a
     * large body, a busy machine) cannot arrive within one window of a later slot's. A slot that has
     * already left the window is ignored.
     */
    synchronized void sent(long number) {
        int at = placeOf(number);
        long now = ticker.nanoTime();
        if (at >= 0 && now - granted[at] > 0) {
            granted[at] = now;
        }
    }

    /** Where slot {@code number} is in the ring, or -1 if it has left the window (or there is no limit). */
    private int placeOf(long number) {
        if (limit == 0 || number < 0) {
            return -1;
        }
        int at = (int) (number % limit);
        return numbers[at] == number ? at : -1;
    }

    /**
     * Says that the answer to slot {@code number}'s request has arrived, now. A server counts a request
     * somewhere between its sending and its answer; the fastest answer seen so far tells how long a
     * server takes at least after counting. An answer later than that by more than {@link #STALL_NANOS}
     * means the server held the request up (a stall, a queue) and may have counted it late: the slot
     * then counts from {@code now - fastest}, the latest the server can have counted it, so the requests
     * it took in together after a stall are not followed by a full window of new ones.
     */
    synchronized void answered(long number) {
        int at = placeOf(number);
        if (at < 0) {
            return;
        }
        long now = ticker.nanoTime();
        long took = now - granted[at];
        fastest = Math.min(fastest, took);
        if (took - fastest > STALL_NANOS && now - fastest - granted[at] > 0) {
            granted[at] = now - fastest;
        }
    }

    @Override
    public String toString() {
        if (limit == 0) {
            return "unlimited";
        }
        return String.format(java.util.Locale.ROOT, "%.3f calls/s: at most %d in any %.2f s, one per %.1f ms",
                ratePerSecond, limit, spanNanos / 1e9, stepNanos / 1e6);
    }
}
