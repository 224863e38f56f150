package visionsearch.embed.azure;

import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * One log line per retry storm instead of one per attempt: the first retry is logged in full,
 * then at most one summary line every {@link #SUMMARY_NANOS} while retries go on (how many, and
 * why), and a last summary when the storm is over: {@link #SUMMARY_NANOS} without a retry, seen
 * at the next call, or {@link #close()}. Shared by every thread of one client.
 */
final class RetryLog {
    /** How long a storm's retries are gathered before a summary line: 10 s. */
    static final long SUMMARY_NANOS = 10_000_000_000L;

    private final LongSupplier clock;
    private final Consumer<String> sink;
    private boolean storm;
    private long stormStart;
    private long lastRetry;
    private long lastLine;
    private int total;
    /** Retries since the last line, by cause ("HTTP 429", "connection fault", ...). */
    private final Map<String, Integer> unreported = new TreeMap<>();

    RetryLog(LongSupplier clock, Consumer<String> sink) {
        this.clock = clock;
        this.sink = sink;
    }

    /** Records one retry about to happen; logs it if it starts a storm, else maybe a summary. */
    synchronized void retry(String operation, String source, String cause, int attempt, int maxRetries, long delayMs) {
        long now = clock.getAsLong();
        endIfQuiet(now);
        lastRetry = now;
        if (!storm) {
            storm = true;
            stormStart = now;
            lastLine = now;
            total = 1;
            sink.accept("Azure AI Vision " + operation + " for " + source + ": " + cause + "; retry " + attempt + " of "
                    + maxRetries + " in " + delayMs + " ms (further retries are summarised every "
                    + SUMMARY_NANOS / 1_000_000_000L + " s)");
            return;
        }
        total++;
        unreported.merge(cause, 1, Integer::sum);
        if (now - lastLine >= SUMMARY_NANOS) {
            sink.accept("Azure AI Vision: " + describe(unreported) + " in the last " + seconds(now - lastLine)
                    + "; still retrying");
            unreported.clear();
            lastLine = now;
        }
    }

    /** Called at the start of every call: closes a storm that has been quiet long enough. */
    synchronized void tick() {
        endIfQuiet(clock.getAsLong());
    }

    /** Ends the current storm with its summary line, if there is one. */
    synchronized void close() {
        if (storm) {
            end();
        }
    }

    private void endIfQuiet(long now) {
        if (storm && now - lastRetry >= SUMMARY_NANOS) {
            end();
        }
    }

    private void end() {
        if (total > 1) {
            sink.accept("Azure AI Vision: retries are over: " + total + " in " + seconds(lastRetry - stormStart)
                    + (unreported.isEmpty() ? "" : " (since the last line: " + describe(unreported) + ")"));
        }
        storm = false;
        unreported.clear();
        total = 0;
    }

    private static String describe(Map<String, Integer> causes) {
        StringBuilder s = new StringBuilder();
        int sum = 0;
        for (Map.Entry<String, Integer> e : causes.entrySet()) {
            s.append(s.length() == 0 ? "" : ", ").append(e.getValue()).append(" x ").append(e.getKey());
            sum += e.getValue();
        }
        return sum + " more retr" + (sum == 1 ? "y" : "ies") + " (" + s + ")";
    }

    private static String seconds(long nanos) {
        return String.format(java.util.Locale.ROOT, "%.1f s", nanos / 1e9);
    }
}
