package visionsearch.embed;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import okhttp3.Headers;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Azure AI Vision multimodal embeddings ({@code retrieval:vectorizeImage} and
 * {@code retrieval:vectorizeText}), 1024-dimensional, one vector space for images and text.
 *
 * <pre>{@code
 * try (AzureVisionEmbedder azure = AzureVisionEmbedder.builder()
 *         .endpoint("https://my-resource.cognitiveservices.azure.com")
 *         .key(System.getenv("VISION_KEY"))
 *         .build()) {
 *     Embedding cat = azure.embedImage(Path.of("cat.jpg"));
 *     Embedding query = azure.embedText("a cat on a sofa");
 *     double score = cat.cosine(query);
 * }
 * }</pre>
 *
 * <p>Defaults: GA {@code api-version=2024-02-01} with {@code model-version=2023-04-15}; tier S1
 * (20 calls/s); 3 retries with exponential backoff from 0.8 s to 8 s with jitter on 408, 429, 5xx
 * (except 501 and 505) and I/O faults, honouring {@code x-ms-retry-after-ms},
 * {@code retry-after-ms} and {@code Retry-After}; an overall deadline of 2 minutes per item. One
 * client-side rate limiter is shared by every thread that uses this client.
 *
 * <p>The retired preview {@code 2023-02-01-preview} (sent with {@code modelVersion=latest}) stays
 * selectable for old resources; Azure answers it with {@code Gone}, which this client turns into
 * advice to switch to {@code 2024-02-01}.
 *
 * <p>Every failure is a {@link VisionApiException} (bad local input: {@link IllegalArgumentException}
 * or {@link InvalidImageException}). The key and bearer tokens never appear in messages, logs or
 * {@link #toString()}. Vectors are not unit length (image vectors have a norm of about 92): compare
 * them with cosine. Thread-safe; close it when done.
 *
 * <p><b>Local models behind the same API</b> ({@code vision-search emulator}): a server may answer
 * a {@code modelVersion} that is a local model id (it contains a {@code ':'}, e.g.
 * {@code features:grid-hist-v1} or {@code clip:ViT-B-32}; Azure's versions are dates and never do).
 * Such an answer is accepted with the vector length it has, and the embedding carries that model
 * id, never {@code azure-vision:...}, so emulator vectors are never mixed up with Azure ones. From
 * then on {@link #modelId()} and {@link #dimensions()} report the served model. For an endpoint on
 * a loopback host ({@code 127.0.0.1}, {@code localhost}, {@code [::1]}), where no Azure resource
 * can live, {@link #modelId()} and {@link #dimensions()} ask the server once with a tiny built-in
 * image before the first call, so a store can be created for the right model up front
 * ({@link Builder#probeLocalServer(boolean)} turns this off).
 */
public final class AzureVisionEmbedder implements Embedder {
    /** The GA API version, the default. */
    public static final String API_VERSION_GA = "2024-02-01";
    /** The seed tutorial's preview API version, retired by Azure on 2025-03-31. */
    public static final String API_VERSION_PREVIEW = "2023-02-01-preview";
    /** The default model: multilingual text (102 languages). */
    public static final String MODEL_VERSION_DEFAULT = "2023-04-15";
    /** The older model: English-only text. */
    public static final String MODEL_VERSION_ENGLISH = "2022-04-11";
    /** The model version the preview API is sent ({@code modelVersion=latest}). */
    public static final String MODEL_VERSION_LATEST = "latest";
    /** Dimensions of every vector of this service. */
    public static final int DIMENSIONS = 1024;
    /** Texts may have at most this many words. */
    public static final int MAX_TEXT_WORDS = 70;
    /** Azure regions that offer multimodal embeddings (as documented). */
    public static final List<String> REGIONS = List.of("East US", "West US", "West US 2", "France Central",
            "North Europe", "West Europe", "Sweden Central", "Switzerland North", "Australia East",
            "Southeast Asia", "Korea Central", "Japan East");

    private static final Logger LOG = LoggerFactory.getLogger(AzureVisionEmbedder.class);
    // NaN / Infinity literals parse, so a vector holding them is reported as non-finite rather than as malformed JSON.
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();
    private static final MediaType OCTET_STREAM = MediaType.get("application/octet-stream");
    private static final MediaType APPLICATION_JSON = MediaType.get("application/json");
    private static final Pattern WORD = Pattern.compile("\\S+");
    private static final Pattern VERSION = Pattern.compile("\\d{4}-\\d{2}-\\d{2}(-preview)?");
    private static final int BODY_PREFIX = 200;

    private final String endpoint;
    private final HttpUrl imageUrl;
    private final HttpUrl textUrl;
    private final String key;
    private final Supplier<String> tokenSupplier;
    private final String apiVersion;
    private final String modelVersion;
    private final RateLimiter limiter;
    private final String tierLabel;
    private final int maxRetries;
    private final Duration minBackoff;
    private final Duration maxBackoff;
    private final Duration deadline;
    private final int concurrency;
    private final boolean truncateLongText;
    private final OkHttpClient http;
    private final boolean ownsHttp;
    private volatile String lastModelVersion;
    /** The local model id a non-Azure server (the emulator) answered, or null. */
    private volatile String servedModel;
    private volatile int servedDimensions;
    private volatile boolean probed;
    /** Whether the local model behind a loopback endpoint embeds text; null until asked. */
    private volatile Boolean servedText;
    private volatile boolean closed;

    private AzureVisionEmbedder(Builder b, String endpoint, HttpUrl base, double rate, String tierLabel) {
        this.endpoint = endpoint;
        this.imageUrl = operationUrl(base, "vectorizeImage", b);
        this.textUrl = operationUrl(base, "vectorizeText", b);
        this.key = b.key;
        this.tokenSupplier = b.tokenSupplier;
        this.apiVersion = b.apiVersion;
        this.modelVersion = b.modelVersion;
        this.limiter = RateLimiter.perSecond(rate);
        this.tierLabel = tierLabel;
        this.maxRetries = b.maxRetries;
        this.minBackoff = b.minBackoff;
        this.maxBackoff = b.maxBackoff;
        this.deadline = b.deadline;
        this.concurrency = b.concurrency;
        this.truncateLongText = b.truncateLongText;
        this.probed = !b.probeLocalServer;
        OkHttpClient.Builder hb = b.httpClient == null ? new OkHttpClient.Builder() : b.httpClient.newBuilder();
        if (b.httpClient == null || b.connectTimeout != null) {
            hb.connectTimeout(Optional.ofNullable(b.connectTimeout).orElse(Duration.ofSeconds(10)));
        }
        if (b.httpClient == null || b.readTimeout != null) {
            hb.readTimeout(Optional.ofNullable(b.readTimeout).orElse(Duration.ofSeconds(30)));
        }
        if (b.httpClient == null || b.writeTimeout != null) {
            hb.writeTimeout(Optional.ofNullable(b.writeTimeout).orElse(Duration.ofSeconds(30)));
        }
        // Our own retry loop counts and paces every attempt; OkHttp's silent retry would hide some.
        hb.retryOnConnectionFailure(false);
        this.http = hb.build();
        this.ownsHttp = b.httpClient == null;
    }

    /** Returns a builder; {@link Builder#endpoint} and one of {@link Builder#key} / {@link Builder#tokenSupplier} are required. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns a builder filled from {@code VISION_ENDPOINT}, {@code VISION_KEY}, {@code VISION_API_VERSION},
     * {@code VISION_MODEL_VERSION} and {@code VISION_TIER}; override any setting before {@code build()}.
     */
    public static Builder builder(Settings settings) {
        Objects.requireNonNull(settings, "settings");
        Builder b = new Builder();
        settings.get("VISION_ENDPOINT").ifPresent(b::endpoint);
        settings.get("VISION_KEY").ifPresent(b::key);
        settings.get("VISION_API_VERSION").ifPresent(b::apiVersion);
        settings.get("VISION_MODEL_VERSION").ifPresent(b::modelVersion);
        settings.get("VISION_TIER").ifPresent(b::tier);
        b.fromSettings = true;
        return b;
    }

    /** Builds a client from {@code VISION_ENDPOINT}, {@code VISION_KEY} and the other {@code VISION_*} settings. */
    public static AzureVisionEmbedder fromSettings(Settings settings) {
        return builder(settings).build();
    }

    /** Embeds image bytes (sent as {@code application/octet-stream}) or a URL (sent as {@code {"url": ...}}, fetched by Azure). */
    @Override
    public Embedding embedImage(ImageInput image) {
        Objects.requireNonNull(image, "image");
        ensureOpen();
        if (image.isUrl()) {
            ObjectNode body = JSON.createObjectNode().put("url", image.url().toString());
            return call(imageUrl, "vectorizeImage", urlLabel(image.url()), json(body));
        }
        return call(imageUrl, "vectorizeImage", image.source(), RequestBody.create(image.bytes(), OCTET_STREAM));
    }

    /**
     * Embeds a text of 1 to 70 words.
     *
     * @throws IllegalArgumentException if the text is empty, or longer than 70 words and
     *     {@link Builder#truncateLongText(boolean)} is off (see {@link #embedTextTruncated(String)})
     */
    @Override
    public Embedding embedText(String text) {
        return embedText(text, truncateLongText);
    }

    /** Embeds the first 70 words of {@code text}, dropping the rest. */
    public Embedding embedTextTruncated(String text) {
        return embedText(text, true);
    }

    private Embedding embedText(String text, boolean truncate) {
        Objects.requireNonNull(text, "text");
        ensureOpen();
        String prepared = prepareText(text, truncate);
        ObjectNode body = JSON.createObjectNode().put("text", prepared);
        return call(textUrl, "vectorizeText", "text", json(body));
    }

    /** The URL for messages and logs, without its query: a query may hold a secret (a storage SAS token). */
    static String urlLabel(java.net.URI url) {
        String s = url.toString();
        int q = s.indexOf('?');
        return q < 0 ? s : s.substring(0, q) + "?(query hidden)";
    }

    /** Returns the text as sent: checked to have 1 to 70 words, or cut after the 70th word if {@code truncate}. */
    static String prepareText(String text, boolean truncate) {
        Matcher m = WORD.matcher(text);
        int words = 0;
        int end = -1;
        while (m.find()) {
            words++;
            if (words == MAX_TEXT_WORDS) {
                end = m.end();
            }
        }
        if (words == 0) {
            throw new IllegalArgumentException("text must have 1 to " + MAX_TEXT_WORDS + " words, got an empty text");
        }
        if (words > MAX_TEXT_WORDS) {
            if (!truncate) {
                throw new IllegalArgumentException("text has " + words + " words: Azure AI Vision accepts 1 to "
                        + MAX_TEXT_WORDS + " words; shorten it, or call embedTextTruncated / set truncateLongText(true)"
                        + " to keep the first " + MAX_TEXT_WORDS);
            }
            return text.substring(0, end).strip();
        }
        return text.strip();
    }

    /**
     * Embeds many images concurrently (at most {@link Builder#concurrency(int)} calls in flight,
     * all within the shared rate limit); one result per input, in input order. A bad item (an
     * image Azure cannot decode, a URL it cannot fetch) gives a failed result and never fails the batch.
     */
    @Override
    public List<EmbeddingResult> embedImages(List<ImageInput> images, BatchProgress progress) {
        Objects.requireNonNull(images, "images");
        Objects.requireNonNull(progress, "progress");
        ensureOpen();
        int total = images.size();
        if (total == 0) {
            return List.of();
        }
        AtomicInteger done = new AtomicInteger();
        Object progressLock = new Object();
        int threads = Math.min(concurrency, total);
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "azure-vision-batch");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<EmbeddingResult>> futures = new ArrayList<>(total);
            for (int i = 0; i < total; i++) {
                int index = i;
                ImageInput image = images.get(i);
                futures.add(pool.submit(() -> {
                    EmbeddingResult result = embedOne(index, image);
                    synchronized (progressLock) {
                        progress.update(done.incrementAndGet(), total);
                    }
                    return result;
                }));
            }
            List<EmbeddingResult> results = new ArrayList<>(total);
            for (int i = 0; i < total; i++) {
                try {
                    results.add(futures.get(i).get());
                } catch (ExecutionException e) {
                    // embedOne catches RuntimeException; only an Error or a throwing progress callback lands here.
                    Throwable cause = e.getCause();
                    if (cause instanceof Error err) {
                        throw err;
                    }
                    results.add(EmbeddingResult.failure(i, source(images.get(i)),
                            cause instanceof RuntimeException re ? re
                                    : new EmbeddingException("item " + i + " failed: " + cause, false, cause)));
                }
            }
            return results;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EmbeddingException("interrupted while embedding a batch of " + total + " images", false, e);
        } finally {
            pool.shutdownNow();
        }
    }

    private EmbeddingResult embedOne(int index, ImageInput image) {
        if (image == null) {
            return EmbeddingResult.failure(index, "null",
                    new IllegalArgumentException("images[" + index + "] is null"));
        }
        try {
            return EmbeddingResult.success(index, image.source(), embedImage(image));
        } catch (RuntimeException e) {
            return EmbeddingResult.failure(index, image.source(), e);
        }
    }

    private static String source(ImageInput image) {
        return image == null ? "null" : image.source();
    }

    /**
     * Returns {@code azure-vision:<model version>}; with the preview's {@code latest}, the version the
     * service last reported (or {@code azure-vision:latest} before the first answer).
     */
    @Override
    public String modelId() {
        probeLocalServer();
        String served = servedModel;
        if (served != null) {
            return served;
        }
        if (MODEL_VERSION_LATEST.equals(modelVersion)) {
            String seen = lastModelVersion;
            return "azure-vision:" + (seen == null ? MODEL_VERSION_LATEST : seen);
        }
        return "azure-vision:" + modelVersion;
    }

    /**
     * Returns true for Azure, which embeds text with every model. Behind a local emulator it asks once
     * with a one-word text, because a local image-only model (image features) answers text with
     * 400 {@code TextNotSupported}.
     */
    @Override
    public boolean supportsText() {
        probeLocalServer();
        if (servedModel == null) {
            return true;
        }
        Boolean known = servedText;
        if (known == null) {
            try {
                embedText("probe");
                known = true;
            } catch (VisionApiException e) {
                known = !"TextNotSupported".equals(e.innerCode());
            }
            servedText = known;
        }
        return known;
    }

    /** Returns 1024, or the served model's dimension behind a local emulator (see the class comment). */
    @Override
    public int dimensions() {
        probeLocalServer();
        int served = servedDimensions;
        return served > 0 ? served : DIMENSIONS;
    }

    /**
     * For a loopback endpoint, embeds a tiny built-in image once to learn which model the local
     * server runs; failures are ignored here (the real call reports them).
     */
    private void probeLocalServer() {
        if (probed || servedModel != null || closed) {
            return;
        }
        // No Azure resource can live on a loopback host; scripted test servers turn the probe off in the builder.
        String host = imageUrl.host();
        boolean loopback = host.startsWith("127.") || host.equals("::1") || host.equals("0:0:0:0:0:0:0:1")
                || host.equalsIgnoreCase("localhost");
        if (!loopback) {
            probed = true;
            return;
        }
        synchronized (this) {
            if (probed) {
                return;
            }
            probed = true;
            try {
                // The probe is a call like any other: it takes a slot of the shared rate limit.
                if (!limiter.acquire(System.nanoTime() + deadline.toNanos())) {
                    return;
                }
                java.awt.image.BufferedImage pixels = new java.awt.image.BufferedImage(16, 16,
                        java.awt.image.BufferedImage.TYPE_INT_RGB);
                java.io.ByteArrayOutputStream png = new java.io.ByteArrayOutputStream();
                javax.imageio.ImageIO.write(pixels, "png", png);
                Request.Builder request = new Request.Builder().url(imageUrl)
                        .post(RequestBody.create(png.toByteArray(), OCTET_STREAM));
                if (key != null) {
                    request.header("Ocp-Apim-Subscription-Key", key);
                } else {
                    request.header("Authorization", "Bearer " + bearerToken());
                }
                try (Response response = http.newCall(request.build()).execute()) {
                    if (response.code() == 200) {
                        parseSuccess(readBody(response), response, "vectorizeImage", "probe");
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (IOException | RuntimeException e) {
                LOG.debug("probing the local server at {} failed: {}", endpoint, e.toString());
            }
        }
    }

    /** Returns the endpoint without its trailing slash. */
    public String endpoint() {
        return endpoint;
    }

    /** Returns the api-version sent. */
    public String apiVersion() {
        return apiVersion;
    }

    /** Returns the model version requested. */
    public String modelVersion() {
        return modelVersion;
    }

    /** Returns the client-side rate limit in calls per second ({@code Infinity} when unlimited). */
    public double ratePerSecond() {
        return limiter.ratePerSecond();
    }

    /** Releases the HTTP connections (when this client created its own OkHttpClient); later calls throw. */
    @Override
    public void close() {
        closed = true;
        if (ownsHttp) {
            http.dispatcher().executorService().shutdown();
            http.connectionPool().evictAll();
        }
    }

    /** Describes the client (endpoint, versions, tier, auth kind); never shows the key or token. */
    @Override
    public String toString() {
        return "AzureVisionEmbedder[endpoint=" + endpoint + ", api-version=" + apiVersion
                + ", model-version=" + modelVersion + ", tier=" + tierLabel + " (" + limiter + ")"
                + ", auth=" + (key != null ? "key ***" : "Entra ID token") + ", maxRetries=" + maxRetries + "]";
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("this AzureVisionEmbedder is closed");
        }
    }

    private static RequestBody json(ObjectNode body) {
        try {
            return RequestBody.create(JSON.writeValueAsBytes(body), APPLICATION_JSON);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON request", e);
        }
    }

    private HttpUrl operationUrl(HttpUrl base, String operation, Builder b) {
        boolean preview = b.apiVersion.endsWith("-preview");
        return base.newBuilder()
                .addPathSegment("computervision")
                .addPathSegment("retrieval:" + operation)
                .addQueryParameter("api-version", b.apiVersion)
                .addQueryParameter(preview ? "modelVersion" : "model-version", b.modelVersion)
                .build();
    }

    // ---------------------------------------------------------------- calling and retrying

    private Embedding call(HttpUrl url, String operation, String source, RequestBody body) {
        long deadlineAt = System.nanoTime() + deadline.toNanos();
        VisionApiException last = null;
        for (int attempt = 1; ; attempt++) {
            try {
                if (!limiter.acquire(deadlineAt)) {
                    throw deadlineExceeded(operation, source, attempt - 1, last, "the rate limit ("
                            + limiter + ") leaves no slot before the deadline");
                }
            } catch (InterruptedException e) {
                throw interrupted(operation, e);
            }
            long retryAfterMs = -1;
            Request.Builder request = new Request.Builder().url(url).post(body);
            if (key != null) {
                request.header("Ocp-Apim-Subscription-Key", key);
            } else {
                request.header("Authorization", "Bearer " + bearerToken());
            }
            try (Response response = http.newCall(request.build()).execute()) {
                byte[] bytes = readBody(response);
                if (response.code() == 200) {
                    return parseSuccess(bytes, response, operation, source);
                }
                last = httpError(response, bytes, operation, source);
                retryAfterMs = retryAfterMillis(response.headers());
            } catch (InterruptedIOException e) {
                if (!(e instanceof SocketTimeoutException) && Thread.currentThread().isInterrupted()) {
                    throw interrupted(operation, e);
                }
                last = ioError(operation, source, e);
            } catch (IOException e) {
                last = ioError(operation, source, e);
            }
            if (!last.retryable()) {
                throw last;
            }
            if (attempt > maxRetries) {
                throw withSuffix(last, "; gave up after " + attempt + " attempts (maxRetries=" + maxRetries + ")");
            }
            long delayMs = retryAfterMs >= 0 ? retryAfterMs : backoffMillis(attempt);
            if (System.nanoTime() + delayMs * 1_000_000 - deadlineAt > 0) {
                throw deadlineExceeded(operation, source, attempt, last, (retryAfterMs >= 0
                        ? "the service asked to wait " + retryAfterMs + " ms" : "the next backoff of " + delayMs + " ms")
                        + " would pass the deadline of " + deadline.toMillis() + " ms");
            }
            LOG.info("Azure AI Vision {} for {}: {}; retry {} of {} in {} ms", operation, source,
                    last.status() == 0 ? "connection fault" : "HTTP " + last.status(), attempt, maxRetries, delayMs);
            try {
                Thread.sleep(delayMs);
            } catch (InterruptedException e) {
                throw interrupted(operation, e);
            }
        }
    }

    private String bearerToken() {
        String token;
        try {
            token = tokenSupplier.get();
        } catch (RuntimeException e) {
            throw new VisionApiException("the Entra ID token supplier failed: " + e.getClass().getSimpleName()
                    + "; check your credential (scope https://cognitiveservices.azure.com/.default)",
                    0, null, null, null, false, null);
        }
        if (token == null || token.isBlank()) {
            throw new VisionApiException("the Entra ID token supplier returned no token; it must return an access token"
                    + " for scope https://cognitiveservices.azure.com/.default", 0, null, null, null, false, null);
        }
        return token.strip();
    }

    private static byte[] readBody(Response response) throws IOException {
        ResponseBody body = response.body();
        return body == null ? new byte[0] : body.bytes();
    }

    /** Exponential backoff from minBackoff doubling per attempt, capped at maxBackoff, with +-20 % jitter. */
    long backoffMillis(int attempt) {
        double base = minBackoff.toMillis() * Math.pow(2, Math.min(attempt - 1, 30));
        double capped = Math.min(base, maxBackoff.toMillis());
        double jittered = capped * (0.8 + 0.4 * ThreadLocalRandom.current().nextDouble());
        return Math.max(0, Math.min(Math.round(jittered), maxBackoff.toMillis()));
    }

    /** Reads x-ms-retry-after-ms, then retry-after-ms, then Retry-After (seconds or HTTP date); -1 if none. */
    static long retryAfterMillis(Headers headers) {
        for (String name : List.of("x-ms-retry-after-ms", "retry-after-ms")) {
            String v = headers.get(name);
            if (v != null) {
                try {
                    return Math.max(0, (long) Double.parseDouble(v.trim()));
                } catch (NumberFormatException ignored) {
                    // fall through to the next header
                }
            }
        }
        String v = headers.get("Retry-After");
        if (v != null) {
            v = v.trim();
            try {
                return Math.max(0, (long) (Double.parseDouble(v) * 1000));
            } catch (NumberFormatException notSeconds) {
                try {
                    ZonedDateTime at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME);
                    return Math.max(0, Duration.between(ZonedDateTime.now(at.getZone()), at).toMillis());
                } catch (DateTimeParseException ignored) {
                    return -1;
                }
            }
        }
        return -1;
    }

    static boolean retryableStatus(int status) {
        return status == 408 || status == 429 || (status >= 500 && status <= 599 && status != 501 && status != 505);
    }

    // ---------------------------------------------------------------- answers

    private Embedding parseSuccess(byte[] bytes, Response response, String operation, String source) {
        String requestId = requestId(response.headers());
        JsonNode root;
        try {
            root = JSON.readTree(bytes);
        } catch (IOException e) {
            root = null;
        }
        if (root == null || !root.isObject() || !root.path("vector").isArray()) {
            throw new VisionApiException(redact("Azure AI Vision " + operation + " for " + source
                    + " answered HTTP 200 but the body is not the expected JSON {\"modelVersion\": ..., \"vector\": [...]}"
                    + requestIdNote(requestId) + "; body starts: " + prefix(bytes)
                    + "; check VISION_ENDPOINT points at an Azure AI Vision resource"),
                    200, null, null, requestId, false, null);
        }
        JsonNode vectorNode = root.get("vector");
        String answeredModel = root.path("modelVersion").isTextual() ? root.get("modelVersion").textValue().strip() : "";
        // A local model served over Azure's API (vision-search emulator): its own id and dimension.
        boolean localModel = answeredModel.contains(":");
        int expected = localModel ? vectorNode.size() : DIMENSIONS;
        if (vectorNode.size() != expected || expected == 0) {
            throw new VisionApiException("Azure AI Vision " + operation + " for " + source + " answered a vector of "
                    + vectorNode.size() + " values: expected " + DIMENSIONS + requestIdNote(requestId),
                    200, null, null, requestId, false, null);
        }
        float[] vector = new float[expected];
        for (int i = 0; i < expected; i++) {
            JsonNode n = vectorNode.get(i);
            double d = n.isNumber() ? n.doubleValue()
                    : n.isTextual() ? parseDoubleOrNaN(n.textValue()) : Double.NaN;
            float f = (float) d;
            if (!Float.isFinite(f)) {
                throw new VisionApiException("Azure AI Vision " + operation + " for " + source
                        + " answered a vector with a non-finite value at index " + i + " (" + n + "): expected "
                        + expected + " finite numbers" + requestIdNote(requestId), 200, null, null, requestId, false, null);
            }
            vector[i] = f;
        }
        if (localModel) {
            String known = servedModel;
            if (known != null && !known.equals(answeredModel)) {
                throw new VisionApiException("the server at " + endpoint + " answered model " + answeredModel
                        + " but earlier answered " + known + requestIdNote(requestId)
                        + "; vectors of different models must never be mixed: was the emulator restarted with"
                        + " another --embedder?", 200, null, null, requestId, false, null);
            }
            servedDimensions = expected;
            servedModel = answeredModel;
            return new Embedding(vector, answeredModel);
        }
        String answered = root.path("modelVersion").isTextual() ? root.get("modelVersion").textValue().strip() : null;
        String model;
        if (MODEL_VERSION_LATEST.equals(modelVersion)) {
            model = answered == null || answered.isEmpty() ? MODEL_VERSION_LATEST : answered;
            lastModelVersion = model;
        } else if (answered == null || answered.isEmpty()) {
            model = modelVersion; // the documentation is silent on a missing field; trust the request
        } else if (!answered.equals(modelVersion)) {
            throw new VisionApiException("Azure AI Vision " + operation + " for " + source + " answered modelVersion "
                    + answered + " but " + modelVersion + " was requested" + requestIdNote(requestId)
                    + "; vectors of different model versions must never be mixed: check VISION_MODEL_VERSION",
                    200, null, null, requestId, false, null);
        } else {
            model = answered;
        }
        return new Embedding(vector, "azure-vision:" + model);
    }

    private static double parseDoubleOrNaN(String s) {
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    private VisionApiException httpError(Response response, byte[] bytes, String operation, String source) {
        int status = response.code();
        String requestId = requestId(response.headers());
        String code = response.header("x-ms-error-code");
        String message = null;
        String innerCode = null;
        String innerMessage = null;
        boolean parsed = false;
        try {
            JsonNode error = JSON.readTree(bytes).path("error");
            if (error.isObject()) {
                parsed = true;
                code = textOr(error.get("code"), code);
                message = textOr(error.get("message"), null);
                JsonNode inner = error.path("innererror");
                innerCode = textOr(inner.get("code"), null);
                innerMessage = textOr(inner.get("message"), null);
            }
        } catch (IOException | RuntimeException ignored) {
            // not JSON: shown as a prefix below
        }
        StringBuilder m = new StringBuilder("Azure AI Vision ").append(operation).append(" for ").append(source)
                .append(" failed: HTTP ").append(status);
        if (code != null) {
            m.append(" ").append(code);
        }
        if (innerCode != null) {
            m.append("/").append(innerCode);
        }
        if (message != null) {
            m.append(": ").append(message);
        }
        if (innerMessage != null && !innerMessage.equals(message)) {
            m.append(" (").append(innerMessage).append(")");
        }
        if (!parsed && bytes.length > 0) {
            m.append(": body starts: ").append(prefix(bytes));
        }
        m.append(requestIdNote(requestId));
        String advice = advice(status, code, innerCode);
        if (advice != null) {
            m.append(". ").append(advice);
        }
        return new VisionApiException(redact(m.toString()), status, code, innerCode, requestId,
                retryableStatus(status), null);
    }

    private String advice(int status, String code, String innerCode) {
        if (status == 410 || "Gone".equalsIgnoreCase(code)) {
            return "api-version " + apiVersion + " is retired (Azure retired all Image Analysis 4.0 previews on"
                    + " 2025-03-31): set VISION_API_VERSION=" + API_VERSION_GA + " and VISION_MODEL_VERSION="
                    + MODEL_VERSION_DEFAULT + " (builder: apiVersion(\"" + API_VERSION_GA + "\"))";
        }
        if (status == 401) {
            return (key != null
                    ? "Check that VISION_KEY is a key of the resource at " + endpoint
                            + " (Azure portal > your resource > Keys and Endpoint) and that the endpoint is right"
                    : "Check the Entra ID token: scope https://cognitiveservices.azure.com/.default, a custom-subdomain"
                            + " endpoint (not a regional one) and the 'Cognitive Services User' role on the resource");
        }
        if (status == 403) {
            return "The resource refused the call: a free (F0) resource out of its call quota, a disabled or"
                    + " network-restricted resource, or a token without access; wait for the quota to reset,"
                    + " move to tier S1, or check the resource's networking and roles";
        }
        if (status == 404) {
            return "Check VISION_ENDPOINT (" + endpoint + ", expected https://<resource>.cognitiveservices.azure.com),"
                    + " VISION_API_VERSION (" + apiVersion + ", expected " + API_VERSION_GA + ") and that the resource"
                    + " is in a region with multimodal embeddings: " + String.join(", ", REGIONS);
        }
        if (status == 429) {
            return "The resource's rate limit was exceeded; lower VISION_TIER (F0 = 20 calls/minute,"
                    + " S1 = 20 calls/s, or a number of calls per second) or retry later";
        }
        if (status == 400 && innerCode != null) {
            switch (innerCode) {
                case "InvalidImageFormat":
                    return "Azure could not decode the image; re-save it as JPEG or PNG";
                case "InvalidImageSize":
                    return "the image must be under 20 MB with width and height between 10 and 16,000 px";
                case "InvalidImageUrl":
                case "InvalidImageURL":
                    return "the image URL must be publicly reachable by Azure (not localhost, not behind a login)";
                default:
                    return null;
            }
        }
        return null;
    }

    private VisionApiException ioError(String operation, String source, IOException e) {
        String what = e instanceof SocketTimeoutException ? "timed out" : "connection fault";
        return new VisionApiException(redact("Azure AI Vision " + operation + " for " + source + ": " + what + " ("
                + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ") talking to "
                + endpoint + "; check the network and VISION_ENDPOINT"), 0, null, null, null, true, e);
    }

    private VisionApiException deadlineExceeded(String operation, String source, int attempts,
                                                VisionApiException last, String why) {
        String m = "Azure AI Vision " + operation + " for " + source + ": gave up after " + attempts
                + " attempt(s): " + why + (last == null ? "" : "; last error: " + last.getMessage());
        return last == null
                ? new VisionApiException(m, 0, null, null, null, true, null)
                : new VisionApiException(m, last.status(), last.errorCode(), last.innerCode(), last.requestId(), true,
                        last.getCause());
    }

    private static VisionApiException withSuffix(VisionApiException e, String suffix) {
        return new VisionApiException(e.getMessage() + suffix, e.status(), e.errorCode(), e.innerCode(),
                e.requestId(), e.retryable(), e.getCause());
    }

    private static VisionApiException interrupted(String operation, Exception e) {
        Thread.currentThread().interrupt();
        return new VisionApiException("interrupted during Azure AI Vision " + operation, 0, null, null, null, false, e);
    }

    private static String requestId(Headers headers) {
        String id = headers.get("apim-request-id");
        return id != null ? id : headers.get("x-ms-request-id");
    }

    private static String requestIdNote(String requestId) {
        return requestId == null ? "" : " (request id " + requestId + ")";
    }

    private static String textOr(JsonNode node, String fallback) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return fallback;
        }
        return node.isValueNode() ? node.asText() : node.toString();
    }

    private static String prefix(byte[] bytes) {
        String s = new String(bytes, 0, Math.min(bytes.length, BODY_PREFIX * 4), StandardCharsets.UTF_8);
        s = s.replaceAll("\\s+", " ").strip();
        if (s.isEmpty()) {
            return "(empty)";
        }
        return "'" + (s.length() > BODY_PREFIX ? s.substring(0, BODY_PREFIX) + "..." : s) + "'";
    }

    /** Removes the key from text that may echo a server's answer. */
    private String redact(String text) {
        if (key != null && !key.isEmpty() && text.contains(key)) {
            return text.replace(key, "***");
        }
        return text;
    }

    // ---------------------------------------------------------------- builder

    /**
     * Settings of an {@link AzureVisionEmbedder}; {@link #build()} checks them and names what is
     * missing or wrong. {@link #toString()} never shows the key.
     */
    public static final class Builder {
        private String endpoint;
        private String key;
        private Supplier<String> tokenSupplier;
        private String apiVersion = API_VERSION_GA;
        private String modelVersion;
        private String tier = "S1";
        private Double ratePerSecond;
        private int maxRetries = 3;
        private Duration minBackoff = Duration.ofMillis(800);
        private Duration maxBackoff = Duration.ofSeconds(8);
        private Duration deadline = Duration.ofMinutes(2);
        private Duration connectTimeout;
        private Duration readTimeout;
        private Duration writeTimeout;
        private OkHttpClient httpClient;
        private int concurrency = 8;
        private boolean truncateLongText;
        private boolean probeLocalServer = true;
        private boolean fromSettings;

        private Builder() {
        }

        /** Sets the resource endpoint, e.g. {@code https://my-resource.cognitiveservices.azure.com} (trailing slash optional). */
        public Builder endpoint(String endpoint) {
            this.endpoint = endpoint;
            return this;
        }

        /** Sets the subscription key, sent as {@code Ocp-Apim-Subscription-Key}. */
        public Builder key(String key) {
            this.key = key;
            return this;
        }

        /**
         * Uses Microsoft Entra ID instead of a key: {@code tokens} is asked for an access token (scope
         * {@code https://cognitiveservices.azure.com/.default}) before every attempt, so it may refresh;
         * sent as {@code Authorization: Bearer}. Works only on a custom-subdomain endpoint.
         */
        public Builder tokenSupplier(Supplier<String> tokens) {
            this.tokenSupplier = tokens;
            return this;
        }

        /** Sets the api-version: {@code 2024-02-01} (default) or the retired {@code 2023-02-01-preview}. */
        public Builder apiVersion(String apiVersion) {
            this.apiVersion = apiVersion;
            return this;
        }

        /** Sets the model version: {@code 2023-04-15} (default), {@code 2022-04-11}, or {@code latest} for the preview. */
        public Builder modelVersion(String modelVersion) {
            this.modelVersion = modelVersion;
            return this;
        }

        /** Sets the pricing tier for the client-side rate limit: {@code F0} (20/min), {@code S1} (20/s) or calls per second. */
        public Builder tier(String tier) {
            this.tier = tier;
            this.ratePerSecond = null;
            return this;
        }

        /** Sets the client-side rate limit in calls per second ({@code Double.POSITIVE_INFINITY}: none). */
        public Builder ratePerSecond(double ratePerSecond) {
            this.ratePerSecond = ratePerSecond;
            return this;
        }

        /** Sets how many times a retryable failure is retried (default 3; 0 disables retries). */
        public Builder maxRetries(int maxRetries) {
            this.maxRetries = maxRetries;
            return this;
        }

        /** Sets the backoff range: the first retry waits about {@code min}, doubling up to {@code max} (default 0.8 s .. 8 s). */
        public Builder backoff(Duration min, Duration max) {
            this.minBackoff = min;
            this.maxBackoff = max;
            return this;
        }

        /** Sets the overall time for one item, all attempts and waits included (default 2 minutes). */
        public Builder deadline(Duration deadline) {
            this.deadline = deadline;
            return this;
        }

        /** Sets the connect timeout of one attempt (default 10 s). */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = timeout;
            return this;
        }

        /** Sets the read timeout of one attempt (default 30 s). */
        public Builder readTimeout(Duration timeout) {
            this.readTimeout = timeout;
            return this;
        }

        /** Sets the write timeout of one attempt (default 30 s). */
        public Builder writeTimeout(Duration timeout) {
            this.writeTimeout = timeout;
            return this;
        }

        /**
         * Uses {@code client} (its connection pool, proxy, interceptors); its timeouts are kept unless
         * set here. The client is not shut down by {@link AzureVisionEmbedder#close()}.
         */
        public Builder httpClient(OkHttpClient client) {
            this.httpClient = client;
            return this;
        }

        /** Sets how many calls {@code embedImages} keeps in flight (default 8; the rate limit still applies). */
        public Builder concurrency(int concurrency) {
            this.concurrency = concurrency;
            return this;
        }

        /** If true, texts over 70 words are cut after the 70th word instead of refused (default false). */
        public Builder truncateLongText(boolean truncate) {
            this.truncateLongText = truncate;
            return this;
        }

        /**
         * Whether {@link AzureVisionEmbedder#modelId()} and {@link AzureVisionEmbedder#dimensions()} may ask a
         * loopback endpoint (the emulator) once which model it serves (default true). Turn it off for scripted
         * test servers whose answers a probe would consume.
         */
        public Builder probeLocalServer(boolean probe) {
            this.probeLocalServer = probe;
            return this;
        }

        /** Checks the settings and builds the client. */
        public AzureVisionEmbedder build() {
            List<String> missing = new ArrayList<>();
            if (endpoint == null || endpoint.isBlank()) {
                missing.add(fromSettings ? "VISION_ENDPOINT" : "endpoint");
            }
            if ((key == null || key.isBlank()) && tokenSupplier == null) {
                missing.add(fromSettings ? "VISION_KEY" : "key (or tokenSupplier)");
            }
            if (!missing.isEmpty()) {
                throw new IllegalArgumentException("Azure AI Vision needs " + String.join(" and ", missing)
                        + (fromSettings ? "; set " + (missing.size() == 1 ? "it" : "them")
                                + " in the environment or in a .env file (see .env.sample), or choose another"
                                + " embedder with VISION_EMBEDDER=clip or features" : "; set it on the builder"));
            }
            if (key != null && tokenSupplier != null) {
                throw new IllegalArgumentException("set either key or tokenSupplier, not both");
            }
            if (key != null) {
                key = key.strip();
            }
            String base = endpoint.strip();
            while (base.endsWith("/")) {
                base = base.substring(0, base.length() - 1);
            }
            String endpointName = fromSettings ? "VISION_ENDPOINT" : "endpoint";
            if (base.contains("<") || base.contains(">")) {
                throw new IllegalArgumentException(endpointName + "=" + base + " still holds the placeholder of"
                        + " .env.sample: put your resource's endpoint, e.g. https://my-resource.cognitiveservices.azure.com");
            }
            HttpUrl url = HttpUrl.parse(base);
            if (url == null || url.querySize() > 0) {
                throw new IllegalArgumentException(endpointName + "=" + base + " is not an http(s) URL without query:"
                        + " expected https://<resource>.cognitiveservices.azure.com");
            }
            requireVersion(apiVersion, fromSettings ? "VISION_API_VERSION" : "apiVersion");
            if (modelVersion == null) {
                modelVersion = apiVersion.endsWith("-preview") ? MODEL_VERSION_LATEST : MODEL_VERSION_DEFAULT;
            }
            modelVersion = modelVersion.strip();
            if (!modelVersion.equals(MODEL_VERSION_LATEST) && !VERSION.matcher(modelVersion).matches()) {
                throw new IllegalArgumentException((fromSettings ? "VISION_MODEL_VERSION" : "modelVersion") + "="
                        + modelVersion + " is not a model version: expected one of [" + MODEL_VERSION_DEFAULT + ", "
                        + MODEL_VERSION_ENGLISH + ", " + MODEL_VERSION_LATEST + " (preview only)]");
            }
            double rate;
            String tierLabel;
            if (ratePerSecond != null) {
                rate = ratePerSecond;
                tierLabel = "custom";
            } else {
                rate = tierRate(tier, fromSettings ? "VISION_TIER" : "tier");
                tierLabel = tier.strip().toUpperCase(Locale.ROOT);
            }
            if (!(rate > 0)) {
                throw new IllegalArgumentException("ratePerSecond must be positive, got " + rate);
            }
            if (maxRetries < 0) {
                throw new IllegalArgumentException("maxRetries must be 0 or more, got " + maxRetries);
            }
            if (concurrency < 1) {
                throw new IllegalArgumentException("concurrency must be 1 or more, got " + concurrency);
            }
            Objects.requireNonNull(minBackoff, "minBackoff");
            Objects.requireNonNull(maxBackoff, "maxBackoff");
            Objects.requireNonNull(deadline, "deadline");
            if (minBackoff.isNegative() || maxBackoff.compareTo(minBackoff) < 0) {
                throw new IllegalArgumentException("backoff must satisfy 0 <= min <= max, got " + minBackoff + " .. " + maxBackoff);
            }
            if (deadline.isNegative() || deadline.isZero()) {
                throw new IllegalArgumentException("deadline must be positive, got " + deadline);
            }
            return new AzureVisionEmbedder(this, base, url, rate, tierLabel);
        }

        private static void requireVersion(String version, String name) {
            if (version == null || !VERSION.matcher(version.strip()).matches()) {
                throw new IllegalArgumentException(name + "=" + version + " is not an api-version: expected "
                        + API_VERSION_GA + " (or the retired " + API_VERSION_PREVIEW + ")");
            }
        }

        /** Returns calls per second for a tier name or number. */
        static double tierRate(String tier, String name) {
            String t = tier == null ? "" : tier.strip().toUpperCase(Locale.ROOT);
            switch (t) {
                case "F0":
                    return 20.0 / 60.0;
                case "S1":
                    return 20.0;
                default:
                    try {
                        double rate = Double.parseDouble(t);
                        if (rate > 0 && !Double.isNaN(rate)) {
                            return rate;
                        }
                    } catch (NumberFormatException ignored) {
                        // reported below
                    }
                    throw new IllegalArgumentException(name + "=" + tier + " is not known: expected one of [F0 (20 calls/minute),"
                            + " S1 (20 calls/s), a positive number of calls per second]");
            }
        }

        /** Describes the settings; never shows the key. */
        @Override
        public String toString() {
            return "AzureVisionEmbedder.Builder[endpoint=" + endpoint + ", apiVersion=" + apiVersion
                    + ", modelVersion=" + modelVersion + ", tier=" + (ratePerSecond != null ? ratePerSecond + "/s" : tier)
                    + ", auth=" + (key != null ? "key ***" : tokenSupplier != null ? "Entra ID token" : "none") + "]";
        }
    }
}
