package visionsearch.embed.azure;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.imageio.ImageIO;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.RecordedRequest;
import visionsearch.embed.ImageInput;

/**
 * A MockWebServer dispatcher that behaves like Azure AI Vision's vectorize operations, for tests
 * and benchmarks: documented paths, query and auth checks, documented error bodies, a strict
 * server-side rate limit (at most {@code floor(rate)} calls admitted in any sliding 1-second window), injected latency and random 429 / 503 answers. Each vector is derived
 * from the request content ({@link #vectorFor(byte[])}), so a caller can check that every item got
 * its own vector back. Thread-safe; records each request's arrival time.
 */
public final class AzureStandIn extends Dispatcher {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String key;
    private final long latencyMs;
    private final double ratePerSecond;
    private final double p429;
    private final double p503;
    private final Random random;
    private final List<Long> arrivals = new ArrayList<>();
    private final Map<String, AtomicInteger> servedByContent = new ConcurrentHashMap<>();
    private final AtomicInteger throttled = new AtomicInteger();
    private final AtomicInteger overLimit = new AtomicInteger();
    private final AtomicInteger unavailable = new AtomicInteger();
    private final AtomicInteger served = new AtomicInteger();
    /** Arrival times of the calls admitted in the last second, oldest first. */
    private final java.util.ArrayDeque<Long> admitted = new java.util.ArrayDeque<>();

    private AzureStandIn(String key, long latencyMs, double ratePerSecond, double p429, double p503, long seed) {
        this.key = key;
        this.latencyMs = latencyMs;
        this.ratePerSecond = ratePerSecond;
        this.p429 = p429;
        this.p503 = p503;
        this.random = new Random(seed);
    }

    /** A well-behaved stand-in: no latency, no limit, no random faults. */
    public static AzureStandIn reliable(String key) {
        return new AzureStandIn(key, 0, Double.POSITIVE_INFINITY, 0, 0, 1);
    }

    /** A stand-in with {@code latencyMs} per answer, a server rate limit, and random 429s / 503s with the given odds. */
    public static AzureStandIn faulty(String key, long latencyMs, double ratePerSecond, double p429, double p503, long seed) {
        return new AzureStandIn(key, latencyMs, ratePerSecond, p429, p503, seed);
    }

    /** The vector the stand-in answers for {@code content}: 1024 values seeded by the content's SHA-256. */
    public static float[] vectorFor(byte[] content) {
        byte[] digest = java.util.HexFormat.of().parseHex(ImageInput.sha256Hex(content));
        Random r = new Random(ByteBuffer.wrap(digest).getLong());
        float[] v = new float[AzureVisionEmbedder.DIMENSIONS];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (r.nextGaussian() * 3.0);
        }
        return v;
    }

    /** A valid 16x16 PNG whose pixels depend on {@code seed}. */
    public static byte[] png(int seed) {
        BufferedImage image = new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB);
        Random r = new Random(seed);
        for (int y = 0; y < 16; y++) {
            for (int x = 0; x < 16; x++) {
                image.setRGB(x, y, new Color(r.nextInt(256), r.nextInt(256), r.nextInt(256)).getRGB());
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** A PNG whose header is intact (it passes local validation) but whose pixel data is cut off. */
    public static byte[] corruptPng(int seed) {
        byte[] good = png(seed);
        return Arrays.copyOf(good, 40);
    }

    /** Reads a test resource under {@code /azure/} as a string. */
    public static String resource(String name) {
        try (InputStream in = AzureStandIn.class.getResourceAsStream("/azure/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no test resource /azure/" + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Returns the arrival times ({@link System#nanoTime()}) of every request so far, in arrival order. */
    public synchronized List<Long> arrivals() {
        return List.copyOf(arrivals);
    }

    /** Returns how many requests were answered 429 (random or over the server's limit). */
    public int throttled() {
        return throttled.get();
    }

    /** Returns how many of the 429 answers were for going over the server's rate limit (not random). */
    public int overLimit() {
        return overLimit.get();
    }

    /** Returns how many requests were answered 503. */
    public int unavailable() {
        return unavailable.get();
    }

    /** Returns how many requests were answered 200. */
    public int served() {
        return served.get();
    }

    /** Returns how many 200 answers each content (by SHA-256) got. */
    public Map<String, AtomicInteger> servedByContent() {
        return servedByContent;
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
        boolean overLimit;
        double roll;
        synchronized (this) {
            long now = System.nanoTime();
            arrivals.add(now);
            overLimit = !admit(now);
            roll = random.nextDouble();
        }
        String path = request.getUrl().encodedPath();
        boolean image = path.endsWith("/computervision/retrieval:vectorizeImage");
        boolean text = path.endsWith("/computervision/retrieval:vectorizeText");
        if (!image && !text || !"2024-02-01".equals(request.getUrl().queryParameter("api-version"))) {
            return error(404, "error-404.json");
        }
        if (key != null && !key.equals(request.getHeaders().get("Ocp-Apim-Subscription-Key"))) {
            return error(401, "error-401.json");
        }
        if (overLimit || roll < p429) {
            throttled.incrementAndGet();
            if (overLimit) {
                this.overLimit.incrementAndGet();
            }
            return delayed(new MockResponse.Builder().code(429).addHeader("Content-Type", "application/json")
                    .addHeader("Retry-After", "1").body(resource("error-429.json")));
        }
        if (roll < p429 + p503) {
            unavailable.incrementAndGet();
            return error(503, "error-503.json");
        }
        byte[] body = request.getBody() == null ? new byte[0] : request.getBody().toByteArray();
        String contentType = String.valueOf(request.getHeaders().get("Content-Type"));
        byte[] content;
        if (image && contentType.startsWith("application/octet-stream")) {
            if (!decodes(body)) {
                return error(400, "error-400-invalid-image-format.json");
            }
            content = body;
        } else if (contentType.startsWith("application/json")) {
            try {
                JsonNode node = JSON.readTree(body);
                content = (image ? node.path("url") : node.path("text")).asText().getBytes(StandardCharsets.UTF_8);
            } catch (IOException e) {
                return error(400, "error-400-invalid-image-format.json");
            }
        } else {
            return error(400, "error-400-invalid-image-format.json");
        }
        servedByContent.computeIfAbsent(ImageInput.sha256Hex(content), k -> new AtomicInteger()).incrementAndGet();
        served.incrementAndGet();
        StringBuilder json = new StringBuilder("{\"modelVersion\":\"2023-04-15\",\"vector\":[");
        float[] v = vectorFor(content);
        for (int i = 0; i < v.length; i++) {
            json.append(i == 0 ? "" : ",").append(v[i]);
        }
        json.append("]}");
        return delayed(new MockResponse.Builder().code(200).addHeader("Content-Type", "application/json")
                .addHeader("apim-request-id", "req-" + served.get()).body(json.toString()));
    }

    /** A sliding-window limit: admits the call if fewer than {@code floor(rate)} were admitted in the last second. */
    private boolean admit(long now) {
        if (Double.isInfinite(ratePerSecond)) {
            return true;
        }
        while (!admitted.isEmpty() && now - admitted.peekFirst() >= 1_000_000_000L) {
            admitted.removeFirst();
        }
        if (admitted.size() >= Math.max(1, (int) Math.floor(ratePerSecond))) {
            return false;
        }
        admitted.addLast(now);
        return true;
    }

    /** Returns the most arrivals in any 1-second window ({@code [t, t + 1 s)}) of {@code arrivals}, which must be sorted. */
    public static int maxInAnySecond(List<Long> arrivals) {
        int max = 0;
        int from = 0;
        for (int to = 0; to < arrivals.size(); to++) {
            while (arrivals.get(to) - arrivals.get(from) >= 1_000_000_000L) {
                from++;
            }
            max = Math.max(max, to - from + 1);
        }
        return max;
    }

    private MockResponse error(int code, String resource) {
        return delayed(new MockResponse.Builder().code(code).addHeader("Content-Type", "application/json")
                .body(resource(resource)));
    }

    private MockResponse delayed(MockResponse.Builder builder) {
        if (latencyMs > 0) {
            builder.headersDelay(latencyMs, TimeUnit.MILLISECONDS);
        }
        return builder.build();
    }

    private static boolean decodes(byte[] bytes) {
        try {
            return ImageIO.read(new ByteArrayInputStream(bytes)) != null;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }
}
