package visionsearch.embed.azure;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import okio.Buffer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import visionsearch.embed.azure.AzureVisionEmbedder;
import visionsearch.embed.clip.ClipEmbedder;
import visionsearch.embed.Embedder;
import visionsearch.embed.Embedders;
import visionsearch.embed.Embedding;
import visionsearch.embed.features.ImageFeatureEmbedder;
import visionsearch.embed.Settings;
import visionsearch.embed.azure.VisionApiException;
import visionsearch.store.Distance;
import visionsearch.store.InMemoryVectorStore;
import visionsearch.store.SearchHit;
import visionsearch.store.VectorRecord;

/** The real Azure client, configured only by VISION_ENDPOINT, against the running emulator. */
class AzureClientAgainstEmulatorTest {
    static final Path BEACH = Path.of("images", "beach-01.png");
    static final Path CITY = Path.of("images", "city-01.png");

    static ImageFeatureEmbedder features;
    static AzureVisionEmulator emulator;

    @BeforeAll
    static void start() {
        features = ImageFeatureEmbedder.create();
        emulator = AzureVisionEmulator.start(features);
    }

    @AfterAll
    static void stop() {
        emulator.close();
        features.close();
    }

    static AzureVisionEmbedder client() {
        return AzureVisionEmbedder.fromSettings(Settings.of(Map.of(
                "VISION_ENDPOINT", emulator.endpoint(), "VISION_KEY", "any-value")));
    }

    @ParameterizedTest(name = "endpoint on {0}")
    @ValueSource(strings = {"127.0.0.1", "localhost"})
    void theLocalModelIsLearnedFromTheFirstAnswerWithoutAProbe(String host) {
        String endpoint = emulator.endpoint().replace("127.0.0.1", host) + "/";
        Settings settings = Settings.of(Map.of("VISION_ENDPOINT", endpoint, "VISION_KEY", "anything"));
        Embedders.Selection selection = Embedders.select(settings);
        long before = emulator.served();
        try (Embedder embedder = selection.embedder()) {
            assertInstanceOf(AzureVisionEmbedder.class, embedder);
            // Before any answer: the configured Azure model, and no call made to find out.
            assertEquals("azure-vision:2023-04-15", embedder.modelId());
            assertEquals(1024, embedder.dimensions());
            assertTrue(embedder.supportsText(), "Azure's answer until a local model has answered");
            assertEquals(before, emulator.served(), "modelId, dimensions and supportsText made no call");
            // As an indexer does: the store is made from the first Embedding's own model id.
            Embedding first = embedder.embedImage(BEACH);
            assertEquals(before + 1, emulator.served());
            assertEquals("features:grid-hist-v1", first.modelId());
            assertEquals("features:grid-hist-v1", embedder.modelId());
            assertEquals(features.dimensions(), embedder.dimensions());
            try (InMemoryVectorStore store = InMemoryVectorStore.create(first.modelId(), first.dimensions(), Distance.COSINE)) {
                store.upsert(List.of(new VectorRecord(BEACH.toString(), BEACH.toString(), Map.of(), null, first.vector())));
                store.upsert(List.of(new VectorRecord(CITY.toString(), CITY.toString(), Map.of(), null,
                        embedder.embedImage(CITY).vector())));
                List<SearchHit> hits = store.search(embedder.embedImage(Path.of("images", "beach-02.png")).vector(), 2, Map.of());
                assertEquals(BEACH.toString(), hits.get(0).id());
            }
        }
    }

    @Test
    void imageBytesGiveTheLocalEmbeddersVectorLabelledWithItsModel() throws Exception {
        try (AzureVisionEmbedder azure = client()) {
            Embedding remote = azure.embedImage(BEACH);
            Embedding local = features.embedImage(BEACH);
            assertEquals("features:grid-hist-v1", remote.modelId());
            assertArrayEquals(local.vector(), remote.vector(), 1e-7f);
            assertEquals(1.0, remote.cosine(local), 1e-6);
            assertFalse(remote.modelId().startsWith("azure-vision"), "never labelled as an Azure vector");
        }
    }

    @Test
    void imageUrlIsFetchedByTheEmulator() throws Exception {
        try (MockWebServer images = new MockWebServer(); AzureVisionEmbedder azure = client()) {
            images.enqueue(new MockResponse.Builder().code(200).addHeader("Content-Type", "image/png")
                    .body(new Buffer().write(Files.readAllBytes(CITY))).build());
            images.start();
            Embedding e = azure.embedImage(URI.create(images.url("/city.png").toString()));
            assertEquals("/city.png", images.takeRequest().getUrl().encodedPath());
            assertArrayEquals(features.embedImage(CITY).vector(), e.vector(), 1e-7f);
        }
    }

    @Test
    void textOverFeaturesFailsWithAzuresShapeAndAdvice() {
        try (AzureVisionEmbedder azure = client()) {
            azure.embedImage(BEACH);
            assertFalse(azure.supportsText(), "once it has answered, an emulator over image features embeds no text");
            VisionApiException e = assertThrows(VisionApiException.class, () -> azure.embedText("a sunset over the sea"));
            assertEquals(400, e.status());
            assertEquals("InvalidRequest", e.errorCode());
            assertEquals("TextNotSupported", e.innerCode());
            assertFalse(e.retryable());
            assertTrue(e.getMessage().contains("--embedder clip"), e.getMessage());
        }
    }

    @Test
    void textWorksOverClip() {
        try (ClipEmbedder clip = ClipEmbedder.open(Path.of("src", "test", "resources", "clip-tiny"));
             AzureVisionEmulator overClip = AzureVisionEmulator.start(clip);
             AzureVisionEmbedder azure = AzureVisionEmbedder.fromSettings(Settings.of(Map.of(
                     "VISION_ENDPOINT", overClip.endpoint(), "VISION_KEY", "any-value")))) {
            Embedding text = azure.embedText("a sunset over the sea");
            assertEquals(clip.modelId(), text.modelId());
            assertEquals(clip.modelId(), azure.modelId());
            assertEquals(clip.dimensions(), azure.dimensions());
            long served = overClip.served();
            assertTrue(azure.supportsText());
            assertTrue(azure.supportsText());
            assertEquals(served + 1, overClip.served(), "behind a local model, supportsText asks once");
            assertArrayEquals(clip.embedText("a sunset over the sea").vector(), text.vector(), 1e-6f);
            Embedding image = azure.embedImage(BEACH);
            assertArrayEquals(clip.embedImage(BEACH).vector(), image.vector(), 1e-6f);
            assertTrue(Double.isFinite(text.cosine(image)), "text and image vectors share one space");
        }
    }

    @Test
    void corruptImageIsInvalidImageFormat() throws Exception {
        byte[] png = Files.readAllBytes(BEACH);
        byte[] corrupt = Arrays.copyOf(png, png.length);
        Arrays.fill(corrupt, 60, corrupt.length, (byte) 3);
        try (AzureVisionEmbedder azure = client()) {
            VisionApiException e = assertThrows(VisionApiException.class, () -> azure.embedImage(corrupt));
            assertEquals(400, e.status());
            assertEquals("InvalidRequest", e.errorCode());
            assertEquals("InvalidImageFormat", e.innerCode());
            assertTrue(e.getMessage().contains("re-save it as JPEG or PNG"), e.getMessage());
        }
    }

    @Test
    void retiredPreviewIsGoneWithAdvice() {
        try (AzureVisionEmbedder azure = AzureVisionEmbedder.builder().endpoint(emulator.endpoint()).key("k")
                .apiVersion("2023-02-01-preview").build()) {
            VisionApiException e = assertThrows(VisionApiException.class, () -> azure.embedImage(BEACH));
            assertEquals(410, e.status());
            assertEquals("Gone", e.errorCode());
            assertTrue(e.getMessage().contains("VISION_API_VERSION=2024-02-01"), e.getMessage());
        }
    }

    @Test
    void unknownApiVersionIsResourceNotFound() {
        try (AzureVisionEmbedder azure = AzureVisionEmbedder.builder().endpoint(emulator.endpoint()).key("k")
                .apiVersion("2099-01-01").maxRetries(0).build()) {
            VisionApiException e = assertThrows(VisionApiException.class, () -> azure.embedImage(BEACH));
            assertEquals(404, e.status());
            assertEquals("404", e.errorCode());
            assertTrue(e.getMessage().contains("Resource not found"), e.getMessage());
        }
    }

    @Test
    void wrongKeyIs401AndBearerTokensPass() {
        try (AzureVisionEmulator keyed = AzureVisionEmulator.start(features, "127.0.0.1", 0, "right-key", 0, null)) {
            try (AzureVisionEmbedder wrong = AzureVisionEmbedder.builder().endpoint(keyed.endpoint()).key("wrong-key").build()) {
                VisionApiException e = assertThrows(VisionApiException.class, () -> wrong.embedImage(BEACH));
                assertEquals(401, e.status());
                assertFalse(e.getMessage().contains("wrong-key"), "the key never appears in messages");
            }
            try (AzureVisionEmbedder right = AzureVisionEmbedder.builder().endpoint(keyed.endpoint()).key("right-key").build()) {
                assertEquals(features.dimensions(), right.embedImage(BEACH).dimensions());
            }
            try (AzureVisionEmbedder token = AzureVisionEmbedder.builder().endpoint(keyed.endpoint())
                    .tokenSupplier(() -> "entra-token").build()) {
                assertEquals(features.dimensions(), token.embedImage(BEACH).dimensions());
            }
        }
    }

    @Test
    void tooManyWordsAreRefusedBeforeSending() {
        String text = String.join(" ", Collections.nCopies(71, "word"));
        try (AzureVisionEmbedder azure = client()) {
            long before = emulator.served();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> azure.embedText(text));
            assertTrue(e.getMessage().contains("71 words"), e.getMessage());
            assertEquals(before, emulator.served());
        }
    }

    @Test
    void rateLimitIsRetriedAfterRetryAfter() {
        try (AzureVisionEmulator limited = AzureVisionEmulator.start(features, "127.0.0.1", 0, null, 1, null);
             AzureVisionEmbedder azure = AzureVisionEmbedder.builder().endpoint(limited.endpoint()).key("k")
                     .ratePerSecond(1000).deadline(Duration.ofSeconds(20)).build()) {
            long start = System.nanoTime();
            azure.embedImage(BEACH);
            azure.embedImage(CITY);
            azure.embedImage(BEACH);
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertTrue(ms >= 900, "1 call per second: three calls must have waited on a 429 Retry-After, took " + ms + " ms");
            assertTrue(limited.served() >= 3);
        }
    }
}
