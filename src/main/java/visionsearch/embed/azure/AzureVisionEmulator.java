package visionsearch.embed.azure;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import visionsearch.embed.Embedder;
import visionsearch.embed.Embedding;
import visionsearch.embed.ImageInput;
import visionsearch.embed.InvalidImageException;

/**
 * A local stand-in for Azure AI Vision's multimodal embeddings REST API, over any local
 * {@link Embedder}: same paths, query parameters, headers, limits, response and error shapes
 * (see AZURE-VISION-API.md), so code written for Azure runs offline by pointing
 * {@code VISION_ENDPOINT} at it.
 *
 * <ul>
 *   <li>{@code POST /computervision/retrieval:vectorizeImage} with {@code application/octet-stream}
 *       image bytes or JSON {@code {"url": ...}} (the emulator downloads it);
 *       {@code POST /computervision/retrieval:vectorizeText} with JSON {@code {"text": ...}}.</li>
 *   <li>{@code api-version=2024-02-01} with {@code model-version} {@code 2023-04-15} (default) or
 *       {@code 2022-04-11}; the retired previews ({@code 2023-02-01-preview} and any other
 *       {@code *-preview}) answer 410 {@code Gone}; any other or missing api-version answers 404
 *       {@code Resource not found}.</li>
 *   <li>With a key configured, {@code Ocp-Apim-Subscription-Key} must match (else 401);
 *       {@code Authorization: Bearer <any token>} is accepted. Without a key, anything goes.</li>
 *   <li>Limits: images under 20 MB, sides 11..15,999 px, decodable; texts of 1 to 70 words.</li>
 *   <li>Optional rate limit (calls per second, counted in any sliding 1-second window): beyond it,
 *       429 with {@code Retry-After}.</li>
 * </ul>
 * The answer is {@code {"modelVersion": <the embedder's model id>, "vector": [...]}}: the model id
 * (for example {@code features:grid-hist-v1}) and the embedder's own dimension, never a pretend
 * Azure model, so emulator vectors can never be mixed up with real Azure ones. Every answer carries
 * {@code apim-request-id}; errors carry {@code x-ms-error-code} and Azure's error envelope.
 */
public final class AzureVisionEmulator implements AutoCloseable {
    /** The GA api-version the emulator serves. */
    public static final String API_VERSION_GA = "2024-02-01";
    /** The seed tutorial's retired preview api-version; it and every other {@code *-preview} answer 410 Gone. */
    public static final String API_VERSION_RETIRED = "2023-02-01-preview";
    /** Model versions accepted with the GA api-version. */
    public static final java.util.List<String> MODEL_VERSIONS = java.util.List.of("2023-04-15", "2022-04-11");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BASE = "/computervision/";
    private static final Pattern WORD = Pattern.compile("\\S+");
    private static final int MAX_WORDS = 70;
    private static final int HANDLER_THREADS = 32;

    private final Embedder embedder;
    private final String key;
    private final double ratePerSecond;
    private final HttpServer server;
    private final ExecutorService pool;
    private final Semaphore working = new Semaphore(Math.max(2, Runtime.getRuntime().availableProcessors()));
    private final PrintStream log;
    /** Arrival times of the calls admitted in the last second, oldest first (guarded by itself). */
    private final ArrayDeque<Long> admitted = new ArrayDeque<>();
    private final AtomicLong served = new AtomicLong();
    private final AtomicLong throttled = new AtomicLong();

    private AzureVisionEmulator(Embedder embedder, String host, int port, String key, double ratePerSecond,
                                PrintStream log) throws IOException {
        this.embedder = embedder;
        this.key = key == null || key.isBlank() ? null : key.strip();
        this.ratePerSecond = ratePerSecond;
        this.log = log;
        this.server = HttpServer.create(new InetSocketAddress(host, port), 64);
        // Enough threads that a request is counted against the rate limit when it arrives, as Azure's gateway
        // does, not when a busy thread frees up; the embedder's own work is bounded by `working`.
        this.pool = Executors.newFixedThreadPool(HANDLER_THREADS, r -> {
            Thread t = new Thread(r, "azure-vision-emulator");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(pool);
        server.createContext("/", this::handle);
        server.start();
    }

    /**
     * Starts an emulator on {@code host:port} (port 0: any free port) over {@code embedder}.
     *
     * @param key           the subscription key callers must send, or null to accept any
     * @param ratePerSecond calls per second before answering 429, or 0 for no limit
     * @param log           where to print one line per request, or null for silence
     */
    public static AzureVisionEmulator start(Embedder embedder, String host, int port, String key,
                                            double ratePerSecond, PrintStream log) {
        Objects.requireNonNull(embedder, "embedder");
        Objects.requireNonNull(host, "host");
        if (ratePerSecond < 0 || Double.isNaN(ratePerSecond)) {
            throw new IllegalArgumentException("ratePerSecond must be 0 (no limit) or positive, got " + ratePerSecond);
        }
        try {
            return new AzureVisionEmulator(embedder, host, port, key, ratePerSecond, log);
        } catch (IOException e) {
            throw new IllegalStateException("cannot listen on " + host + ":" + port + ": " + e.getMessage()
                    + "; choose another --port", e);
        }
    }

    /** Starts an emulator on a free loopback port, with no key and no rate limit, printing nothing. */
    public static AzureVisionEmulator start(Embedder embedder) {
        return start(embedder, "127.0.0.1", 0, null, 0, null);
    }

    /** Returns the port it listens on. */
    public int port() {
        return server.getAddress().getPort();
    }

    /** Returns the endpoint to put in {@code VISION_ENDPOINT}, e.g. {@code http://127.0.0.1:5000}. */
    public String endpoint() {
        String host = server.getAddress().getHostString();
        return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port();
    }

    /** Returns the embedder behind it. */
    public Embedder embedder() {
        return embedder;
    }

    /** Returns how many requests were answered with 200. */
    public long served() {
        return served.get();
    }

    /** Returns how many requests were answered 429 for going over the rate limit. */
    public long throttled() {
        return throttled.get();
    }

    /** Stops listening; the embedder is not closed. */
    @Override
    public void close() {
        server.stop(0);
        pool.shutdownNow();
    }

    // ------------------------------------------------------------------ handling

    private void handle(HttpExchange exchange) throws IOException {
        String requestId = UUID.randomUUID().toString();
        Answer answer;
        try {
            answer = answer(exchange);
        } catch (RuntimeException e) {
            answer = error(500, "InternalServerError", "The emulator failed: " + e, null, null);
        }
        if (log != null) {
            log.printf(Locale.ROOT, "%s %s -> %d%s%n", exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
                    answer.status, answer.code == null ? "" : " " + answer.code);
        }
        byte[] body = JSON.writeValueAsBytes(answer.body);
        exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        exchange.getResponseHeaders().set("apim-request-id", requestId);
        if (answer.code != null) {
            exchange.getResponseHeaders().set("x-ms-error-code", answer.code);
        }
        answer.headers.forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
        exchange.sendResponseHeaders(answer.status, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    private Answer answer(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        String operation = path.startsWith(BASE) ? path.substring(BASE.length()) : "";
        if (!operation.equals("retrieval:vectorizeImage") && !operation.equals("retrieval:vectorizeText")) {
            drain(exchange);
            return notFound();
        }
        if (!exchange.getRequestMethod().equals("POST")) {
            drain(exchange);
            return error(405, "405", "The HTTP method " + exchange.getRequestMethod()
                    + " is not allowed; use POST", null, null);
        }
        Answer auth = checkAuth(exchange);
        if (auth != null) {
            drain(exchange);
            return auth;
        }
        Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
        String apiVersion = query.get("api-version");
        // Azure retired every Image Analysis 4.0 preview (2023-02-01-preview, 2023-04-01-preview, ...) on 2025-03-31.
        if (apiVersion != null && apiVersion.matches("\\d{4}-\\d{2}-\\d{2}-preview")) {
            drain(exchange);
            return error(410, "Gone", "The requested api-version " + apiVersion
                    + " has been deprecated. Please upgrade to api-version " + API_VERSION_GA + ".", null, null);
        }
        if (!API_VERSION_GA.equals(apiVersion)) {
            drain(exchange);
            return notFound();
        }
        String modelVersion = query.getOrDefault("model-version", MODEL_VERSIONS.get(0));
        if (!MODEL_VERSIONS.contains(modelVersion)) {
            drain(exchange);
            return error(400, "InvalidRequest", "The model version " + modelVersion + " is not supported."
                    + " Supported versions: " + String.join(", ", MODEL_VERSIONS) + ".", "InvalidModelVersion",
                    "Unsupported model version.");
        }
        Answer limited = rateLimit();
        if (limited != null) {
            drain(exchange);
            return limited;
        }
        String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
        String mediaType = contentType == null ? "" : contentType.split(";")[0].strip().toLowerCase(Locale.ROOT);
        byte[] body = readBody(exchange.getRequestBody());
        if (body == null) {
            return error(400, "InvalidRequest", "The provided image size is not supported.", "InvalidImageSize",
                    "Image size is too small or too big.");
        }
        return operation.equals("retrieval:vectorizeImage") ? image(mediaType, body) : text(mediaType, body);
    }

    private Answer image(String mediaType, byte[] body) {
        ImageInput input;
        if (mediaType.equals("application/json")) {
            JsonNode json = parseJson(body);
            if (json == null || !json.path("url").isTextual()) {
                return error(400, "InvalidRequest", "The request body must be JSON {\"url\": \"...\"} for a remote image"
                        + " or application/octet-stream image bytes.", "InvalidArgument", "Missing url.");
            }
            try {
                input = ImageInput.ofUrl(json.get("url").textValue()).fetch(Duration.ofSeconds(20));
            } catch (InvalidImageException e) {
                if (e.reason() == InvalidImageException.Reason.UNREADABLE) {
                    return error(400, "InvalidRequest", "Image URL is badly formatted or cannot be downloaded: "
                            + e.getMessage(), "InvalidImageUrl", "Image URL is badly formatted.");
                }
                return invalidImage(e);
            }
        } else if (mediaType.equals("application/octet-stream") || mediaType.startsWith("image/")) {
            try {
                input = ImageInput.of(body, "request body");
            } catch (InvalidImageException e) {
                return invalidImage(e);
            }
        } else {
            return error(400, "InvalidRequest", "Unsupported media type '" + mediaType + "': send"
                    + " application/octet-stream image bytes or application/json {\"url\": ...}.",
                    "UnsupportedMediaType", "Unsupported media type.");
        }
        try {
            return vector(work(() -> embedder.embedImage(input)));
        } catch (InvalidImageException e) {
            return invalidImage(e);
        }
    }

    private Answer text(String mediaType, byte[] body) {
        if (!mediaType.equals("application/json")) {
            return error(400, "InvalidRequest", "Unsupported media type '" + mediaType
                    + "': send application/json {\"text\": \"...\"}.", "UnsupportedMediaType", "Unsupported media type.");
        }
        JsonNode json = parseJson(body);
        if (json == null || !json.path("text").isTextual()) {
            return error(400, "InvalidRequest", "The request body must be JSON {\"text\": \"...\"}.",
                    "InvalidArgument", "Missing text.");
        }
        String text = json.get("text").textValue();
        Matcher m = WORD.matcher(text);
        int words = 0;
        while (m.find()) {
            words++;
        }
        if (words < 1 || words > MAX_WORDS) {
            return error(400, "InvalidRequest", "The text must have 1 to " + MAX_WORDS + " words; it has " + words + ".",
                    "InvalidTextLength", "Text length is out of range.");
        }
        if (!embedder.supportsText()) {
            return error(400, "InvalidRequest", "This emulator runs over " + embedder.modelId()
                    + ", which has no text model; restart it with `vision-search emulator --embedder clip`"
                    + " (after `vision-search model download`) to embed text", "TextNotSupported",
                    "The emulator's embedder has no text model.");
        }
        return vector(work(() -> embedder.embedText(text)));
    }

    private Answer vector(Embedding embedding) {
        ObjectNode root = JSON.createObjectNode();
        root.put("modelVersion", embedding.modelId());
        ArrayNode values = root.putArray("vector");
        for (float v : embedding.vector()) {
            values.add(v);
        }
        served.incrementAndGet();
        return new Answer(200, null, root, Map.of());
    }

    /** Runs the embedder with at most one call per processor at a time. */
    private Embedding work(java.util.function.Supplier<Embedding> call) {
        working.acquireUninterruptibly();
        try {
            return call.get();
        } finally {
            working.release();
        }
    }

    private Answer checkAuth(HttpExchange exchange) {
        if (key == null) {
            return null;
        }
        String sent = exchange.getRequestHeaders().getFirst("Ocp-Apim-Subscription-Key");
        String bearer = exchange.getRequestHeaders().getFirst("Authorization");
        boolean tokenOk = bearer != null && bearer.regionMatches(true, 0, "Bearer ", 0, 7) && bearer.length() > 7;
        if (key.equals(sent == null ? null : sent.strip()) || (sent == null && tokenOk)) {
            return null;
        }
        return error(401, "401", "Access denied due to invalid subscription key or wrong API endpoint. Make sure to"
                + " provide a valid key for an active subscription and use a correct regional API endpoint for your"
                + " resource.", null, null);
    }

    /**
     * A strict sliding window: a call is admitted if fewer than {@code floor(rate)} were admitted in
     * the last second, so no 1-second window ever holds more; a client that paces at exactly the
     * rate, with any jitter, meets it.
     */
    private Answer rateLimit() {
        if (ratePerSecond <= 0) {
            return null;
        }
        synchronized (admitted) {
            long now = System.nanoTime(); // under the lock: times enter the window in order
            while (!admitted.isEmpty() && now - admitted.peekFirst() >= 1_000_000_000L) {
                admitted.removeFirst();
            }
            if (admitted.size() < Math.max(1, (long) Math.floor(ratePerSecond))) {
                admitted.addLast(now);
                return null;
            }
            throttled.incrementAndGet();
        }
        Answer a = error(429, "429", "Rate limit is exceeded. Try again in 1 seconds.", null, null);
        return new Answer(a.status, a.code, a.body, Map.of("Retry-After", "1"));
    }

    private static Answer invalidImage(InvalidImageException e) {
        switch (e.reason()) {
            case EMPTY:
            case TOO_LARGE:
            case BAD_DIMENSIONS:
                return error(400, "InvalidRequest", "The provided image size is not supported. " + e.getMessage(),
                        "InvalidImageSize", "Image size is too small or too big.");
            default:
                return error(400, "InvalidRequest", "The provided image format is not supported. " + e.getMessage(),
                        "InvalidImageFormat", "Input data is not a valid image.");
        }
    }

    private static Answer notFound() {
        return error(404, "404", "Resource not found", null, null);
    }

    private static Answer error(int status, String code, String message, String innerCode, String innerMessage) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode error = root.putObject("error");
        error.put("code", code);
        error.put("message", message);
        if (innerCode != null) {
            ObjectNode inner = error.putObject("innererror");
            inner.put("code", innerCode);
            inner.put("message", innerMessage);
        }
        return new Answer(status, code, root, Map.of());
    }

    private static JsonNode parseJson(byte[] body) {
        try {
            JsonNode node = JSON.readTree(body);
            return node != null && node.isObject() ? node : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** Reads the body, or returns null if it is 20 MB or more (the rest is drained). */
    private static byte[] readBody(InputStream in) throws IOException {
        byte[] data = in.readNBytes(ImageInput.MAX_BYTES);
        if (data.length == ImageInput.MAX_BYTES) {
            in.transferTo(OutputStream.nullOutputStream());
            return null;
        }
        return data;
    }

    private static void drain(HttpExchange exchange) throws IOException {
        try (InputStream in = exchange.getRequestBody()) {
            in.transferTo(OutputStream.nullOutputStream());
        }
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> out = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            out.putIfAbsent(name, value);
        }
        return out;
    }

    private record Answer(int status, String code, JsonNode body, Map<String, String> headers) {
    }
}
