package visionsearch.embed.azure;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.RequestBody;
import visionsearch.embed.BatchProgress;
import visionsearch.embed.Embedder;
import visionsearch.embed.Embedding;
import visionsearch.embed.EmbeddingResult;
import visionsearch.embed.ImageInput;
import visionsearch.embed.InvalidImageException;
import visionsearch.embed.Settings;

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
 * id, never {@code azure-vision:...}, so emulator vectors are never mixed up with Azure ones.
 * <b>Before the first answer</b> {@link #modelId()} and {@link #dimensions()} report the configured
 * Azure model ({@code azure-vision:<model version>}, 1024) without asking the server; after an
 * answer from a local model they report that model. Code that creates a store should therefore
 * take the model id and dimension from the first {@link Embedding} it gets, not from the client.
 *
 * <p>The endpoint must use {@code https://} unless its host is this machine ({@code localhost},
 * {@code 127.x}, {@code [::1]}): over {@code http://} the key would travel in clear
 * ({@link Builder#allowHttp(boolean)} or {@code VISION_ALLOW_HTTP=true} opts in). An endpoint that
 * cannot be reached (unknown host, refused connection) is tried once more at most, then the call
 * fails with what to check; retries of one storm are logged as one line and a summary.
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


    private final String endpoint;
    private final HttpUrl imageUrl;
    private final HttpUrl textUrl;
    private final boolean usesKey;
    private final String apiVersion;
    private final String modelVersion;
    private final RateLimiter limiter;
    private final String tierLabel;
    private final int maxRetries;
    private final int concurrency;
    private final boolean truncateLongText;
    private final AzureCalls calls;
    private final AnsweringModel answering;
    /** Whether the local model behind the endpoint embeds text; null until asked. */
    private volatile Boolean servedText;
    private volatile boolean closed;

    private AzureVisionEmbedder(Builder b, AzureBuilderChecks.Checked checked) {
        this.endpoint = checked.endpoint();
        this.imageUrl = operationUrl(checked.base(), "vectorizeImage", b);
        this.textUrl = operationUrl(checked.base(), "vectorizeText", b);
        this.usesKey = b.key != null;
        this.apiVersion = b.apiVersion;
        this.modelVersion = b.modelVersion;
        this.limiter = RateLimiter.perSecond(checked.rate(), b.pacingMargin);
        this.tierLabel = checked.tierLabel();
        this.maxRetries = b.maxRetries;
        this.concurrency = b.concurrency;
        this.truncateLongText = b.truncateLongText;
        this.calls = new AzureCalls(b, limiter, new AzureAnswers(endpoint, b.key, b.apiVersion));
        this.answering = new AnsweringModel(endpoint, b.modelVersion);
    }

    /** Returns a builder; {@link Builder#endpoint} and one of {@link Builder#key} / {@link Builder#tokenSupplier} are required. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns a builder filled from {@code VISION_ENDPOINT}, {@code VISION_KEY}, {@code VISION_API_VERSION},
     * {@code VISION_MODEL_VERSION}, {@code VISION_TIER} and {@code VISION_ALLOW_HTTP}; override any setting before {@code build()}.
     */
    public static Builder builder(Settings settings) {
        Objects.requireNonNull(settings, "settings");
        Builder b = new Builder();
        settings.get("VISION_ENDPOINT").ifPresent(b::endpoint);
        settings.get("VISION_KEY").ifPresent(b::key);
        settings.get("VISION_API_VERSION").ifPresent(b::apiVersion);
        settings.get("VISION_MODEL_VERSION").ifPresent(b::modelVersion);
        settings.get("VISION_TIER").ifPresent(b::tier);
        settings.get("VISION_ALLOW_HTTP").ifPresent(v -> b.allowHttp(Boolean.parseBoolean(v.strip())));
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
        return call(imageUrl, "vectorizeImage", AzureRequests.label(image), AzureRequests.image(image));
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
        return call(textUrl, "vectorizeText", "text", AzureRequests.text(text, truncate));
    }

    /** Returns how many words (runs of non-blank characters) {@code text} has, as Azure counts them for its 70-word limit. */
    public static int wordCount(String text) {
        Matcher m = AzureRequests.WORD.matcher(Objects.requireNonNull(text, "text"));
        int words = 0;
        while (m.find()) {
            words++;
        }
        return words;
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
        return AzureCalls.inParallel(images, progress, concurrency, this::embedImage);
    }

    /**
     * Returns {@code azure-vision:<model version>}; with the preview's {@code latest}, the version the
     * service last reported (or {@code azure-vision:latest} before the first answer); after an answer
     * from a local model (the emulator), that model's id. Never makes a call.
     */
    @Override
    public String modelId() {
        return answering.modelId();
    }

    /**
     * Returns true for Azure, which embeds text with every model. Once a local model (the emulator)
     * has answered, it asks once with a one-word text, because a local image-only model (image
     * features) answers text with 400 {@code TextNotSupported}.
     */
    @Override
    public boolean supportsText() {
        if (!answering.local()) {
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

    /** Returns 1024, or the served model's dimension once a local model has answered (see the class comment). */
    @Override
    public int dimensions() {
        return answering.dimensions();
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
        calls.close();
    }

    /** Describes the client (endpoint, versions, tier, auth kind); never shows the key or token. */
    @Override
    public String toString() {
        return "AzureVisionEmbedder[endpoint=" + endpoint + ", api-version=" + apiVersion
                + ", model-version=" + modelVersion + ", tier=" + tierLabel + " (" + limiter + ")"
                + ", auth=" + (usesKey ? "key ***" : "Entra ID token") + ", maxRetries=" + maxRetries + "]";
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("this AzureVisionEmbedder is closed");
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

    private Embedding call(HttpUrl url, String operation, String source, RequestBody body) {
        return answering.embedding(calls.post(url, operation, source, body), operation, source);
    }

    /** Exponential backoff with jitter (see {@link AzureCalls#backoffMillis}). */
    long backoffMillis(int attempt) {
        return calls.backoffMillis(attempt);
    }

    // ---------------------------------------------------------------- builder

    /**
     * Settings of an {@link AzureVisionEmbedder}; {@link #build()} checks them and names what is
     * missing or wrong. {@link #toString()} never shows the key.
     */
    public static final class Builder {
        String endpoint;
        String key;
        Supplier<String> tokenSupplier;
        String apiVersion = API_VERSION_GA;
        String modelVersion;
        String tier = "S1";
        Double ratePerSecond;
        Duration pacingMargin = Duration.ofNanos(RateLimiter.MARGIN_NANOS);
        int maxRetries = 3;
        Duration minBackoff = Duration.ofMillis(800);
        Duration maxBackoff = Duration.ofSeconds(8);
        Duration deadline = Duration.ofMinutes(2);
        Duration connectTimeout;
        Duration readTimeout;
        Duration writeTimeout;
        OkHttpClient httpClient;
        int concurrency = 8;
        boolean truncateLongText;
        boolean allowHttp;
        boolean fromSettings;
        java.util.function.Consumer<String> onRetry;

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

        /**
         * Sets how far below the rate limit calls are paced: at most {@code floor(rate)} calls start in
         * any second plus this margin (default 50 ms, a steady 0.952 of the limit), so that arrival jitter
         * up to the margin never puts more than the limit into one second at the server. Raise it on a
         * network with more jitter; 0 paces at the limit itself.
         */
        public Builder pacingMargin(Duration margin) {
            this.pacingMargin = margin;
            return this;
        }

        /** Sets how many times a retryable failure is retried (default 3; 0 disables retries). */
        public Builder maxRetries(int maxRetries) {
            this.maxRetries = maxRetries;
            return this;
        }

        /**
         * Sets who hears of each retry before its wait, one line such as {@code "vectorizeImage for
         * forest-03.png: HTTP 429; retry 1 of 3 in 1000 ms"} (a notebook passes {@code System.out::println});
         * by default retries are only logged.
         */
        public Builder onRetry(java.util.function.Consumer<String> listener) {
            this.onRetry = listener;
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
         * If true, an {@code http://} endpoint on another machine is accepted (default false: refused,
         * because the key would travel unencrypted). Loopback hosts are always accepted.
         */
        public Builder allowHttp(boolean allow) {
            this.allowHttp = allow;
            return this;
        }

        /** Checks the settings and builds the client. */
        public AzureVisionEmbedder build() {
            return new AzureVisionEmbedder(this, AzureBuilderChecks.check(this));
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
