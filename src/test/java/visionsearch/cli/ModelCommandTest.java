package visionsearch.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okio.Buffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code vision-search model download|status} end to end, with a MockWebServer serving the tiny model. */
class ModelCommandTest {

    private static Path tiny() {
        try {
            return Path.of(ModelCommandTest.class.getResource("/clip-tiny").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Runs the command line, returning {exit status, stdout, stderr}. */
    private static String[] run(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            int status = Main.run(args);
            return new String[] {String.valueOf(status), o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8)};
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    @Test
    void downloadsTheModelThenStatusOpensIt(@TempDir Path dir) throws IOException {
        try (MockWebServer server = new MockWebServer()) {
            server.setDispatcher(new Dispatcher() {
                @Override
                public MockResponse dispatch(RecordedRequest request) {
                    String path = request.getTarget().replaceFirst("^/hf/", "").replaceFirst("^onnx/", "");
                    Path file = tiny().resolve(path);
                    if (!Files.isRegularFile(file)) {
                        return new MockResponse.Builder().code(404).build();
                    }
                    try {
                        return new MockResponse.Builder().body(new Buffer().write(Files.readAllBytes(file))).build();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
            });
            server.start();
            Path models = dir.resolve("models");
            String[] r = run("model", "download", "--dir", models.toString(), "--base-url", server.url("/hf").toString());
            assertEquals("0", r[0], r[1] + r[2]);
            assertTrue(r[1].contains("fetched  vision_model.onnx"), r[1]);
            assertTrue(r[1].contains("set CLIP_MODEL_DIR=" + models), r[1]);
            assertArrayEquals(Files.readAllBytes(tiny().resolve("vision_model.onnx")),
                    Files.readAllBytes(models.resolve("vision_model.onnx")));
            assertEquals(5, server.getRequestCount());

            r = run("model", "download", "--dir", models.toString(), "--base-url", server.url("/hf").toString());
            assertEquals("0", r[0], r[1] + r[2]);
            assertTrue(r[1].contains("present  merges.txt"), r[1]);
            assertEquals(5, server.getRequestCount(), "nothing is fetched twice");

            r = run("model", "status", "--dir", models.toString());
            assertEquals("0", r[0], r[1] + r[2]);
            assertTrue(r[1].contains("CLIP model clip:tiny-test (32 dimensions)"), r[1]);
        }
    }

    @Test
    void offlineFailsWithTheManualRoute(@TempDir Path dir) throws IOException {
        MockWebServer server = new MockWebServer();
        server.start();
        String url = server.url("/hf/").toString();
        server.close();
        String[] r = run("model", "download", "--dir", dir.toString(), "--base-url", url, "--connect-timeout", "2");
        assertEquals("1", r[0]);
        assertTrue(r[2].contains("are you offline?") && r[2].contains("CLIP_MODEL_DIR"), r[2]);
        r = run("model", "status", "--dir", dir.toString());
        assertEquals("1", r[0]);
        assertTrue(r[1].contains("vision-search model download"), r[1]);
    }
}
