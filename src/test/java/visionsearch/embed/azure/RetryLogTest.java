package visionsearch.embed.azure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** One line per retry storm, on a simulated clock. */
class RetryLogTest {
    long now;
    final List<String> lines = new ArrayList<>();
    final RetryLog log = new RetryLog(() -> now, lines::add);

    void retryAt(double seconds, String cause) {
        now = (long) (seconds * 1e9);
        log.retry("vectorizeImage", "img.png", cause, 1, 3, 1000);
    }

    @Test
    void aSingleRetryIsOneLine() {
        retryAt(0, "HTTP 429");
        now = 30_000_000_000L;
        log.tick();
        log.close();
        assertEquals(1, lines.size(), lines.toString());
        assertTrue(lines.get(0).contains("img.png: HTTP 429; retry 1 of 3 in 1000 ms"), lines.get(0));
    }

    @Test
    void aStormOfFiftyRetriesOverTwentyFiveSecondsIsAFirstLineTwoSummariesAndAnEnd() {
        for (int i = 0; i < 50; i++) {
            retryAt(i * 0.5, i % 5 == 0 ? "HTTP 503" : "HTTP 429");
        }
        now = 40_000_000_000L;
        log.tick();
        assertEquals(4, lines.size(), String.join("\n", lines));
        assertEquals("Azure AI Vision: 20 more retries (16 x HTTP 429, 4 x HTTP 503) in the last 10.0 s; still retrying",
                lines.get(1));
        assertTrue(lines.get(3).contains("retries are over: 50 in 24.5 s"), lines.get(3));
        log.close();
        assertEquals(4, lines.size(), "close after the end adds nothing");
    }

    @Test
    void twoStormsApartAreLoggedApart() {
        retryAt(0, "connection fault");
        retryAt(1, "connection fault");
        retryAt(60, "HTTP 503");
        log.close();
        assertEquals(3, lines.size(), String.join("\n", lines));
        assertTrue(lines.get(1).contains("retries are over: 2 in 1.0 s (since the last line: 1 more retry (1 x connection fault))"),
                lines.get(1));
        assertTrue(lines.get(2).contains("HTTP 503; retry 1 of 3"), lines.get(2));
    }
}
