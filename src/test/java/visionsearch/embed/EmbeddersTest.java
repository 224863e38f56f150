package visionsearch.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import visionsearch.embed.azure.AzureVisionEmbedder;
import visionsearch.embed.features.ImageFeatureEmbedder;

class EmbeddersTest {

    @Test
    void noKeyAndNoModelFallsBackToImageFeaturesAndSaysWhy(@TempDir Path emptyModelDir) {
        Embedders.Selection s = Embedders.select(Settings.of(Map.of("CLIP_MODEL_DIR", emptyModelDir.toString())));
        try (Embedder e = s.embedder()) {
            assertInstanceOf(ImageFeatureEmbedder.class, e);
            assertFalse(e.supportsText());
            assertTrue(s.reason().contains("no VISION_KEY"), s.reason());
            assertTrue(s.reason().contains("model download"), s.reason());
        }
    }

    @Test
    void aKeyMeansAzureAndTheReasonNeverShowsTheKey() {
        Embedders.Selection s = Embedders.select(Settings.of(Map.of(
                "VISION_KEY", "key-abc-123456", "VISION_ENDPOINT", "https://myres.cognitiveservices.azure.com/")));
        try (Embedder e = s.embedder()) {
            assertInstanceOf(AzureVisionEmbedder.class, e);
            assertEquals(1024, e.dimensions());
            assertFalse(s.reason().contains("key-abc-123456"), s.reason());
            assertFalse(e.toString().contains("key-abc-123456"), e.toString());
        }
    }

    @Test
    void explicitChoiceWinsOverAKey() {
        Embedders.Selection s = Embedders.select(Settings.of(Map.of("VISION_KEY", "k", "VISION_EMBEDDER", "FEATURES")));
        try (Embedder e = s.embedder()) {
            assertInstanceOf(ImageFeatureEmbedder.class, e);
            assertTrue(s.reason().contains("VISION_EMBEDDER"), s.reason());
        }
    }

    @Test
    void unknownChoiceListsTheValidOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Embedders.select(Settings.of(Map.of("VISION_EMBEDDER", "openai"))));
        assertTrue(e.getMessage().contains("expected one of [azure, clip, features]"), e.getMessage());
    }

    @Test
    void azureChosenWithoutEndpointSaysWhatIsMissing() {
        RuntimeException e = assertThrows(RuntimeException.class,
                () -> Embedders.select(Settings.of(Map.of("VISION_EMBEDDER", "azure", "VISION_KEY", "secret-xyz"))));
        assertTrue(e.getMessage().contains("VISION_ENDPOINT"), e.getMessage());
        assertFalse(e.getMessage().contains("secret-xyz"), e.getMessage());
    }
}
