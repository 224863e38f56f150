package visionsearch.embed.azure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import visionsearch.embed.Embedding;
import visionsearch.embed.Settings;

/** Azure when a key is set, else the emulator in this process, reached through the same client. */
class AzureEndpointTest {

    @Test
    void withoutAKeyTheEmulatorAnswersTheSameClient() {
        Settings offline = Settings.of(Map.of("CLIP_MODEL_DIR", "/nonexistent/clip"));
        String endpoint;
        try (AzureEndpoint service = AzureEndpoint.open(offline)) {
            assertTrue(service.emulated());
            assertFalse(service.textWorks(), "image features behind it read no text");
            endpoint = service.endpoint();
            assertTrue(endpoint.startsWith("http://127.0.0.1:"), endpoint);
            assertTrue(service.toString().contains("emulator") && service.toString().contains("features:"), service.toString());
            try (AzureVisionEmbedder azure = AzureVisionEmbedder.fromSettings(service.settings())) {
                Embedding e = azure.embedImage(Path.of("images/beach-01.png"));
                assertEquals(585, e.dimensions());
            }
        }
        try (AzureVisionEmbedder after = AzureVisionEmbedder.builder().endpoint(endpoint).key("k").maxRetries(0)
                .build()) {
            assertThrows(RuntimeException.class, () -> after.embedImage(Path.of("images/beach-01.png")),
                    "closing stops the emulator");
        }
    }

    @Test
    void withAKeyItIsAzureAndSaysSoWithoutTheKey() {
        Settings azure = Settings.of(Map.of("VISION_KEY", "s3cret-key", "VISION_ENDPOINT", "https://res.cognitiveservices.azure.com"));
        try (AzureEndpoint service = AzureEndpoint.open(azure)) {
            assertFalse(service.emulated());
            assertTrue(service.textWorks());
            assertEquals("https://res.cognitiveservices.azure.com", service.endpoint());
            assertEquals("Azure AI Vision at https://res.cognitiveservices.azure.com (VISION_KEY is set)", service.toString());
        }
    }
}
