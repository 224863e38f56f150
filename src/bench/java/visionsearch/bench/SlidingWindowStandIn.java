package visionsearch.bench;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;
import visionsearch.embed.ImageInput;
import visionsearch.embed.azure.AzureStandIn;

/**
 * A faulty local stand-in of Azure AI Vision's {@code vectorizeImage} for {@link IndexBenchmark}, on a
 * MockWebServer: the documented path, query and key checks, documented error bodies (from the test
 * resources {@link AzureStandIn} uses), answers after a fixed latency, and a strict server-side limit:
 * a request that would make more than {@code limit} admitted requests in any sliding 1-second window
 * is answered 429 with {@code Retry-After: 1} (counted as over the limit, and not admitted). Of the
 * admitted requests, a share is answered 429 ({@code Retry-After: 1}) and a share 503 at random.
 * Each vector is {@link AzureStandIn#vectorFor(byte[])} of the request's bytes.
 *
 * <p>Records, per request, its arrival time and answer, and per content how many 200s it got and when.
 */
final class SlidingWindowStandIn extends Dispatcher {
    private final String key;
    private final long latencyMs;
    private final int limit;
    private final double p429;
    private final double p503;
    private final Random random;
    private final ArrayDeque<Long> window = new ArrayDeque<>();
    private final List<Long> arrivals = new ArrayList<>();
    private final Map<String, List<Long>> servedAt = new ConcurrentHashMap<>();
    private final AtomicInteger overLimit = new AtomicInteger();
    private final List<Long> overLimitAt = new ArrayList<>();
    private final AtomicInteger random429 = new AtomicInteger();
    private final AtomicInteger random503 = new AtomicInteger();
    private final AtomicInteger served = new AtomicInteger();
    private final AtomicInteger others = new AtomicInteger();

    SlidingWindowStandIn(String key, long latencyMs, int limit, double p429, double p503, long seed) {
        this.key = key;
        this.latencyMs = latencyMs;
        this.limit = limit;
        this.p429 = p429;
        this.p503 = p503;
        this.random = new Random(seed);
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
        boolean over;
        double roll;
        long now;
        synchronized (this) {
            // Stamped under the lock, so the window sees arrivals in the order it counts them (a thread held up
            // between a stamp and the lock would otherwise put an older time behind newer ones).
            now = System.nanoTime();
            arrivals.add(now);
            while (!window.isEmpty() && now - window.peekFirst() >= 1_000_000_000L) {
                window.pollFirst();
            }
            over = window.size() >= limit;
            if (!over) {
                window.addLast(now);
            } else {
                overLimitAt.add(now);
            }
            roll = random.nextDouble();
        }
        String path = request.getUrl().encodedPath();
        if (!path.endsWith("/computervision/retrieval:vectorizeImage")
                || !"2024-02-01".equals(request.getUrl().queryParameter("api-version"))) {
            others.incrementAndGet();
            return error(404, "error-404.json");
        }
        if (!key.equals(request.getHeaders().get("Ocp-Apim-Subscription-Key"))) {
            others.incrementAndGet();
            return error(401, "error-401.json");
        }
        if (over || roll < p429) {
            (over ? overLimit : random429).incrementAndGet();
            return delayed(new MockResponse.Builder().code(429).addHeader("Content-Type", "application/json")
                    .addHeader("Retry-After", "1").body(AzureStandIn.resource("error-429.json")));
        }
        if (roll < p429 + p503) {
            random503.incrementAndGet();
            return error(503, "error-503.json");
        }
        byte[] body = request.getBody() == null ? new byte[0] : request.getBody().toByteArray();
        servedAt.computeIfAbsent(ImageInput.sha256Hex(body), k -> new ArrayList<>()).add(now);
        served.incrementAndGet();
        float[] v = AzureStandIn.vectorFor(body);
        StringBuilder json = new StringBuilder(v.length * 12).append("{\"modelVersion\":\"2023-04-15\",\"vector\":[");
        for (int i = 0; i < v.length; i++) {
            json.append(i == 0 ? "" : ",").append(v[i]);
        }
        json.append("]}");
        return delayed(new MockResponse.Builder().code(200).addHeader("Content-Type", "application/json")
                .addHeader("apim-request-id", "req-" + served.get()).body(json.toString()));
    }

    /** Requests so far, whatever the answer. */
    synchronized int requests() {
        return arrivals.size();
    }

    /** Arrival times ({@link System#nanoTime()}) of every request so far. */
    synchronized List<Long> arrivals() {
        return List.copyOf(arrivals);
    }

    /** 429s for going over the sliding-window limit: what the client's pacing caused. */
    int overLimit() {
        return overLimit.get();
    }

    /** When each request over the limit arrived, in seconds after the first request. */
    synchronized List<String> overLimitSeconds() {
        return overLimitAt.stream().map(t -> String.format(java.util.Locale.ROOT, "%.1f", (t - arrivals.get(0)) / 1e9))
                .toList();
    }

    int random429() {
        return random429.get();
    }

    int random503() {
        return random503.get();
    }

    int served() {
        return served.get();
    }

    /** Requests with a wrong path, query or key. */
    int others() {
        return others.get();
    }

    /** When each content (by SHA-256) got a 200. */
    Map<String, List<Long>> servedAt() {
        return servedAt;
    }

    /** The most requests that arrived in any 1-second window so far, whatever their answers (the client's own pace). */
    synchronized int busiestSecond() {
        int most = 0;
        int from = 0;
        for (int to = 0; to < arrivals.size(); to++) {
            while (arrivals.get(to) - arrivals.get(from) >= 1_000_000_000L) {
                from++;
            }
            most = Math.max(most, to - from + 1);
        }
        return most;
    }

    private MockResponse error(int code, String resource) {
        return delayed(new MockResponse.Builder().code(code).addHeader("Content-Type", "application/json")
                .body(AzureStandIn.resource(resource)));
    }

    private MockResponse delayed(MockResponse.Builder builder) {
        return builder.headersDelay(latencyMs, TimeUnit.MILLISECONDS).build();
    }
}
