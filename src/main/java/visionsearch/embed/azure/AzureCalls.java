package visionsearch.embed.azure;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;
import okhttp3.HttpUrl;
import okhttp3.Interceptor;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import visionsearch.embed.BatchProgress;
import visionsearch.embed.Embedding;
import visionsearch.embed.EmbeddingException;
import visionsearch.embed.EmbeddingResult;
import visionsearch.embed.ImageInput;

/**
 * The HTTP side of {@link AzureVisionEmbedder}: one POST with the key or a bearer token, paced by the
 * shared {@link RateLimiter}, retried with backoff (or as long as the service asks) on retryable
 * answers and faults, within a deadline per item. What an answer means is {@link AzureAnswers}'s job.
 */
final class AzureCalls {
    private static final Logger LOG = LoggerFactory.getLogger(AzureVisionEmbedder.class);

    private final OkHttpClient http;
    private final boolean ownsHttp;
    private final String key;
    private final Supplier<String> tokenSupplier;
    private final RateLimiter limiter;
    private final int maxRetries;
    private final Duration minBackoff;
    private final Duration maxBackoff;
    private final Duration deadline;
    private final AzureAnswers answers;
    private final java.util.function.Consumer<String> onRetry;
    private final RetryLog retryLog = new RetryLog(System::nanoTime, LOG::info);
    /** Set when a call gave up on an unreachable endpoint; later calls then try once only, until one gets through. */
    private volatile boolean unreachable;
    private final AtomicBoolean unreachableLogged = new AtomicBoolean();

    AzureCalls(AzureVisionEmbedder.Builder b, RateLimiter limiter, AzureAnswers answers) {
        this.key = b.key;
        this.tokenSupplier = b.tokenSupplier;
        this.limiter = limiter;
        this.maxRetries = b.maxRetries;
        this.minBackoff = b.minBackoff;
        this.maxBackoff = b.maxBackoff;
        this.deadline = b.deadline;
        this.answers = answers;
        this.onRetry = b.onRetry;
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
        hb.addNetworkInterceptor(this::paced);
        this.http = hb.build();
        this.ownsHttp = b.httpClient == null;
    }

    /**
     * POSTs {@code body} to {@code url} until a 200, a final error, or the deadline; returns the 200's vector.
     * An endpoint that cannot be reached (unknown host, refused connection) is tried once more at most,
     * and not at all again once a call has given up on it, until a call gets through.
     */
    AzureAnswers.Answer post(HttpUrl url, String operation, String source, RequestBody body) {
        long deadlineAt = System.nanoTime() + deadline.toNanos();
        retryLog.tick();
        VisionApiException last = null;
        for (int attempt = 1; ; attempt++) {
            long retryAfterMs = -1;
            // Built before the slot is taken (a token supplier may take a while); the slot is taken in paced().
            Request request = request(url, body).newBuilder().tag(Deadline.class, new Deadline(deadlineAt)).build();
            try (Response response = http.newCall(request).execute()) {
                byte[] bytes = readBody(response);
                if (unreachable || unreachableLogged.get()) {
                    unreachable = false;
                    unreachableLogged.set(false);
                }
                if (response.code() == 200) {
                    return answers.vector(bytes, response.headers(), operation, source);
                }
                last = answers.httpError(response.code(), response.headers(), bytes, operation, source);
                retryAfterMs = AzureAnswers.retryAfterMillis(response.headers());
            } catch (NoSlotException e) {
                throw AzureAnswers.deadlineExceeded(operation, source, attempt - 1, last, "the rate limit ("
                        + limiter + ") leaves no slot before the deadline");
            } catch (InterruptedIOException e) {
                if (!(e instanceof SocketTimeoutException) && Thread.currentThread().isInterrupted()) {
                    throw AzureAnswers.interrupted(operation, e);
                }
                last = answers.ioError(operation, source, e);
            } catch (IOException e) {
                if (AzureAnswers.unreachable(e)) {
                    VisionApiException fault = answers.unreachableError(operation, source, e);
                    if (unreachable || attempt > 1 || maxRetries == 0) {
                        unreachable = true;
                        throw fault;
                    }
                    long delayMs = backoffMillis(1);
                    if (unreachableLogged.compareAndSet(false, true)) {
                        LOG.info("{}; trying once more in {} ms", fault.getMessage(), delayMs);
                    }
                    if (onRetry != null) {
                        onRetry.accept(operation + " for " + source + ": cannot reach the service; trying once more in "
                                + delayMs + " ms");
                    }
                    sleep(operation, delayMs);
                    continue;
                }
                last = answers.ioError(operation, source, e);
            }
            if (!last.retryable()) {
                throw last;
            }
            if (attempt > maxRetries) {
                throw AzureAnswers.withSuffix(last, "; gave up after " + attempt + " attempts (maxRetries="
                        + maxRetries + ")");
            }
            long delayMs = retryAfterMs >= 0 ? retryAfterMs : backoffMillis(attempt);
            if (System.nanoTime() + delayMs * 1_000_000 - deadlineAt > 0) {
                throw AzureAnswers.deadlineExceeded(operation, source, attempt, last, (retryAfterMs >= 0
                        ? "the service asked to wait " + retryAfterMs + " ms" : "the next backoff of " + delayMs + " ms")
                        + " would pass the deadline of " + deadline.toMillis() + " ms");
            }
            String fault = last.status() == 0 ? "connection fault" : "HTTP " + last.status();
            retryLog.retry(operation, source, fault, attempt, maxRetries, delayMs);
            if (onRetry != null) {
                onRetry.accept(operation + " for " + source + ": " + fault + "; retry " + attempt + " of " + maxRetries
                        + " in " + delayMs + " ms");
            }
            sleep(operation, delayMs);
        }
    }

    private static void sleep(String operation, long delayMs) {
        try {
            Thread.sleep(delayMs);
        } catch (InterruptedException e) {
            throw AzureAnswers.interrupted(operation, e);
        }
    }

    /**
     * Takes the rate-limit slot as a network interceptor: after the connection is set up (DNS, TCP,
     * TLS), right before the request is written, so the time between the slot and the server's count
     * is as short and as even as it can be; a connection that fails takes no slot.
     */
    private Response paced(Interceptor.Chain chain) throws IOException {
        Request request = chain.request();
        Deadline deadline = request.tag(Deadline.class);
        long slot;
        try {
            slot = limiter.take(deadline == null ? Long.MAX_VALUE : deadline.nanos());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for a rate-limit slot");
        }
        if (slot == RateLimiter.NO_SLOT) {
            throw new NoSlotException();
        }
        RequestBody body = request.body();
        if (body == null) {
            return chain.proceed(request);
        }
        Response response = chain.proceed(request.newBuilder().method(request.method(),
                new SentBody(body, () -> limiter.sent(slot))).build());
        limiter.answered(slot);
        return response;
    }

    /** A request body that, once written out and flushed to the connection, says so (for {@link RateLimiter#sent}). */
    private static final class SentBody extends RequestBody {
        private final RequestBody body;
        private final Runnable onSent;

        SentBody(RequestBody body, Runnable onSent) {
            this.body = body;
            this.onSent = onSent;
        }

        @Override
        public okhttp3.MediaType contentType() {
            return body.contentType();
        }

        @Override
        public long contentLength() throws IOException {
            return body.contentLength();
        }

        @Override
        public void writeTo(okio.BufferedSink sink) throws IOException {
            body.writeTo(sink);
            sink.flush();
            onSent.run();
        }
    }

    /** The {@link System#nanoTime()} by which one item must be done, carried to {@link #paced} as a request tag. */
    private record Deadline(long nanos) {
    }

    /** The rate limit has no slot before the deadline (thrown inside OkHttp's chain, caught in {@link #post}). */
    private static final class NoSlotException extends IOException {
        private static final long serialVersionUID = 1L;
    }

    private Request request(HttpUrl url, RequestBody body) {
        Request.Builder request = new Request.Builder().url(url).post(body);
        if (key != null) {
            request.header("Ocp-Apim-Subscription-Key", key);
        } else {
            request.header("Authorization", "Bearer " + bearerToken());
        }
        return request.build();
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

    /**
     * Runs {@code embed} on every image with at most {@code concurrency} calls in flight; one result per
     * input, in input order. A failing item gives a failed result and never fails the batch.
     */
    static List<EmbeddingResult> inParallel(List<ImageInput> images, BatchProgress progress, int concurrency,
                                            Function<ImageInput, Embedding> embed) {
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
                    EmbeddingResult result = embedOne(index, image, embed);
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

    private static EmbeddingResult embedOne(int index, ImageInput image, Function<ImageInput, Embedding> embed) {
        if (image == null) {
            return EmbeddingResult.failure(index, "null",
                    new IllegalArgumentException("images[" + index + "] is null"));
        }
        try {
            return EmbeddingResult.success(index, image.source(), embed.apply(image));
        } catch (RuntimeException e) {
            return EmbeddingResult.failure(index, image.source(), e);
        }
    }

    private static String source(ImageInput image) {
        return image == null ? "null" : image.source();
    }

    /** Releases the HTTP connections when this client created its own OkHttpClient. */
    void close() {
        retryLog.close();
        if (ownsHttp) {
            http.dispatcher().executorService().shutdown();
            http.connectionPool().evictAll();
        }
    }
}
