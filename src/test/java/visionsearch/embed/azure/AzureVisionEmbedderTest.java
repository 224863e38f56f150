package visionsearch.embed.azure;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.SocketEffect;
import okhttp3.Headers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import visionsearch.embed.Embedder;
import visionsearch.embed.Embedders;
import visionsearch.embed.Embedding;
import visionsearch.embed.EmbeddingException;
import visionsearch.embed.Settings;

/** The Azure AI Vision client against MockWebServer answering the documented bodies and faults. */
class AzureVisionEmbedderTest {
    static final String KEY = "k3y-SECRET-0123456789abcdef";
    static final ObjectMapper JSON = new ObjectMapper();

    MockWebServer server;

    @BeforeEach
    void start() throws IOException {
        server = new MockWebServer();
        server.start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    /** A client for the mock server with tiny backoff so retries take milliseconds. */
    AzureVisionEmbedder.Builder client() {
        return AzureVisionEmbedder.builder().endpoint(server.url("/").toString()).key(KEY)
                .backoff(Duration.ofMillis(1), Duration.ofMillis(5)).ratePerSecond(Double.POSITIVE_INFINITY)
                .readTimeout(Duration.ofSeconds(5));
    }

    static MockResponse json(int code, String resource) {
        return new MockResponse.Builder().code(code).addHeader("Content-Type", "application/json")
                .addHeader("apim-request-id", "req-" + code).body(AzureStandIn.resource(resource)).build();
    }

    static float[] vectorOf(String resource) throws IOException {
        JsonNode v = JSON.readTree(AzureStandIn.resource(resource)).get("vector");
        float[] out = new float[v.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) v.get(i).doubleValue();
        }
        return out;
    }

    // ------------------------------------------------------------------ success and the request

    @Test
    void imageBytesAreSentAsOctetStreamWithKeyAndGaQuery() throws Exception {
        server.enqueue(json(200, "vectorize-image-200.json"));
        byte[] png = AzureStandIn.png(1);
        try (AzureVisionEmbedder azure = client().build()) {
            Embedding e = azure.embedImage(png);
            assertEquals("azure-vision:2023-04-15", e.modelId());
            assertEquals(1024, e.dimensions());
            assertArrayEquals(vectorOf("vectorize-image-200.json"), e.vector());
            assertEquals(92.1, e.norm(), 0.01, "documented image vectors are not unit length");
        }
        RecordedRequest r = server.takeRequest();
        assertEquals("POST", r.getMethod());
        assertEquals("/computervision/retrieval:vectorizeImage", r.getUrl().encodedPath());
        assertEquals("2024-02-01", r.getUrl().queryParameter("api-version"));
        assertEquals("2023-04-15", r.getUrl().queryParameter("model-version"));
        assertNull(r.getUrl().queryParameter("modelVersion"));
        assertEquals(KEY, r.getHeaders().get("Ocp-Apim-Subscription-Key"));
        assertNull(r.getHeaders().get("Authorization"));
        assertEquals("application/octet-stream", r.getHeaders().get("Content-Type"));
        assertArrayEquals(png, r.getBody().toByteArray());
    }

    @Test
    void imageUrlIsSentAsJson() throws Exception {
        server.enqueue(json(200, "vectorize-image-200.json"));
        try (AzureVisionEmbedder azure = client().build()) {
            Embedding e = azure.embedImage(java.net.URI.create("https://example.com/cat.jpg"));
            assertEquals("azure-vision:2023-04-15", e.modelId());
        }
        RecordedRequest r = server.takeRequest();
        assertEquals("/computervision/retrieval:vectorizeImage", r.getUrl().encodedPath());
        assertEquals("application/json", r.getHeaders().get("Content-Type"));
        assertEquals(Map.of("url", "https://example.com/cat.jpg"),
                JSON.readValue(r.getBody().utf8(), Map.class));
    }

    @Test
    void imageUrlQueryNeverAppearsInMessages() throws Exception {
        server.enqueue(json(400, "error-400-invalid-image-url.json"));
        String url = "https://account.blob.core.windows.net/photos/cat.jpg?sv=2024&sig=SAS-SECRET";
        try (AzureVisionEmbedder azure = client().build()) {
            VisionApiException e = assertThrows(VisionApiException.class, () -> azure.embedImage(java.net.URI.create(url)));
            assertTrue(e.getMessage().contains("https://account.blob.core.windows.net/photos/cat.jpg?(query hidden)"),
                    e.getMessage());
            assertFalse(e.getMessage().contains("SAS-SECRET"), e.getMessage());
        }
        assertEquals(url, JSON.readTree(server.takeRequest().getBody().utf8()).get("url").asText(), "sent in full");
    }

    @Test
    void textIsSentAsJson() throws Exception {
        server.enqueue(json(200, "vectorize-text-200.json"));
        try (AzureVisionEmbedder azure = client().build()) {
            Embedding e = azure.embedText("  a cat on a sofa ");
            assertArrayEquals(vectorOf("vectorize-text-200.json"), e.vector());
            assertEquals("azure-vision:2023-04-15", e.modelId());
        }
        RecordedRequest r = server.takeRequest();
        assertEquals("/computervision/retrieval:vectorizeText", r.getUrl().encodedPath());
        assertEquals("2023-04-15", r.getUrl().queryParameter("model-version"));
        assertEquals("application/json", r.getHeaders().get("Content-Type"));
        assertEquals(Map.of("text", "a cat on a sofa"), JSON.readValue(r.getBody().utf8(), Map.class));
    }

    @ParameterizedTest(name = "endpoint suffix \"{0}\"")
    @ValueSource(strings = {"", "/", "//"})
    void endpointWorksWithOrWithoutTrailingSlash(String suffix) throws Exception {
        server.enqueue(json(200, "vectorize-text-200.json"));
        String base = "http://" + server.getHostName() + ":" + server.getPort() + suffix;
        try (AzureVisionEmbedder azure = client().endpoint(base).build()) {
            azure.embedText("hello");
            assertFalse(azure.endpoint().endsWith("/"));
        }
        assertEquals("/computervision/retrieval:vectorizeText", server.takeRequest().getUrl().encodedPath());
    }

    @Test
    void onRetryHearsEachRetryBeforeItsWait() throws Exception {
        server.enqueue(new MockResponse.Builder().code(429).addHeader("retry-after-ms", "3")
                .body(AzureStandIn.resource("error-429.json")).build());
        server.enqueue(new MockResponse.Builder().code(503).body("{}").build());
        server.enqueue(json(200, "vectorize-text-200.json"));
        List<String> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (AzureVisionEmbedder azure = client().onRetry(heard::add).build()) {
            azure.embedText("hello");
        }
        assertEquals(2, heard.size(), heard.toString());
        assertEquals("vectorizeText for text: HTTP 429; retry 1 of 3 in 3 ms", heard.get(0));
        assertTrue(heard.get(1).startsWith("vectorizeText for text: HTTP 503; retry 2 of 3 in "), heard.get(1));
        assertFalse(String.join(" ", heard).contains(KEY), "never the key");
    }

    @Test
    void bearerTokenIsAskedForEveryAttempt() throws Exception {
        server.enqueue(new MockResponse.Builder().code(429).addHeader("retry-after-ms", "1")
                .body(AzureStandIn.resource("error-429.json")).build());
        server.enqueue(json(200, "vectorize-text-200.json"));
        AtomicInteger asked = new AtomicInteger();
        try (AzureVisionEmbedder azure = client().key(null)
                .tokenSupplier(() -> "token-" + asked.incrementAndGet()).build()) {
            azure.embedText("hello");
            assertFalse(azure.toString().contains("token-"), azure.toString());
        }
        assertEquals(2, asked.get());
        RecordedRequest first = server.takeRequest();
        assertEquals("Bearer token-1", first.getHeaders().get("Authorization"));
        assertNull(first.getHeaders().get("Ocp-Apim-Subscription-Key"));
        assertEquals("Bearer token-2", server.takeRequest().getHeaders().get("Authorization"));
    }

    @Test
    void olderModelVersionIsSentAndRecorded() throws Exception {
        server.enqueue(json(200, "vectorize-image-200-model-2022-04-11.json"));
        try (AzureVisionEmbedder azure = client().modelVersion("2022-04-11").build()) {
            assertEquals("azure-vision:2022-04-11", azure.modelId());
            assertEquals("azure-vision:2022-04-11", azure.embedImage(AzureStandIn.png(2)).modelId());
        }
        assertEquals("2022-04-11", server.takeRequest().getUrl().queryParameter("model-version"));
    }

    @Test
    void modelVersionMismatchIsAnError() {
        server.enqueue(json(200, "vectorize-image-200-model-2022-04-11.json"));
        try (AzureVisionEmbedder azure = client().build()) {
            VisionApiException e = assertThrows(VisionApiException.class, () -> azure.embedImage(AzureStandIn.png(2)));
            assertTrue(e.getMessage().contains("2022-04-11") && e.getMessage().contains("2023-04-15"), e.getMessage());
            assertFalse(e.retryable());
        }
    }

    @Test
    void retiredPreviewSendsModelVersionLatestAndTurnsGoneIntoAdvice() throws Exception {
        server.enqueue(json(410, "error-410-gone.json"));
        try (AzureVisionEmbedder azure = client().apiVersion("2023-02-01-preview").build()) {
            assertEquals("azure-vision:latest", azure.modelId());
            VisionApiException e = assertThrows(VisionApiException.class, () -> azure.embedText("hello"));
            assertEquals(410, e.status());
            assertEquals("Gone", e.errorCode());
            assertFalse(e.retryable());
            assertTrue(e.getMessage().contains("VISION_API_VERSION=2024-02-01"), e.getMessage());
            assertTrue(e.getMessage().contains("retired"), e.getMessage());
        }
        RecordedRequest r = server.takeRequest();
        assertEquals("2023-02-01-preview", r.getUrl().queryParameter("api-version"));
        assertEquals("latest", r.getUrl().queryParameter("modelVersion"));
        assertNull(r.getUrl().queryParameter("model-version"));
        assertEquals(1, server.getRequestCount());
    }

    @Test
    void previewRecordsTheModelVersionTheServiceReports() {
        server.enqueue(json(200, "vectorize-image-200-model-2022-04-11.json"));
        try (AzureVisionEmbedder azure = client().apiVersion("2023-02-01-preview").build()) {
            assertEquals("azure-vision:2022-04-11", azure.embedImage(AzureStandIn.png(3)).modelId());
            assertEquals("azure-vision:2022-04-11", azure.modelId());
        }
    }

    // ------------------------------------------------------------------ text rules

    @ParameterizedTest(name = "\"{0}\" is refused")
    @ValueSource(strings = {"", "   ", "\n\t"})
    void emptyTextIsRefusedBeforeAnyCall(String text) {
        try (AzureVisionEmbedder azure = client().build()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> azure.embedText(text));
            assertTrue(e.getMessage().contains("1 to 70 words"), e.getMessage());
        }
        assertEquals(0, server.getRequestCount());
    }

    @Test
    void textOver70WordsIsRefusedOrTruncatedOnRequest() throws Exception {
        String seventy = String.join(" ", Collections.nCopies(70, "word"));
        String seventyOne = seventy + "  extra";
        try (AzureVisionEmbedder azure = client().build()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> azure.embedText(seventyOne));
            assertTrue(e.getMessage().contains("71 words"), e.getMessage());
            assertEquals(0, server.getRequestCount());

            server.enqueue(json(200, "vectorize-text-200.json"));
            azure.embedText(seventy);
            assertEquals(seventy, JSON.readTree(server.takeRequest().getBody().utf8()).get("text").asText());

            server.enqueue(json(200, "vectorize-text-200.json"));
            azure.embedTextTruncated(seventyOne);
            assertEquals(seventy, JSON.readTree(server.takeRequest().getBody().utf8()).get("text").asText());
        }
        server.enqueue(json(200, "vectorize-text-200.json"));
        try (AzureVisionEmbedder azure = client().truncateLongText(true).build()) {
            azure.embedText(seventyOne);
            assertEquals(seventy, JSON.readTree(server.takeRequest().getBody().utf8()).get("text").asText());
        }
    }

    // ------------------------------------------------------------------ documented errors

    static Stream<Arguments> documentedErrors() {
        return Stream.of(
                Arguments.of("400 InvalidImageFormat", 400, "error-400-invalid-image-format.json", "InvalidRequest",
                        "InvalidImageFormat", "re-save it as JPEG or PNG"),
                Arguments.of("400 InvalidImageSize", 400, "error-400-invalid-image-size.json", "InvalidRequest",
                        "InvalidImageSize", "under 20 MB"),
                Arguments.of("400 InvalidImageUrl", 400, "error-400-invalid-image-url.json", "InvalidRequest",
                        "InvalidImageUrl", "publicly reachable"),
                Arguments.of("401 bad key", 401, "error-401.json", "401", null, "Keys and Endpoint"),
                Arguments.of("403 quota", 403, "error-403-quota.json", "403", null, "quota"),
                Arguments.of("404 resource not found", 404, "error-404.json", "404", null, "Sweden Central"),
                Arguments.of("410 Gone", 410, "error-410-gone.json", "Gone", null, "2024-02-01"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("documentedErrors")
    void documentedErrorsAreNotRetriedAndCarryAzureCodes(String name, int status, String resource, String code,
                                                         String inner, String advice) {
        server.enqueue(json(status, resource));
        try (AzureVisionEmbedder azure = client().build()) {
            VisionApiException e = assertThrows(VisionApiException.class, () -> azure.embedImage(AzureStandIn.png(4)));
            assertEquals(status, e.status());
            assertEquals(code, e.errorCode());
            assertEquals(inner, e.innerCode());
            assertEquals("req-" + status, e.requestId());
            assertFalse(e.retryable());
            assertTrue(e.getMessage().contains(advice), e.getMessage());
            assertTrue(e.getMessage().contains("HTTP " + status), e.getMessage());
            assertFalse(e.getMessage().contains("HTTP " + status + " " + status), "the code said once: " + e.getMessage());
            assertFalse(e.getMessage().contains(".."), e.getMessage());
            assertTrue(e.getMessage().contains("req-" + status), e.getMessage());
            assertFalse(e.getMessage().contains(KEY));
            assertInstanceOf(EmbeddingException.class, e);
        }
        assertEquals(1, server.getRequestCount(), "4xx other than 408/429 must not be retried");
    }

    @Test
    void the401MessageReadsCleanly() {
        server.enqueue(new MockResponse.Builder().code(401).addHeader("Content-Type", "application/json")
                .body(AzureStandIn.resource("error-401.json")).build());
        try (AzureVisionEmbedder azure = client().build()) {
            VisionApiException e = assertThrows(VisionApiException.class, () -> azure.embedText("hello"));
            assertEquals("Azure AI Vision vectorizeText for text failed: HTTP 401: Access denied due to invalid"
                    + " subscription key or wrong API endpoint. Make sure to provide a valid key for an active"
                    + " subscription and use a correct regional API endpoint for your resource. Check that VISION_KEY"
                    + " is a key of the resource at " + azure.endpoint() + " (Azure portal > your resource > Keys and"
                    + " Endpoint) and that the endpoint is right", e.getMessage());
            assertEquals("401", e.errorCode());
        }
    }

    @Test
    void notFoundAdviceNamesEndpointApiVersionAndRegions() {
        server.enqueue(json(404, "error-404.json"));
        try (AzureVisionEmbedder azure = client().apiVersion("2099-01-01").build()) {
            VisionApiException e = assertThrows(VisionApiException.class, () -> azure.embedText("hi"));
            for (String part : List.of("VISION_ENDPOINT", "2099-01-01", "2024-02-01", "East US", "Japan East")) {
                assertTrue(e.getMessage().contains(part), part + " missing from: " + e.getMessage());
            }
        }
    }

    @Test
    void errorWithoutJsonBodyShowsItsStartAndHeaderCode() {
        server.enqueue(new MockResponse.Builder().code(400).addHeader("x-ms-error-code", "InvalidRequest")
                .addHeader("x-ms-request-id", "xms-1").body("<html>Bad Request</html>").build());
        try (AzureVisionEmbedder azure = client().build()) {
            VisionApiException e = assertThrows(VisionApiException.class, () -> azure.embedText("hi"));
            assertEquals("InvalidRequest", e.errorCode());
            assertEquals("xms-1", e.requestId());
            assertTrue(e.getMessage().contains("<html>Bad Request</html>"), e.getMessage());
        }
    }

    // ------------------------------------------------------------------ retries

    static Stream<Arguments> retryHeaders() {
        String past = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC).minusSeconds(5));
        return Stream.of(
                Arguments.of("x-ms-retry-after-ms", "40", 40),
                Arguments.of("retry-after-ms", "40", 40),
                Arguments.of("Retry-After", "0", 0),
                Arguments.of("Retry-After", past, 0));
    }

    @ParameterizedTest(name = "429 with {0}: {1}")
    @MethodSource("retryHeaders")
    void retryHeadersAreHonoured(String header, String value, long minWaitMs) throws Exception {
        server.enqueue(new MockResponse.Builder().code(429).addHeader("Content-Type", "application/json")
                .addHeader(header, value).body(AzureStandIn.resource("error-429.json")).build());
        server.enqueue(json(200, "vectorize-text-200.json"));
        // The backoff alone (5 s) would pass the 3 s deadline: only an honoured header lets the retry happen.
        try (AzureVisionEmbedder azure = client().backoff(Duration.ofSeconds(5), Duration.ofSeconds(5))
                .deadline(Duration.ofSeconds(3)).build()) {
            long start = System.nanoTime();
            Embedding e = azure.embedText("hello");
            long tookMs = (System.nanoTime() - start) / 1_000_000;
            assertEquals("azure-vision:2023-04-15", e.modelId());
            assertTrue(tookMs >= minWaitMs && tookMs < 2500, "took " + tookMs + " ms");
        }
        assertEquals(2, server.getRequestCount());
    }

    static Stream<Arguments> retryAfterParsing() {
        String future = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC).plusSeconds(30));
        return Stream.of(
                Arguments.of(Headers.of("x-ms-retry-after-ms", "250", "retry-after-ms", "900", "Retry-After", "7"), 250, 250),
                Arguments.of(Headers.of("retry-after-ms", "900", "Retry-After", "7"), 900, 900),
                Arguments.of(Headers.of("Retry-After", "7"), 7000, 7000),
                Arguments.of(Headers.of("Retry-After", "1.5"), 1500, 1500),
                Arguments.of(Headers.of("Retry-After", future), 25_000, 30_000),
                Arguments.of(Headers.of("Retry-After", "soon"), -1, -1),
                Arguments.of(Headers.of(), -1, -1));
    }

    @ParameterizedTest(name = "{0} -> {1}..{2} ms")
    @MethodSource("retryAfterParsing")
    void retryAfterHeadersArePrioritised(Headers headers, long min, long max) {
        long ms = AzureAnswers.retryAfterMillis(headers);
        assertTrue(ms >= min && ms <= max, headers + " gave " + ms);
    }

    @ParameterizedTest(name = "HTTP {0} retryable: {1}")
    @org.junit.jupiter.params.provider.CsvSource({"408,true", "429,true", "500,true", "502,true", "503,true", "504,true",
        "501,false", "505,false", "400,false", "401,false", "403,false", "404,false", "410,false", "413,false"})
    void retryableStatuses(int status, boolean retryable) {
        assertEquals(retryable, AzureAnswers.retryableStatus(status));
    }

    @Test
    void backoffGrowsFromMinToMaxWithJitter() {
        try (AzureVisionEmbedder azure = client().backoff(Duration.ofMillis(800), Duration.ofSeconds(8)).build()) {
            for (int i = 0; i < 50; i++) {
                long first = azure.backoffMillis(1);
                long third = azure.backoffMillis(3);
                long tenth = azure.backoffMillis(10);
                assertTrue(first >= 640 && first <= 960, "first " + first);
                assertTrue(third >= 2560 && third <= 3840, "third " + third);
                assertTrue(tenth >= 6400 && tenth <= 8000, "tenth " + tenth);
            }
        }
    }

    @Test
    void serviceUnavailableStormExhaustsRetries() {
        for (int i = 0; i < 4; i++) {
            server.enqueue(json(503, "error-503.json"));
        }
        try (AzureVisionEmbedder azure = client().maxRetries(3).build()) {
            VisionApiException e = assertThrows(VisionApiException.class, () -> azure.embedText("hello"));
            assertEquals(503, e.status());
            assertEquals("ServiceUnavailable", e.errorCode());
            assertTrue(e.retryable());
            assertTrue(e.getMessage().contains("gave up after 4 attempts"), e.getMessage());
        }
        assertEquals(4, server.getRequestCount());
    }

    @Test
    void notImplementedIsNotRetried() {
        server.enqueue(json(501, "error-503.json"));
        try (AzureVisionEmbedder azure = client().build()) {
            VisionApiException e = assertThrows(VisionApiException.class, () -> azure.embedText("hello"));
            assertEquals(501, e.status());
            assertFalse(e.retryable());
        }
        assertEquals(1, server.getRequestCount());
    }

    @Test
    void readTimeoutIsRetried() throws Exception {
        server.enqueue(new MockResponse.Builder().headersDelay(2, TimeUnit.SECONDS)
                .body(AzureStandIn.resource("vectorize-text-200.json")).build());
        server.enqueue(json(200, "vectorize-text-200.json"));
        try (AzureVisionEmbedder azure = client().readTimeout(Duration.ofMillis(200)).build()) {
            assertEquals(1024, azure.embedText("hello").dimensions());
        }
        assertEquals(2, server.getRequestCount());
    }

    @Test
    void readTimeoutsExhaustRetriesWithStatusZero() {
        for (int i = 0; i < 2; i++) {
            server.enqueue(new MockResponse.Builder().headersDelay(2, TimeUnit.SECONDS).body("{}").build());
        }
        try (AzureVisionEmbedder azure = client().readTimeout(Duration.ofMillis(150)).maxRetries(1).build()) {
            VisionApiException e = assertThrows(VisionApiException.class, () -> azure.embedText("hello"));
            assertEquals(0, e.status());
            assertTrue(e.retryable());
            assertInstanceOf(SocketTimeoutException.class, e.getCause());
            assertTrue(e.getMessage().contains("timed out"), e.getMessage());
        }
    }

    @Test
    void connectionResetIsRetried() {
        server.enqueue(new MockResponse.Builder().onRequestStart(new SocketEffect.CloseSocket()).build());
        server.enqueue(json(200, "vectorize-image-200.json"));
        try (AzureVisionEmbedder azure = client().build()) {
            assertEquals(1024, azure.embedImage(AzureStandIn.png(5)).dimensions());
        }
        assertEquals(2, server.getRequestCount());
    }

    @Test
    void disconnectsExhaustRetries() {
        for (int i = 0; i < 3; i++) {
            server.enqueue(new MockResponse.Builder().onResponseStart(new SocketEffect.CloseSocket()).build());
        }
        try (AzureVisionEmbedder azure = client().maxRetries(2).build()) {
            VisionApiException e = assertThrows(VisionApiException.class, () -> azure.embedText("hello"));
            assertEquals(0, e.status());
            assertTrue(e.retryable());
            assertInstanceOf(IOException.class, e.getCause());
            assertTrue(e.getMessage().contains("gave up after 3 attempts"), e.getMessage());
        }
        assertEquals(3, server.getRequestCount());
    }

    @Test
    void deadlineStopsRetrying() {
        for (int i = 0; i < 10; i++) {
            server.enqueue(json(503, "error-503.json"));
        }
        try (AzureVisionEmbedder azure = client().maxRetries(9).backoff(Duration.ofMillis(100), Duration.ofMillis(100))
                .deadline(Duration.ofMillis(250)).build()) {
            VisionApiException e = assertThrows(VisionApiException.class, () -> azure.embedText("hello"));
            assertTrue(e.getMessage().contains("deadline"), e.getMessage());
            assertEquals(503, e.status());
        }
        assertTrue(server.getRequestCount() <= 3, "requests: " + server.getRequestCount());
    }

    // ------------------------------------------------------------------ an endpoint that cannot be reached

    /** Counts the attempts (one OkHttp call each) a client makes. */
    static final class Attempts extends okhttp3.EventListener {
        final AtomicInteger started = new AtomicInteger();

        @Override
        public void callStart(okhttp3.Call call) {
            started.incrementAndGet();
        }
    }

    /** Captures what the client logs (slf4j-simple writes to System.err) while {@code body} runs. */
    static String log(Runnable body) {
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        java.io.PrintStream original = System.err;
        System.setErr(new java.io.PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            body.run();
        } finally {
            System.setErr(original);
        }
        return captured.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aRefusedConnectionIsTriedOnceMoreThenFailsFastWithWhatToCheck() throws Exception {
        int closedPort;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        Attempts attempts = new Attempts();
        List<VisionApiException> errors = new java.util.ArrayList<>();
        String log;
        try (AzureVisionEmbedder azure = client().endpoint("http://127.0.0.1:" + closedPort).maxRetries(3)
                .httpClient(new okhttp3.OkHttpClient.Builder().eventListener(attempts).build()).build()) {
            log = log(() -> {
                for (int i = 0; i < 3; i++) {
                    errors.add(assertThrows(VisionApiException.class, () -> azure.embedImage(AzureStandIn.png(9))));
                }
            });
        }
        assertEquals(2 + 1 + 1, attempts.started.get(), "one retry for the first call, none once it gave up");
        VisionApiException e = errors.get(0);
        assertEquals(0, e.status());
        assertFalse(e.retryable(), "a caller must not loop on it");
        assertInstanceOf(java.net.ConnectException.class, e.getCause());
        for (String part : List.of("cannot reach", "127.0.0.1:" + closedPort, "VISION_ENDPOINT", "network")) {
            assertTrue(e.getMessage().contains(part), part + " missing from: " + e.getMessage());
        }
        assertEquals(1, log.lines().filter(l -> l.contains("cannot reach")).count(), "one log line: " + log);
        assertEquals(1, log.lines().count(), "nothing else logged: " + log);
    }

    @Test
    void anUnknownHostIsTriedOnceMoreThenFailsFastWithWhatToCheck() {
        AtomicInteger lookups = new AtomicInteger();
        okhttp3.OkHttpClient failingDns = new okhttp3.OkHttpClient.Builder().dns(host -> {
            lookups.incrementAndGet();
            throw new java.net.UnknownHostException(host);
        }).build();
        try (AzureVisionEmbedder azure = client().endpoint("https://no-such-resource.cognitiveservices.azure.com")
                .httpClient(failingDns).build()) {
            long start = System.nanoTime();
            VisionApiException e = assertThrows(VisionApiException.class, () -> azure.embedText("hello"));
            assertEquals(2, lookups.get(), "at most one retry");
            assertFalse(e.retryable());
            assertInstanceOf(java.net.UnknownHostException.class, e.getCause());
            assertTrue(e.getMessage().contains("host name of https://no-such-resource.cognitiveservices.azure.com is"
                    + " unknown") && e.getMessage().contains("VISION_ENDPOINT"), e.getMessage());
            assertThrows(VisionApiException.class, () -> azure.embedText("hello"));
            assertEquals(3, lookups.get(), "the next call tries once only");
        }
    }

    @Test
    void anEndpointThatComesBackIsRetriedAgainAfterASuccess() throws Exception {
        AtomicInteger lookups = new AtomicInteger();
        java.util.concurrent.atomic.AtomicBoolean down = new java.util.concurrent.atomic.AtomicBoolean(true);
        okhttp3.OkHttpClient flaky = new okhttp3.OkHttpClient.Builder().dns(host -> {
            lookups.incrementAndGet();
            if (down.get()) {
                throw new java.net.UnknownHostException(host);
            }
            return okhttp3.Dns.SYSTEM.lookup(host);
        }).connectionPool(new okhttp3.ConnectionPool(0, 1, TimeUnit.MILLISECONDS)).build(); // every call looks the host up
        try (AzureVisionEmbedder azure = client().endpoint(server.url("/").toString()).httpClient(flaky).build()) {
            assertThrows(VisionApiException.class, () -> azure.embedText("hello"));
            down.set(false);
            server.enqueue(json(200, "vectorize-text-200.json"));
            azure.embedText("hello");
            down.set(true);
            lookups.set(0);
            assertThrows(VisionApiException.class, () -> azure.embedText("hello"));
            assertEquals(2, lookups.get(), "after a success, a new outage gets its one retry again");
        }
    }

    @Test
    void aStormOfRetriesIsLoggedAsOneLine() {
        for (int i = 0; i < 6; i++) {
            server.enqueue(new MockResponse.Builder().code(429).addHeader("retry-after-ms", "1")
                    .body(AzureStandIn.resource("error-429.json")).build());
            server.enqueue(json(200, "vectorize-text-200.json"));
        }
        String log = log(() -> {
            try (AzureVisionEmbedder azure = client().build()) {
                for (int i = 0; i < 6; i++) {
                    azure.embedText("hello " + i);
                }
            }
        });
        assertEquals(12, server.getRequestCount());
        List<String> lines = log.lines().toList();
        assertEquals(2, lines.size(), "the first retry, then the summary at close: " + log);
        assertTrue(lines.get(0).contains("HTTP 429; retry 1 of 3 in 1 ms"), lines.get(0));
        assertTrue(lines.get(1).contains("retries are over: 6 in") && lines.get(1).contains("5 x HTTP 429"), lines.get(1));
    }

    // ------------------------------------------------------------------ http:// only on this machine

    @ParameterizedTest(name = "{0} accepted: {1}")
    @org.junit.jupiter.params.provider.CsvSource({"http://127.0.0.1:5000, true", "http://localhost:5000, true",
        "http://[::1]:5000, true", "https://my-resource.cognitiveservices.azure.com, true",
        "http://my-resource.cognitiveservices.azure.com, false", "http://192.168.1.20:5000, false",
        "http://localhost.example.com, false"})
    void plainHttpIsRefusedForAnotherMachine(String endpoint, boolean accepted) {
        if (accepted) {
            client().endpoint(endpoint).build().close();
            return;
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> client().endpoint(endpoint).build());
        assertTrue(e.getMessage().contains("unencrypted") && e.getMessage().contains("https://")
                && e.getMessage().contains("allowHttp(true)"), e.getMessage());
        assertFalse(e.getMessage().contains(KEY), e.getMessage());
        client().endpoint(endpoint).allowHttp(true).build().close();
        IllegalArgumentException fromSettings = assertThrows(IllegalArgumentException.class,
                () -> AzureVisionEmbedder.fromSettings(Settings.of(Map.of("VISION_ENDPOINT", endpoint, "VISION_KEY", KEY))));
        assertTrue(fromSettings.getMessage().contains("VISION_ENDPOINT=" + endpoint)
                && fromSettings.getMessage().contains("VISION_ALLOW_HTTP=true"), fromSettings.getMessage());
        AzureVisionEmbedder.fromSettings(Settings.of(Map.of("VISION_ENDPOINT", endpoint, "VISION_KEY", KEY,
                "VISION_ALLOW_HTTP", "true"))).close();
    }

    // ------------------------------------------------------------------ bad success bodies

    @Test
    void malformedJsonShowsTheStartOfTheBody() {
        server.enqueue(new MockResponse.Builder().code(200).body("<!DOCTYPE html><html><body>Welcome to nginx").build());
        try (AzureVisionEmbedder azure = client().build()) {
            VisionApiException e = assertThrows(VisionApiException.class, () -> azure.embedText("hello"));
            assertTrue(e.getMessage().contains("not the expected JSON"), e.getMessage());
            assertTrue(e.getMessage().contains("<!DOCTYPE html><html><body>Welcome to nginx"), e.getMessage());
            assertFalse(e.retryable());
        }
        assertEquals(1, server.getRequestCount());
    }

    @Test
    void truncatedJsonIsMalformed() {
        String body = AzureStandIn.resource("vectorize-image-200.json");
        server.enqueue(new MockResponse.Builder().code(200).body(body.substring(0, 5000)).build());
        try (AzureVisionEmbedder azure = client().build()) {
            VisionApiException e = assertThrows(VisionApiException.class, () -> azure.embedText("hello"));
            assertTrue(e.getMessage().contains("{\"modelVersion\":\"2023-04-15\",\"vector\":["), e.getMessage());
            assertTrue(e.getMessage().length() < 1500, "the body prefix is short");
        }
    }

    @Test
    void wrongLengthVectorIsRefused() {
        server.enqueue(json(200, "vectorize-image-200-wrong-length.json"));
        try (AzureVisionEmbedder azure = client().build()) {
            VisionApiException e = assertThrows(VisionApiException.class, () -> azure.embedImage(AzureStandIn.png(6)));
            assertTrue(e.getMessage().contains("512 values: expected 1024"), e.getMessage());
        }
    }

    @Test
    void nonFiniteVectorIsRefused() {
        server.enqueue(json(200, "vectorize-image-200-nan.json"));
        try (AzureVisionEmbedder azure = client().build()) {
            VisionApiException e = assertThrows(VisionApiException.class, () -> azure.embedImage(AzureStandIn.png(7)));
            assertTrue(e.getMessage().contains("non-finite value at index 17"), e.getMessage());
        }
    }

    // ------------------------------------------------------------------ configuration

    @Test
    void fromSettingsReadsTheVisionNames() throws Exception {
        server.enqueue(json(200, "vectorize-image-200-model-2022-04-11.json"));
        Settings settings = Settings.of(Map.of("VISION_ENDPOINT", server.url("/").toString(), "VISION_KEY", KEY,
                "VISION_API_VERSION", "2024-02-01", "VISION_MODEL_VERSION", "2022-04-11", "VISION_TIER", "F0"));
        try (AzureVisionEmbedder azure = AzureVisionEmbedder.fromSettings(settings)) {
            assertEquals(20.0 / 60.0, azure.ratePerSecond(), 1e-9);
            assertEquals("azure-vision:2022-04-11", azure.embedImage(AzureStandIn.png(8)).modelId());
            assertFalse(azure.toString().contains(KEY), azure.toString());
        }
        RecordedRequest r = server.takeRequest();
        assertEquals(KEY, r.getHeaders().get("Ocp-Apim-Subscription-Key"));
        assertEquals("2022-04-11", r.getUrl().queryParameter("model-version"));
    }

    @Test
    void embeddersSelectAzureWhenAKeyIsSet() {
        Settings settings = Settings.of(Map.of("VISION_ENDPOINT", server.url("/").toString(), "VISION_KEY", KEY));
        Embedders.Selection selection = Embedders.select(settings);
        try (Embedder embedder = selection.embedder()) {
            assertInstanceOf(AzureVisionEmbedder.class, embedder);
            assertEquals(20.0, ((AzureVisionEmbedder) embedder).ratePerSecond(), 1e-9, "S1 is the default tier");
            assertFalse(selection.reason().contains(KEY));
        }
    }

    static Stream<Arguments> badSettings() {
        return Stream.of(
                Arguments.of(Map.of(), List.of("VISION_ENDPOINT", "VISION_KEY", ".env")),
                Arguments.of(Map.of("VISION_KEY", KEY), List.of("VISION_ENDPOINT")),
                Arguments.of(Map.of("VISION_ENDPOINT", "https://x.cognitiveservices.azure.com"), List.of("VISION_KEY")),
                Arguments.of(Map.of("VISION_ENDPOINT", "https://<your-resource>.cognitiveservices.azure.com",
                        "VISION_KEY", KEY), List.of("placeholder")),
                Arguments.of(Map.of("VISION_ENDPOINT", "not a url", "VISION_KEY", KEY), List.of("VISION_ENDPOINT=not a url")),
                Arguments.of(Map.of("VISION_ENDPOINT", "https://x.cognitiveservices.azure.com", "VISION_KEY", KEY,
                        "VISION_TIER", "gold"), List.of("VISION_TIER=gold", "F0", "S1")),
                Arguments.of(Map.of("VISION_ENDPOINT", "https://x.cognitiveservices.azure.com", "VISION_KEY", KEY,
                        "VISION_API_VERSION", "v4"), List.of("VISION_API_VERSION=v4", "2024-02-01")),
                Arguments.of(Map.of("VISION_ENDPOINT", "https://x.cognitiveservices.azure.com", "VISION_KEY", KEY,
                        "VISION_MODEL_VERSION", "newest"), List.of("VISION_MODEL_VERSION=newest", "2023-04-15")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badSettings")
    void badSettingsAreNamed(Map<String, String> values, List<String> expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AzureVisionEmbedder.fromSettings(Settings.of(values)));
        for (String part : expected) {
            assertTrue(e.getMessage().contains(part), part + " missing from: " + e.getMessage());
        }
        assertFalse(e.getMessage().contains(KEY), e.getMessage());
    }

    @ParameterizedTest(name = "tier {0} = {1}/s")
    @org.junit.jupiter.params.provider.CsvSource({"F0,0.3333333333", "f0,0.3333333333", "S1,20", "s1,20", "10,10", "2.5,2.5"})
    void tiers(String tier, double rate) {
        try (AzureVisionEmbedder azure = client().tier(tier).build()) {
            assertEquals(rate, azure.ratePerSecond(), 1e-6);
        }
    }

    @Test
    void useAfterCloseThrows() {
        AzureVisionEmbedder azure = client().build();
        azure.close();
        assertThrows(IllegalStateException.class, () -> azure.embedText("hello"));
    }

    @Test
    void keyAndTokenTogetherAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> client().tokenSupplier(() -> "t").build());
        assertTrue(e.getMessage().contains("not both"), e.getMessage());
    }

    // ------------------------------------------------------------------ secrets

    @Test
    void keyAndTokenNeverAppearInMessagesToStringOrLogs() throws Exception {
        String token = "eyJ0eXAi.SECRET-TOKEN.sig";
        java.io.ByteArrayOutputStream captured = new java.io.ByteArrayOutputStream();
        java.io.PrintStream originalErr = System.err;
        java.io.PrintStream originalOut = System.out;
        java.io.PrintStream tee = new java.io.PrintStream(captured, true, StandardCharsets.UTF_8);
        List<Throwable> errors = new java.util.ArrayList<>();
        List<String> descriptions = new java.util.ArrayList<>();
        System.setErr(tee);
        System.setOut(tee);
        try {
            // Every failure kind, including a server that echoes the key back in its error body.
            server.enqueue(json(401, "error-401.json"));
            server.enqueue(json(404, "error-404.json"));
            server.enqueue(json(410, "error-410-gone.json"));
            server.enqueue(new MockResponse.Builder().code(400).body("{\"error\":{\"code\":\"InvalidRequest\","
                    + "\"message\":\"bad key " + KEY + "\"}}").build());
            server.enqueue(new MockResponse.Builder().code(200).body("oops " + KEY).build());
            for (int i = 0; i < 4; i++) {
                server.enqueue(json(429, "error-429.json"));
            }
            server.enqueue(new MockResponse.Builder().onRequestStart(new SocketEffect.CloseSocket()).build());
            server.enqueue(new MockResponse.Builder().onRequestStart(new SocketEffect.CloseSocket()).build());
            AzureVisionEmbedder.Builder builder = client().maxRetries(3);
            descriptions.add(builder.toString());
            try (AzureVisionEmbedder azure = builder.build()) {
                descriptions.add(azure.toString());
                for (int i = 0; i < 6; i++) {
                    try {
                        azure.embedText("hello");
                    } catch (RuntimeException e) {
                        errors.add(e);
                    }
                }
            }
            server.enqueue(json(401, "error-401.json"));
            try (AzureVisionEmbedder azure = client().key(null).tokenSupplier(() -> token).maxRetries(0).build()) {
                descriptions.add(azure.toString());
                try {
                    azure.embedText("hello");
                } catch (RuntimeException e) {
                    errors.add(e);
                }
            }
            try {
                AzureVisionEmbedder.fromSettings(Settings.of(Map.of("VISION_KEY", KEY)));
            } catch (RuntimeException e) {
                errors.add(e);
            }
            descriptions.add(Settings.of(Map.of("VISION_KEY", KEY)).toString());
            for (Throwable e : errors) {
                java.io.StringWriter trace = new java.io.StringWriter();
                e.printStackTrace(new java.io.PrintWriter(trace));
                descriptions.add(trace.toString());
                descriptions.add(e.toString());
                e.printStackTrace();
            }
        } finally {
            System.setErr(originalErr);
            System.setOut(originalOut);
        }
        assertEquals(8, errors.size(), "every scenario failed: " + errors);
        String log = captured.toString(StandardCharsets.UTF_8);
        assertTrue(log.contains("retry 1 of 3"), "retries are logged: " + log);
        assertTrue(log.contains("InvalidRequest") && log.contains("oops"), "the failures were printed: " + log);
        for (String text : descriptions) {
            assertFalse(text.contains(KEY), "key leaked: " + text);
            assertFalse(text.contains(token), "token leaked: " + text);
        }
        assertFalse(log.contains(KEY), "key leaked into the log");
        assertFalse(log.contains(token), "token leaked into the log");
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
