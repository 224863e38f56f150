package visionsearch.embed.azure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The pacing property, on a simulated clock: whatever the jitter between a slot and the server's
 * count (up to the margin), no server window holds more than the limit, and the client still
 * sends at nearly the limit.
 */
class RateLimiterTest {
    /** One step of S1's even schedule: (1 s + the margin) / 20. */
    static final long S1_STEP = (1_000_000_000L + RateLimiter.MARGIN_NANOS) / 20;

    /** A clock that only moves when told to or when a caller sleeps. */
    static class FakeTicker implements RateLimiter.Ticker {
        long now = 1_000_000_000L;

        @Override
        public long nanoTime() {
            return now;
        }

        @Override
        public void sleep(long nanos) {
            now += nanos;
        }
    }

    /** Most calls in any window {@code [t, t + window)} of sorted times. */
    static int maxInWindow(List<Long> times, long window) {
        int max = 0;
        int from = 0;
        for (int to = 0; to < times.size(); to++) {
            while (times.get(to) - times.get(from) >= window) {
                from++;
            }
            max = Math.max(max, to - from + 1);
        }
        return max;
    }

    /**
     * 1,000 calls from a caller that is sometimes slow (random idle gaps), each counted by the server
     * up to the margin later (random arrival jitter): every server window holds at most the limit.
     * The rate: the spread does not let an idle caller catch up, so at 100/s (a step of 10.5 ms) idle
     * gaps averaging 4 ms per call cost their time: at least 0.75 of the limit there.
     */
    @ParameterizedTest(name = "{0}/s, server window {1} s, limit {2}: arrivals within the limit, rate >= {3} of it")
    @CsvSource({"20, 1, 20, 0.95", "10, 1, 10, 0.95", "2.5, 1, 2, 0.75", "0.3333333333, 60, 20, 0.95", "100, 1, 100, 0.75"})
    void noServerWindowHoldsMoreThanTheLimitWhateverTheJitter(double rate, int windowSeconds, int limit, double minShare)
            throws Exception {
        FakeTicker clock = new FakeTicker();
        RateLimiter limiter = RateLimiter.create(rate, RateLimiter.MARGIN_NANOS, clock);
        Random random = new Random(7);
        List<Long> arrivals = new ArrayList<>();
        long start = clock.now;
        int calls = 1000;
        for (int i = 0; i < calls; i++) {
            if (random.nextInt(10) == 0) {
                clock.now += random.nextInt(80_000_000); // the caller is busy elsewhere for up to 80 ms
            }
            assertTrue(limiter.acquire(Long.MAX_VALUE));
            long jitter = (long) (random.nextDouble() * RateLimiter.MARGIN_NANOS);
            arrivals.add(clock.now + jitter);
        }
        arrivals.sort(null);
        long window = windowSeconds * 1_000_000_000L;
        assertTrue(maxInWindow(arrivals, window) <= limit,
                "most arrivals in a " + windowSeconds + "-s window: " + maxInWindow(arrivals, window));
        double achieved = (calls - 1) / ((clock.now - start) / 1e9);
        assertTrue(achieved >= minShare * rate, "achieved " + achieved + " calls/s of " + rate);
    }

    /** Today's failure, for contrast: calls spaced at exactly the rate put 21 into a window as soon as arrivals jitter. */
    @Test
    void evenSpacingAtExactlyTheRateBreaksASlidingWindowUnderJitter() {
        Random random = new Random(7);
        List<Long> arrivals = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            arrivals.add(i * 50_000_000L + (long) (random.nextDouble() * 20_000_000L));
        }
        arrivals.sort(null);
        assertTrue(maxInWindow(arrivals, 1_000_000_000L) > 20, "the property test above can fail");
    }

    @Test
    void aWindowsSlotsAreSpreadOverItAndTheOldestSlotMustAgeOneWindowAndTheMargin() throws Exception {
        FakeTicker clock = new FakeTicker();
        RateLimiter limiter = RateLimiter.create(20, RateLimiter.MARGIN_NANOS, clock);
        long step = S1_STEP;
        long start = clock.now;
        List<Long> grants = new ArrayList<>();
        for (int i = 0; i < 21; i++) {
            assertTrue(limiter.acquire(Long.MAX_VALUE));
            grants.add(clock.now);
        }
        assertEquals(start, grants.get(0), "the first slot at once");
        for (int i = 1; i < 20; i++) {
            assertEquals(start + i * step - step / 2, grants.get(i), "slot " + i + ": half a step ahead of the even time");
        }
        assertEquals(start + 1_000_000_000L + RateLimiter.MARGIN_NANOS, grants.get(20),
                "the 21st when the first has aged one window and the margin");
    }

    /** After a pause no burst goes out: two grants are never less than half a step apart, however many callers wait. */
    @Test
    void afterAPauseTheWaitingCallersAreSpreadNotSentAtOnce() throws Exception {
        FakeTicker clock = new FakeTicker();
        RateLimiter limiter = RateLimiter.create(20, RateLimiter.MARGIN_NANOS, clock);
        long step = S1_STEP;
        long last = Long.MIN_VALUE;
        for (int round = 0; round < 5; round++) {
            clock.now += 3_000_000_000L; // idle for 3 s: the window is empty
            for (int i = 0; i < 30; i++) {
                assertTrue(limiter.acquire(Long.MAX_VALUE));
                assertTrue(last == Long.MIN_VALUE || clock.now - last >= step / 2,
                        "grants " + (clock.now - last) + " ns apart, at least " + step / 2);
                last = clock.now;
            }
        }
    }

    /**
     * Callers that wake up late, by up to half a step, slip only as the window rule itself must (a
     * slot's time is when it was granted): the schedule does not slip by each late wake-up on top.
     */
    @Test
    void lateWakeUpsCostNoMoreThanTheWindowRuleItself() throws Exception {
        Random random = new Random(11);
        long step = S1_STEP;
        FakeTicker clock = new FakeTicker() {
            @Override
            public void sleep(long nanos) {
                now += nanos + (long) (random.nextDouble() * step / 2); // the scheduler is slow to wake us
            }
        };
        RateLimiter limiter = RateLimiter.create(20, RateLimiter.MARGIN_NANOS, clock);
        long start = clock.now;
        List<Long> grants = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            assertTrue(limiter.acquire(Long.MAX_VALUE));
            grants.add(clock.now);
        }
        double achieved = 999 / ((clock.now - start) / 1e9);
        double windowRuleAlone = 20 / ((1_000_000_000L + RateLimiter.MARGIN_NANOS + step / 2) / 1e9);
        double scheduleFromEachGrant = 1e9 / (step + step / 4.0); // what a spacing from the last grant would give
        assertTrue(achieved >= windowRuleAlone && achieved > scheduleFromEachGrant + 2,
                "achieved " + achieved + " calls/s; the window rule alone allows " + windowRuleAlone);
        assertTrue(maxInWindow(grants, 1_000_000_000L + RateLimiter.MARGIN_NANOS) <= 20, "the window rule still holds");
    }

    /**
     * A request held up between its slot and the wire keeps its place in the window from when it was
     * sent: the slot that replaces it waits one window (and the margin) from then; a late word about a
     * slot that has left the window changes nothing.
     */
    @Test
    void aSlotCountsFromWhenItsRequestWasSent() throws Exception {
        FakeTicker clock = new FakeTicker();
        RateLimiter limiter = RateLimiter.create(20, RateLimiter.MARGIN_NANOS, clock);
        long start = clock.now;
        long first = limiter.take(Long.MAX_VALUE);
        clock.now += 200_000_000L; // the first request reaches the wire 200 ms after its slot
        limiter.sent(first);
        for (int i = 1; i < 20; i++) {
            limiter.take(Long.MAX_VALUE);
        }
        long before = clock.now;
        long replacing = limiter.take(Long.MAX_VALUE);
        assertEquals(start + 200_000_000L + 1_000_000_000L + RateLimiter.MARGIN_NANOS, clock.now,
                "the 21st waits a window from when the first was sent, not from its slot (" + (clock.now - before) + ")");
        limiter.sent(first); // long gone from the window
        limiter.sent(replacing);
        long t = clock.now;
        limiter.take(Long.MAX_VALUE);
        assertTrue(clock.now - t <= S1_STEP, "a stale or prompt word holds nothing back: " + (clock.now - t));
    }

    /**
     * A server that stalls takes in the requests written meanwhile together when it resumes; their
     * slots count from the latest time it can have counted them (the answer less the fastest answer
     * seen), so the slots that replace them wait a window from then. An answer a little slower than
     * the fastest moves nothing.
     */
    @Test
    void aSlotAnsweredAfterAStallCountsFromWhenTheServerCanHaveCountedIt() throws Exception {
        FakeTicker clock = new FakeTicker();
        RateLimiter limiter = RateLimiter.create(20, RateLimiter.MARGIN_NANOS, clock);
        long first = limiter.take(Long.MAX_VALUE);
        long t0 = clock.now;
        limiter.sent(first);
        clock.now += 150_000_000L;
        limiter.answered(first); // the fastest answer: 150 ms
        long second = limiter.take(Long.MAX_VALUE);
        limiter.sent(second);
        long t1 = clock.now;
        long third = limiter.take(Long.MAX_VALUE);
        limiter.sent(third);
        clock.now += 230_000_000L;
        limiter.answered(third); // 80 ms slower than the fastest: not a stall
        clock.now = t1 + 2_000_000_000L;
        limiter.answered(second); // answered 2 s after it was sent: the server held it up
        for (int i = 3; i < 20; i++) {
            limiter.take(Long.MAX_VALUE);
        }
        limiter.take(Long.MAX_VALUE); // replaces the first: a window from its send
        assertTrue(clock.now - (t0 + 1_000_000_000L + RateLimiter.MARGIN_NANOS) >= 0);
        limiter.take(Long.MAX_VALUE); // replaces the second
        long counted = t1 + 2_000_000_000L - 150_000_000L;
        long earliest = counted + 1_000_000_000L + RateLimiter.MARGIN_NANOS;
        assertTrue(clock.now - earliest >= 0 && clock.now - earliest <= S1_STEP,
                "the slot after the stalled one waits a window from when the server can have counted it: "
                        + (clock.now - earliest) + " ns after");
    }

    @Test
    void noSlotBeforeTheDeadlineTakesNothing() throws Exception {
        FakeTicker clock = new FakeTicker();
        RateLimiter limiter = RateLimiter.create(1, RateLimiter.MARGIN_NANOS, clock);
        assertTrue(limiter.acquire(Long.MAX_VALUE));
        long t = clock.now;
        assertFalse(limiter.acquire(t + 500_000_000L), "the next slot is 1.05 s away");
        assertEquals(t, clock.now, "it did not wait");
        assertTrue(limiter.acquire(Long.MAX_VALUE), "nothing was taken by the refused call");
        assertEquals(t + 1_000_000_000L + RateLimiter.MARGIN_NANOS, clock.now);
    }

    @Test
    void unlimitedNeverWaits() throws Exception {
        FakeTicker clock = new FakeTicker();
        RateLimiter limiter = RateLimiter.create(Double.POSITIVE_INFINITY, RateLimiter.MARGIN_NANOS, clock);
        for (int i = 0; i < 10_000; i++) {
            assertTrue(limiter.acquire(clock.now));
        }
        assertEquals("unlimited", limiter.toString());
    }
}
