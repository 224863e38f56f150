package visionsearch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import visionsearch.embed.azure.AzureVisionEmulator;
import visionsearch.embed.clip.ClipEmbedder;

/**
 * {@code embed}, {@code search} and {@code index} through the Azure client, each in its own JVM,
 * against the emulator over the project's tiny CLIP model (it embeds text) or a closed port.
 */
class AzureCommandsTest {
    static final String SEVENTY_ONE = String.join(" ", Collections.nCopies(71, "word"));

    static ClipEmbedder clip;
    static AzureVisionEmulator emulator;

    @TempDir
    Path work;

    record Result(int exit, String out) {
    }

    @BeforeAll
    static void start() {
        clip = ClipEmbedder.open(Path.of("src", "test", "resources", "clip-tiny"));
        emulator = AzureVisionEmulator.start(clip);
    }

    @AfterAll
    static void stop() {
        emulator.close();
        clip.close();
    }

    private Result run(Map<String, String> env, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.awt.headless=true", "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                Main.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(work.toFile()).redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("VISION_") || k.startsWith("CLIP_") || k.equals("DATABASE_URL"));
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), out);
        return new Result(p.exitValue(), out);
    }

    static Map<String, String> azure(String endpoint) {
        return Map.of("VISION_EMBEDDER", "azure", "VISION_ENDPOINT", endpoint, "VISION_KEY", "any-key");
    }

    @Test
    void embedNamesTheModelThatAnsweredAndTruncatesOnlyWithTheFlag() throws Exception {
        long before = emulator.served();
        Result refused = run(azure(emulator.endpoint()), "embed", "--text", SEVENTY_ONE);
        assertEquals(1, refused.exit(), refused.out());
        assertTrue(refused.out().contains("71 words") && refused.out().contains("add --truncate"), refused.out());
        assertFalse(refused.out().contains("embedTextTruncated") || refused.out().contains("truncateLongText"),
                "no library call a command-line user cannot make: " + refused.out());
        assertEquals(before, emulator.served(), "refused before any call");

        Result truncated = run(azure(emulator.endpoint()), "embed", "--text", SEVENTY_ONE, "--truncate");
        assertEquals(0, truncated.exit(), truncated.out());
        assertTrue(truncated.out().contains("embedder: " + clip.modelId()), "the model that answered: " + truncated.out());
        assertTrue(truncated.out().contains("model:      " + clip.modelId()), truncated.out());
        assertEquals(before + 1, emulator.served(), "one call, no probe");
    }

    @Test
    void searchFindsTheCollectionOfTheModelThatAnswers() throws Exception {
        Path pics = Files.createDirectories(work.resolve("pics"));
        for (String name : List.of("beach-01.png", "city-01.png", "forest-01.png")) {
            Files.copy(Path.of("images", name), pics.resolve(name));
        }
        Result index = run(azure(emulator.endpoint()), "index", "pics", "-q", "--no-cache");
        assertEquals(0, index.exit(), index.out());
        assertTrue(index.out().contains("embedder: " + clip.modelId()), index.out());
        assertTrue(Files.isRegularFile(work.resolve(CollectionStore.defaultFile("images", clip.modelId()))), index.out());

        long before = emulator.served();
        Result search = run(azure(emulator.endpoint()), "search", "--image", "pics/city-01.png", "--k", "2");
        assertEquals(0, search.exit(), search.out());
        assertTrue(search.out().contains("embedder: " + clip.modelId()), search.out());
        assertTrue(search.out().contains("pics/city-01.png"), search.out());
        assertEquals(before, emulator.served(), "the query image is stored: its stored vector, no call, no probe");
        Path other = work.resolve("other.png");
        Files.copy(Path.of("images", "mountains-01.png"), other);
        Result fresh = run(azure(emulator.endpoint()), "search", "--image", other.toString(), "--k", "2");
        assertEquals(0, fresh.exit(), fresh.out());
        assertEquals(before + 1, emulator.served(), "a new image: the query's call only, no probe");

        Result longText = run(azure(emulator.endpoint()), "search", "--text", SEVENTY_ONE);
        assertEquals(1, longText.exit(), longText.out());
        assertTrue(longText.out().contains("add --truncate"), longText.out());
        Result truncated = run(azure(emulator.endpoint()), "search", "--text", SEVENTY_ONE, "--truncate", "--k", "1");
        assertEquals(0, truncated.exit(), truncated.out());
        assertTrue(truncated.out().contains("rank"), truncated.out());
    }

    @Test
    void indexAgainstAClosedPortStopsAtOnceWithWhatToCheck() throws Exception {
        Path pics = Files.createDirectories(work.resolve("pics"));
        for (int i = 1; i <= 9; i++) {
            Files.copy(Path.of("images", String.format("beach-%02d.png", i)), pics.resolve("b" + i + ".png"));
        }
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        Result index = run(azure("http://127.0.0.1:" + closedPort), "index", "pics", "-q");
        assertEquals(1, index.exit(), index.out());
        assertTrue(index.out().contains("cannot reach") && index.out().contains("VISION_ENDPOINT"), index.out());
        assertEquals(1, index.out().lines().filter(l -> l.contains("trying once more")).count(),
                "one log line for the retry: " + index.out());
        assertFalse(index.out().contains("retry 1 of"), "not retried as a throttle: " + index.out());
    }

    @Test
    void plainHttpToAnotherMachineIsRefusedUnlessAllowed() throws IOException, Exception {
        Result refused = run(azure("http://vision.example.com"), "embed", "--text", "hello");
        assertEquals(1, refused.exit(), refused.out());
        assertTrue(refused.out().contains("unencrypted") && refused.out().contains("VISION_ALLOW_HTTP=true"), refused.out());
        assertFalse(refused.out().contains("any-key"), "never the key: " + refused.out());
    }
}
