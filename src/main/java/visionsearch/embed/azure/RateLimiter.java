package visionsearch.embed.azure;

/**
 * Spaces call starts evenly: at most one start every {@code 1 / ratePerSecond} seconds, shared by
 * every thread that calls {@link #acquire(long)}. No bursts: a client that has been idle does not
 * earn extra calls, so the server never sees more than the configured rate in any window.
 */
final class RateLimiter {
    private final double ratePerSecond;
    private final long intervalNanos;
    private long nextFreeNanos;

    private RateLimiter(double ratePerSecond) {
        this.ratePerSecond = ratePerSecond;
        this.intervalNanos = Double.isInfinite(ratePerSecond) ? 0 : (long) Math.ceil(1e9 / ratePerSecond);
        this.nextFreeNanos = System.nanoTime();
    }

    /** A limiter of {@code ratePerSecond} calls per second; {@code Double.POSITIVE_INFINITY} means no limit. */
    static RateLimiter perSecond(double ratePerSecond) {
        if (!(ratePerSecond > 0)) {
            throw new IllegalArgumentException("rate must be a positive number of calls per second, got " + ratePerSecond);
        }
        return new RateLimiter(ratePerSecond);
    }

    double ratePerSecond() {
        return ratePerSecond;
    }

    /**
     * Waits for this caller's slot.
     *
     * @param deadlineNanos a {@link System#nanoTime()} value; if the slot would start after it, no slot is taken
     * @return false if the slot lies beyond the deadline (nothing was reserved)
     * @throws InterruptedException if interrupted while waiting (the reserved slot is then wasted)
     */
    boolean acquire(long deadlineNanos) throws InterruptedException {
        if (intervalNanos == 0) {
            return true;
        }
        long slot;
        synchronized (this) {
            long now = System.nanoTime();
            slot = Math.max(now, nextFreeNanos);
            if (slot - deadlineNanos > 0) {
                return false;
            }
            nextFreeNanos = slot + intervalNanos;
        }
        long wait = slot - System.nanoTime();
        if (wait > 0) {
            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        }
        return true;
    }

    @Override
    public String toString() {
        return Double.isInfinite(ratePerSecond) ? "unlimited" : String.format("%.3f calls/s", ratePerSecond);
    }
}
