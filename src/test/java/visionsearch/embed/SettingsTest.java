package visionsearch.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SettingsTest {

    @Test
    void explicitBeatsEnvironmentBeatsDotenvFoundInAParent(@TempDir Path root) throws IOException {
        Files.writeString(root.resolve(".env"), "VISION_ENDPOINT=https://from-file.example.com/\n"
                + "VISION_KEY=file-secret-123\nVISION_API_VERSION=2023-02-01-preview\n# comment\n");
        Path nested = Files.createDirectories(root.resolve("notebooks/deeper"));
        Settings s = Settings.load(nested, Map.of("VISION_API_VERSION", "2024-02-01"));
        assertEquals(Optional.of(root.resolve(".env")), s.dotenvFile());
        assertEquals("https://from-file.example.com/", s.get("VISION_ENDPOINT").orElseThrow());
        assertEquals("2024-02-01", s.get("VISION_API_VERSION").orElseThrow());
        assertEquals("explicit", s.with("VISION_API_VERSION", "explicit").get("VISION_API_VERSION").orElseThrow());
        assertEquals("2024-02-01", s.with("VISION_API_VERSION", "x").with("VISION_API_VERSION", null)
                .get("VISION_API_VERSION").orElseThrow());
    }

    @Test
    void blankValuesCountAsUnsetAndFallbacksApply(@TempDir Path root) throws IOException {
        Files.writeString(root.resolve(".env"), "VISION_KEY=\nCLIP_MODEL_DIR=   \n");
        Settings s = Settings.load(root, Map.of("DATABASE_URL", ""));
        assertFalse(s.get("VISION_KEY").isPresent());
        assertFalse(s.get("CLIP_MODEL_DIR").isPresent());
        assertFalse(s.get("DATABASE_URL").isPresent());
        assertEquals("S1", s.get("VISION_TIER", "S1"));
    }

    @Test
    void aBlankEnvironmentVariableHidesTheDotenvValue(@TempDir Path root) throws IOException {
        Files.writeString(root.resolve(".env"), "VISION_KEY=from-file\nVISION_ENDPOINT=https://file.example.com\n");
        Settings s = Settings.load(root, Map.of("VISION_KEY", ""));
        assertFalse(s.get("VISION_KEY").isPresent());
        assertEquals("https://file.example.com", s.get("VISION_ENDPOINT").orElseThrow());
        assertFalse(Settings.load(root, Map.of()).with("VISION_KEY", " ").get("VISION_KEY").isPresent());
    }

    @Test
    void toStringNeverShowsSecrets(@TempDir Path root) throws IOException {
        Files.writeString(root.resolve(".env"), "VISION_KEY=super-secret-key-42\n");
        Settings s = Settings.load(root, Map.of("DATABASE_URL", "postgresql://u:db-pass-77@h/db",
                "VISION_ENDPOINT", "https://x.example.com"));
        String text = s.toString();
        assertFalse(text.contains("super-secret-key-42"), text);
        assertFalse(text.contains("db-pass-77"), text);
        assertTrue(text.contains("VISION_KEY=***"), text);
        assertTrue(text.contains("https://x.example.com"), text);
    }

    @Test
    void noDotenvAnywhereIsFine(@TempDir Path root) {
        Settings s = Settings.of(Map.of("VISION_EMBEDDER", "features"));
        assertEquals("features", s.get("VISION_EMBEDDER").orElseThrow());
        assertTrue(s.dotenvFile().isEmpty());
    }
}
