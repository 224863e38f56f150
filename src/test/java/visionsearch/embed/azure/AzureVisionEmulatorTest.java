package visionsearch.embed.azure;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import okio.Buffer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import visionsearch.embed.features.ImageFeatureEmbedder;

/** The emulator's REST contract, spoken to with a plain HTTP client. */
class AzureVisionEmulatorTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final String GA = "?api-version=2024-02-01&model-version=2023-04-15";
    static final Path IMAGE = Path.of("images", "beach-01.png");

    static ImageFeatureEmbedder features;
    static AzureVisionEmulator open;
    static AzureVisionEmulator keyed;

    @BeforeAll
    static void start() {
        features = ImageFeatureEmbedder.create();
        open = AzureVisionEmulator.start(features);
        keyed = AzureVisionEmulator.start(features, "127.0.0.1", 0, "secret-key", 0, null);
    }

    @AfterAll
    static void stop() {
        open.close();
        keyed.close();
        features.close();
    }

    @Test
    void vectorizeImageBytesAnswersTheEmbeddersVectorAndModelId() throws Exception {
        byte[] png = Files.readAllBytes(IMAGE);
        HttpResponse<String> r = post(open, "retrieval:vectorizeImage" + GA, "application/octet-stream", png, null);
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.headers().firstValue("apim-request-id").isPresent());
        assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
        JsonNode body = JSON.readTree(r.body());
        assertEquals("features:grid-hist-v1", body.get("modelVersion").asText());
        assertEquals(features.dimensions(), body.get("vector").size());
        float[] expected = features.embedImage(png).vector();
        float[] got = new float[body.get("vector").size()];
        for (int i = 0; i < got.length; i++) {
            got[i] = body.get("vector").get(i).floatValue();
        }
        assertArrayEquals(expected, got, 1e-7f);
    }

    @Test
    void vectorizeImageUrlDownloadsTheImage() throws Exception {
        byte[] png = Files.readAllBytes(IMAGE);
        try (MockWebServer images = new MockWebServer()) {
            images.enqueue(new MockResponse.Builder().code(200).addHeader("Content-Type", "image/png")
                    .body(new Buffer().write(png)).build());
            images.start();
            String url = images.url("/pictures/beach.png").toString();
            HttpResponse<String> r = post(open, "retrieval:vectorizeImage" + GA, "application/json",
                    ("{\"url\":\"" + url + "\"}").getBytes(StandardCharsets.UTF_8), null);
            assertEquals(200, r.statusCode(), r.body());
            assertEquals("/pictures/beach.png", images.takeRequest().getUrl().encodedPath());
            assertEquals(features.dimensions(), JSON.readTree(r.body()).get("vector").size());
        }
    }

    @Test
    void keyIsCheckedWhenConfiguredAndBearerTokensAreAccepted() throws Exception {
        byte[] png = Files.readAllBytes(IMAGE);
        HttpResponse<String> none = post(keyed, "retrieval:vectorizeImage" + GA, "application/octet-stream", png, null);
        assertError(none, 401, "401", null);
        assertTrue(JSON.readTree(none.body()).at("/error/message").asText().startsWith("Access denied"));
        assertError(post(keyed, "retrieval:vectorizeImage" + GA, "application/octet-stream", png, "wrong"), 401, "401", null);
        assertEquals(200, post(keyed, "retrieval:vectorizeImage" + GA, "application/octet-stream", png, "secret-key").statusCode());
        HttpRequest bearer = HttpRequest.newBuilder(URI.create(keyed.endpoint() + "/computervision/retrieval:vectorizeImage" + GA))
                .header("Content-Type", "application/octet-stream").header("Authorization", "Bearer some-token")
                .POST(HttpRequest.BodyPublishers.ofByteArray(png)).build();
        assertEquals(200, HTTP.send(bearer, HttpResponse.BodyHandlers.ofString()).statusCode());
    }

    static Stream<Arguments> errors() throws IOException {
        byte[] png = Files.readAllBytes(IMAGE);
        byte[] corrupt = Arrays.copyOf(png, png.length);
        Arrays.fill(corrupt, 60, corrupt.length, (byte) 7);
        byte[] tiny = ImageFeatureEmbedderTestImages.png(8, 8);
        String seventyOne = String.join(" ", java.util.Collections.nCopies(71, "word"));
        return Stream.of(
                Arguments.of("unknown api-version", "retrieval:vectorizeImage?api-version=2099-01-01", "application/octet-stream", png, 404, "404", null),
                Arguments.of("missing api-version", "retrieval:vectorizeImage", "application/octet-stream", png, 404, "404", null),
                Arguments.of("retired preview", "retrieval:vectorizeImage?api-version=2023-02-01-preview&modelVersion=latest", "application/octet-stream", png, 410, "Gone", null),
                Arguments.of("another retired preview", "retrieval:vectorizeText?api-version=2023-04-01-preview", "application/json", "{\"text\":\"hi\"}".getBytes(StandardCharsets.UTF_8), 410, "Gone", null),
                Arguments.of("unknown operation", "retrieval:vectorizeVideo" + GA, "application/octet-stream", png, 404, "404", null),
                Arguments.of("unknown model-version", "retrieval:vectorizeImage?api-version=2024-02-01&model-version=2021-01-01", "application/octet-stream", png, 400, "InvalidRequest", "InvalidModelVersion"),
                Arguments.of("corrupt image", "retrieval:vectorizeImage" + GA, "application/octet-stream", corrupt, 400, "InvalidRequest", "InvalidImageFormat"),
                Arguments.of("not an image", "retrieval:vectorizeImage" + GA, "application/octet-stream", "hello".getBytes(StandardCharsets.UTF_8), 400, "InvalidRequest", "InvalidImageFormat"),
                Arguments.of("empty body", "retrieval:vectorizeImage" + GA, "application/octet-stream", new byte[0], 400, "InvalidRequest", "InvalidImageSize"),
                Arguments.of("8x8 px image", "retrieval:vectorizeImage" + GA, "application/octet-stream", tiny, 400, "InvalidRequest", "InvalidImageSize"),
                Arguments.of("wrong content type", "retrieval:vectorizeImage" + GA, "text/plain", png, 400, "InvalidRequest", "UnsupportedMediaType"),
                Arguments.of("unreachable url", "retrieval:vectorizeImage" + GA, "application/json", "{\"url\":\"http://127.0.0.1:1/x.png\"}".getBytes(StandardCharsets.UTF_8), 400, "InvalidRequest", "InvalidImageUrl"),
                Arguments.of("text with 71 words", "retrieval:vectorizeText" + GA, "application/json", ("{\"text\":\"" + seventyOne + "\"}").getBytes(StandardCharsets.UTF_8), 400, "InvalidRequest", "InvalidTextLength"),
                Arguments.of("empty text", "retrieval:vectorizeText" + GA, "application/json", "{\"text\":\"  \"}".getBytes(StandardCharsets.UTF_8), 400, "InvalidRequest", "InvalidTextLength"),
                Arguments.of("text over features", "retrieval:vectorizeText" + GA, "application/json", "{\"text\":\"a red bicycle\"}".getBytes(StandardCharsets.UTF_8), 400, "InvalidRequest", "TextNotSupported"));
    }

    @ParameterizedTest(name = "{0} -> {4} {5}/{6}")
    @MethodSource("errors")
    void errorsHaveAzuresShape(String name, String operation, String contentType, byte[] body, int status,
                               String code, String innerCode) throws Exception {
        assertError(post(open, operation, contentType, body, null), status, code, innerCode);
    }

    @Test
    void notFoundBodyIsExactlyAzures() throws Exception {
        HttpResponse<String> r = post(open, "retrieval:vectorizeImage?api-version=2022-10-12", "application/octet-stream",
                Files.readAllBytes(IMAGE), null);
        assertEquals(JSON.readTree("{\"error\":{\"code\":\"404\",\"message\":\"Resource not found\"}}"), JSON.readTree(r.body()));
    }

    @Test
    void textOverFeaturesSaysWhatToDo() throws Exception {
        HttpResponse<String> r = post(open, "retrieval:vectorizeText" + GA, "application/json",
                "{\"text\":\"a red bicycle\"}".getBytes(StandardCharsets.UTF_8), null);
        String message = JSON.readTree(r.body()).at("/error/message").asText();
        assertTrue(message.contains("features:grid-hist-v1") && message.contains("--embedder clip"), message);
    }

    @Test
    void rateLimitAnswers429WithRetryAfter() throws Exception {
        byte[] png = Files.readAllBytes(IMAGE);
        try (AzureVisionEmulator limited = AzureVisionEmulator.start(features, "127.0.0.1", 0, null, 2, null)) {
            int ok = 0;
            HttpResponse<String> last = null;
            for (int i = 0; i < 5; i++) {
                last = post(limited, "retrieval:vectorizeImage" + GA, "application/octet-stream", png, null);
                ok += last.statusCode() == 200 ? 1 : 0;
            }
            assertTrue(ok >= 2 && ok < 5, "2 calls per second, 5 calls at once: " + ok + " answered");
            assertError(last, 429, "429", null);
            assertEquals("1", last.headers().firstValue("Retry-After").orElse(null));
            assertEquals(5 - ok, limited.throttled(), "throttled() counts the 429s");
        }
    }

    static HttpResponse<String> post(AzureVisionEmulator emulator, String operation, String contentType, byte[] body,
                                     String key) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(emulator.endpoint() + "/computervision/" + operation))
                .header("Content-Type", contentType).POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (key != null) {
            b.header("Ocp-Apim-Subscription-Key", key);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static void assertError(HttpResponse<String> r, int status, String code, String innerCode) throws IOException {
        assertEquals(status, r.statusCode(), r.body());
        JsonNode error = JSON.readTree(r.body()).get("error");
        assertNotNull(error, r.body());
        assertEquals(code, error.get("code").asText());
        assertTrue(error.get("message").asText().length() > 5, r.body());
        assertEquals(code, r.headers().firstValue("x-ms-error-code").orElse(null));
        assertTrue(r.headers().firstValue("apim-request-id").isPresent());
        if (innerCode != null) {
            assertEquals(innerCode, error.at("/innererror/code").asText(), r.body());
        }
    }

    /** Small synthetic images for edge cases. */
    static final class ImageFeatureEmbedderTestImages {
        static byte[] png(int w, int h) {
            try {
                java.awt.image.BufferedImage image = new java.awt.image.BufferedImage(w, h, java.awt.image.BufferedImage.TYPE_INT_RGB);
                java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
                javax.imageio.ImageIO.write(image, "png", out);
                return out.toByteArray();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }
}
