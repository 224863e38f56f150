package visionsearch.embed.clip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.SocketEffect;
import okio.Buffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import visionsearch.embed.EmbeddingException;
import visionsearch.embed.ImageInput;

/** The downloader against a local MockWebServer serving a model file. */
class ModelDownloaderTest {
    private static final byte[] CONTENT = new byte[300_000];
    private static final String SHA;

    static {
        new Random(42).nextBytes(CONTENT);
        SHA = ImageInput.sha256Hex(CONTENT);
    }

    private final MockWebServer server = new MockWebServer();
    private final List<RecordedRequest> requests = new ArrayList<>();
    @TempDir
    Path dir;

    @BeforeEach
    void start() throws IOException {
        server.start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private ModelDownloader downloader(ModelDownloader.ModelFile... files) {
        return ModelDownloader.builder().baseUrl(server.url("/repo/resolve/main/").toString()).directory(dir)
                .files(List.of(files)).connectTimeout(Duration.ofSeconds(2)).build();
    }

    private static ModelDownloader.ModelFile modelFile(String sha) {
        return new ModelDownloader.ModelFile("onnx/vision_model.onnx", "vision_model.onnx", -1, sha);
    }

    /** Serves CONTENT honouring Range; the first {@code cuts} full responses break off half-way. */
    private void serve(int cuts, String linkedEtag) {
        AtomicInteger remainingCuts = new AtomicInteger(cuts);
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                synchronized (requests) {
                    requests.add(request);
                }
                if (!request.getTarget().equals("/repo/resolve/main/onnx/vision_model.onnx")) {
                    return new MockResponse.Builder().code(404).body("Entry not found").build();
                }
                MockResponse.Builder r = new MockResponse.Builder();
                if (linkedEtag != null) {
                    r.setHeader("X-Linked-Etag", "\"" + linkedEtag + "\"").setHeader("X-Linked-Size", CONTENT.length);
                }
                String range = request.getHeaders().get("Range");
                if (range != null) {
                    Matcher m = Pattern.compile("bytes=(\\d+)-").matcher(range);
                    assertTrue(m.matches(), "Range header: " + range);
                    int from = Integer.parseInt(m.group(1));
                    return r.code(206).setHeader("Content-Range", "bytes " + from + "-" + (CONTENT.length - 1) + "/" + CONTENT.length)
                            .body(new Buffer().write(Arrays.copyOfRange(CONTENT, from, CONTENT.length))).build();
                }
                r.code(200).body(new Buffer().write(CONTENT));
                if (remainingCuts.getAndDecrement() > 0) {
                    r.throttleBody(50_000, 20, TimeUnit.MILLISECONDS).onResponseBody(SocketEffect.ShutdownConnection.INSTANCE);
                }
                return r.build();
            }
        });
    }

    @Test
    void downloadsVerifiesAgainstTheServerChecksumAndWritesTheManifest() throws IOException {
        serve(0, SHA);
        List<long[]> progress = new ArrayList<>();
        ModelDownloader d = ModelDownloader.builder().baseUrl(server.url("/repo/resolve/main").toString()).directory(dir)
                .files(List.of(modelFile(null))).listener(new ModelDownloader.Listener() {
                    @Override
                    public void progressed(ModelDownloader.ModelFile file, long done, long total) {
                        progress.add(new long[] {done, total});
                    }
                }).build();
        List<Path> paths = d.download();
        assertEquals(List.of(dir.resolve("vision_model.onnx")), paths);
        assertArrayEquals(CONTENT, Files.readAllBytes(paths.get(0)));
        assertFalse(Files.exists(dir.resolve("vision_model.onnx.part")));
        assertEquals(1, requests.size());
        assertNull(requests.get(0).getHeaders().get("Range"));
        assertEquals("GET", requests.get(0).getMethod());
        long[] lastProgress = progress.get(progress.size() - 1);
        assertArrayEquals(new long[] {CONTENT.length, CONTENT.length}, lastProgress);
        String manifest = Files.readString(dir.resolve(ModelDownloader.MANIFEST));
        assertTrue(manifest.contains(SHA) && manifest.contains("\"size\" : 300000") && manifest.contains("X-Linked-Etag"), manifest);

        // A second run finds the file in place, checks it against the manifest and fetches nothing.
        d.download();
        assertEquals(1, requests.size());
        // A damaged file is fetched again.
        Files.write(paths.get(0), new byte[] {1, 2, 3});
        d.download();
        assertEquals(2, requests.size());
        assertArrayEquals(CONTENT, Files.readAllBytes(paths.get(0)));
    }

    @Test
    void resumesAfterACutWithARangeRequest() throws IOException {
        serve(1, SHA);
        downloader(modelFile(null)).download();
        assertArrayEquals(CONTENT, Files.readAllBytes(dir.resolve("vision_model.onnx")));
        assertEquals(2, requests.size(), "one cut request, one resumed request");
        String range = requests.get(1).getHeaders().get("Range");
        assertTrue(range != null && range.matches("bytes=\\d+-"), "resumed request must ask for the rest: " + range);
        long from = Long.parseLong(range.replaceAll("\\D", ""));
        assertTrue(from > 0 && from < CONTENT.length, "resumed from " + from);
    }

    @Test
    void resumesAPartFileLeftByAnEarlierRun() throws IOException {
        serve(0, null);
        Files.write(dir.resolve("vision_model.onnx.part"), Arrays.copyOf(CONTENT, 123_456));
        downloader(modelFile(SHA)).download();
        assertArrayEquals(CONTENT, Files.readAllBytes(dir.resolve("vision_model.onnx")));
        assertEquals("bytes=123456-", requests.get(0).getHeaders().get("Range"));
        assertFalse(Files.exists(dir.resolve("vision_model.onnx.part")));
    }

    @Test
    void checksumMismatchIsRejectedAndNothingIsLeftInPlace() {
        serve(0, null);
        String wrong = "0".repeat(64);
        EmbeddingException e = assertThrows(EmbeddingException.class, () -> downloader(modelFile(wrong)).download());
        assertTrue(e.getMessage().contains(wrong) && e.getMessage().contains(SHA), e.getMessage());
        assertFalse(e.retryable());
        assertFalse(Files.exists(dir.resolve("vision_model.onnx")));
        assertFalse(Files.exists(dir.resolve("vision_model.onnx.part")));
        assertFalse(Files.exists(dir.resolve(ModelDownloader.MANIFEST)));
    }

    @Test
    void aWrongServerChecksumIsRejectedToo() {
        serve(0, "f".repeat(64));
        EmbeddingException e = assertThrows(EmbeddingException.class, () -> downloader(modelFile(null)).download());
        assertTrue(e.getMessage().contains("failed its check"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("vision_model.onnx")));
        assertFalse(Files.exists(dir.resolve("vision_model.onnx.part")));
    }

    @Test
    void notFoundNamesTheStatusAndTheManualRoute() {
        serve(0, null);
        ModelDownloader.ModelFile missing = new ModelDownloader.ModelFile("nothing.bin", "nothing.bin", -1, null);
        EmbeddingException e = assertThrows(EmbeddingException.class, () -> downloader(missing).download());
        assertTrue(e.getMessage().contains("HTTP 404") && e.getMessage().contains("CLIP_MODEL_DIR"), e.getMessage());
    }

    @Test
    void unreachableServerFailsFastWithAdvice() throws IOException {
        String url = server.url("/repo/resolve/main/").toString();
        server.close(); // nothing listens on that port any more
        ModelDownloader d = ModelDownloader.builder().baseUrl(url).directory(dir)
                .files(ModelDownloader.CLIP_VIT_B_32_FILES).connectTimeout(Duration.ofSeconds(2)).build();
        long start = System.nanoTime();
        EmbeddingException e = assertThrows(EmbeddingException.class, d::download);
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(millis < 5_000, "took " + millis + " ms");
        for (String part : List.of("cannot reach", "offline", "CLIP_MODEL_DIR", dir.toString(), "vision_model.onnx",
                "text_model.onnx", "vocab.json", "merges.txt", url + "onnx/vision_model.onnx")) {
            assertTrue(e.getMessage().contains(part), "message lacks " + part + ": " + e.getMessage());
        }
        assertTrue(e.retryable());
        assertFalse(Files.exists(dir.resolve("vision_model.onnx")));
    }

    @Test
    void defaultsPointAtTheHuggingFaceExport() {
        ModelDownloader d = ModelDownloader.builder().directory(dir).build();
        assertEquals(dir, d.directory());
        assertTrue(d.manualAdvice().contains(
                "https://huggingface.co/Xenova/clip-vit-base-patch32/resolve/main/onnx/vision_model.onnx as vision_model.onnx"),
                d.manualAdvice());
        assertEquals(List.of("vision_model.onnx", "text_model.onnx", "vocab.json", "merges.txt", "config.json"),
                d.files().stream().map(ModelDownloader.ModelFile::fileName).toList());
        assertThrows(IllegalStateException.class, () -> ModelDownloader.builder().build());
        assertThrows(IllegalArgumentException.class, () -> new ModelDownloader.ModelFile("a", "../a", -1, null));
    }
}
