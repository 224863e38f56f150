package visionsearch.embed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import visionsearch.embed.azure.AzureStandIn;
import visionsearch.embed.azure.AzureVisionEmbedder;

/** The on-disk embedding cache and the caching embedder wrapper. */
class EmbeddingCacheTest {
    static final String KEY = "cache-key-0123456789";

    @TempDir
    Path dir;
    MockWebServer server;
    AzureStandIn standIn;

    @BeforeEach
    void start() throws IOException {
        server = new MockWebServer();
        standIn = AzureStandIn.reliable(KEY);
        server.setDispatcher(standIn);
        server.start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    AzureVisionEmbedder azure() {
        return AzureVisionEmbedder.builder().endpoint(server.url("/").toString()).key(KEY)
                .backoff(Duration.ofMillis(1), Duration.ofMillis(5)).ratePerSecond(Double.POSITIVE_INFINITY).build();
    }

    static List<ImageInput> folder(int n, int seed) {
        List<ImageInput> images = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            images.add(ImageInput.of(AzureStandIn.png(seed + i), "img-" + (seed + i) + ".png"));
        }
        return images;
    }

    static Embedding embedding(String model, float... values) {
        return new Embedding(values, model);
    }

    @Test
    void secondPassOverTheSameFolderMakesZeroRequests() {
        Path file = dir.resolve("cache/embeddings.bin");
        List<ImageInput> images = folder(6, 10);
        List<EmbeddingResult> first;
        try (EmbeddingCache cache = EmbeddingCache.open(file); CachedEmbedder embedder = cache.wrap(azure())) {
            first = embedder.embedImages(images, BatchProgress.NONE);
            embedder.embedText("a red bicycle");
            assertEquals(7, embedder.misses());
            assertEquals(0, embedder.hits());
        }
        int afterFirst = server.getRequestCount();
        assertEquals(7, afterFirst);

        List<int[]> progress = new ArrayList<>();
        try (EmbeddingCache cache = EmbeddingCache.open(file); CachedEmbedder embedder = cache.wrap(azure())) {
            assertEquals(7, cache.size());
            List<EmbeddingResult> second = embedder.embedImages(images,
                    (done, total) -> progress.add(new int[] {done, total}));
            Embedding text = embedder.embedText("a red bicycle");
            Embedding single = embedder.embedImage(images.get(2));
            assertEquals(afterFirst, server.getRequestCount(), "the second pass made calls");
            assertEquals(8, embedder.hits());
            assertEquals(0, embedder.misses());
            for (int i = 0; i < images.size(); i++) {
                assertEquals(first.get(i).embedding(), second.get(i).embedding(), "item " + i);
                assertEquals("azure-vision:2023-04-15", second.get(i).embedding().modelId());
            }
            assertEquals(first.get(2).embedding(), single);
            assertArrayEquals(AzureStandIn.vectorFor("a red bicycle".getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                    text.vector());
        }
        assertArrayEquals(new int[] {6, 6}, progress.get(progress.size() - 1));
    }

    @Test
    void batchSendsOnlyTheMissesAndKeepsInputOrder() {
        List<ImageInput> cachedOnes = folder(3, 30);
        List<ImageInput> all = new ArrayList<>(cachedOnes);
        all.add(1, ImageInput.of(AzureStandIn.png(40), "new-1"));
        all.add(ImageInput.of(AzureStandIn.corruptPng(41), "corrupt"));
        all.add(ImageInput.of(AzureStandIn.png(42), "new-2"));
        try (EmbeddingCache cache = EmbeddingCache.open(dir.resolve("c.bin")); CachedEmbedder embedder = cache.wrap(azure())) {
            embedder.embedImages(cachedOnes, BatchProgress.NONE);
            int before = server.getRequestCount();
            List<EmbeddingResult> results = embedder.embedImages(all, BatchProgress.NONE);
            assertEquals(3, server.getRequestCount() - before, "only the 3 misses are sent");
            assertEquals(all.size(), results.size());
            for (int i = 0; i < all.size(); i++) {
                EmbeddingResult r = results.get(i);
                assertEquals(i, r.index());
                assertEquals(all.get(i).source(), r.source());
                if (all.get(i).source().equals("corrupt")) {
                    assertFalse(r.ok());
                } else {
                    assertArrayEquals(AzureStandIn.vectorFor(all.get(i).bytes()), r.embedding().vector(), "item " + i);
                }
            }
            assertEquals(5, cache.size(), "the failed item is not cached");
        }
    }

    @Test
    void aCacheMadeByAnotherModelIsNeverServed() {
        Path file = dir.resolve("c.bin");
        ImageInput image = ImageInput.of(AzureStandIn.png(50));
        float[] foreign = new float[1024];
        java.util.Arrays.fill(foreign, 7f);
        try (EmbeddingCache cache = EmbeddingCache.open(file)) {
            cache.putImage(image, embedding("azure-vision:2022-04-11", foreign));
            cache.putImage(image, embedding("clip:ViT-B-32", new float[] {1, 2, 3}));
            cache.putText("hello", embedding("azure-vision:2022-04-11", foreign));
        }
        try (EmbeddingCache cache = EmbeddingCache.open(file); CachedEmbedder embedder = cache.wrap(azure())) {
            Embedding e = embedder.embedImage(image);
            embedder.embedText("hello");
            assertEquals("azure-vision:2023-04-15", e.modelId());
            assertArrayEquals(AzureStandIn.vectorFor(image.bytes()), e.vector());
            assertEquals(2, server.getRequestCount(), "entries of other models were served");
            assertEquals(2, embedder.misses());
            assertArrayEquals(foreign, cache.getImage("azure-vision:2022-04-11", image).orElseThrow().vector(),
                    "the other model's entry is kept for that model");
            assertEquals(5, cache.size());
        }
    }

    @ParameterizedTest(name = "last record cut by {0} bytes")
    @ValueSource(ints = {1, 4, 100, 4000})
    void aTornLastRecordIsIgnoredAndOverwritten(int cut) throws IOException {
        Path file = dir.resolve("c.bin");
        try (EmbeddingCache cache = EmbeddingCache.open(file)) {
            for (int i = 0; i < 3; i++) {
                cache.put(EmbeddingCache.Modality.IMAGE, ImageInput.sha256Hex(new byte[] {(byte) i}),
                        embedding("m:1", new float[1024]));
            }
        }
        long size = Files.size(file);
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(size - cut);
        }
        try (EmbeddingCache cache = EmbeddingCache.open(file)) {
            assertEquals(2, cache.size());
            assertEquals(size / 3 - cut, cache.droppedBytes());
            assertTrue(cache.get("m:1", EmbeddingCache.Modality.IMAGE, ImageInput.sha256Hex(new byte[] {2})).isEmpty());
            cache.put(EmbeddingCache.Modality.IMAGE, ImageInput.sha256Hex(new byte[] {9}), embedding("m:1", 1, 2));
        }
        try (EmbeddingCache cache = EmbeddingCache.open(file)) {
            assertEquals(3, cache.size());
            assertEquals(0, cache.droppedBytes());
            assertArrayEquals(new float[] {1, 2},
                    cache.get("m:1", EmbeddingCache.Modality.IMAGE, ImageInput.sha256Hex(new byte[] {9})).orElseThrow().vector());
        }
    }

    @Test
    void aDamagedLastRecordFailsItsChecksum() throws IOException {
        Path file = dir.resolve("c.bin");
        try (EmbeddingCache cache = EmbeddingCache.open(file)) {
            cache.putText("one", embedding("m:1", 1, 1));
            cache.putText("two", embedding("m:1", 2, 2));
        }
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(raf.length() - 6);
            raf.write(0x7F);
        }
        try (EmbeddingCache cache = EmbeddingCache.open(file)) {
            assertEquals(1, cache.size());
            assertArrayEquals(new float[] {1, 1}, cache.getText("m:1", "one").orElseThrow().vector());
            assertTrue(cache.getText("m:1", "two").isEmpty());
        }
    }

    @Test
    void aLaterRecordReplacesAnEarlierOne() {
        Path file = dir.resolve("c.bin");
        try (EmbeddingCache cache = EmbeddingCache.open(file)) {
            cache.putText("x", embedding("m:1", 1));
            cache.putText("x", embedding("m:1", 2));
            assertArrayEquals(new float[] {2}, cache.getText("m:1", "x").orElseThrow().vector());
        }
        try (EmbeddingCache cache = EmbeddingCache.open(file)) {
            assertEquals(1, cache.size());
            assertArrayEquals(new float[] {2}, cache.getText("m:1", "x").orElseThrow().vector());
        }
    }

    @Test
    void wrapsAnyEmbedderAndSkipsUrlInputs() {
        AtomicInteger calls = new AtomicInteger();
        Embedder counting = new Embedder() {
            @Override
            public Embedding embedImage(ImageInput image) {
                calls.incrementAndGet();
                return embedding("test:counting", image.isUrl() ? 0 : image.size(), 1);
            }

            @Override
            public Embedding embedText(String text) {
                calls.incrementAndGet();
                return embedding("test:counting", text.length(), 2);
            }

            @Override
            public String modelId() {
                return "test:counting";
            }

            @Override
            public int dimensions() {
                return 2;
            }
        };
        ImageInput url = ImageInput.ofUrl("https://example.com/a.png");
        try (EmbeddingCache cache = EmbeddingCache.open(dir.resolve("c.bin")); CachedEmbedder embedder = cache.wrap(counting)) {
            List<ImageInput> images = folder(3, 60);
            embedder.embedImages(images, BatchProgress.NONE);
            embedder.embedImages(images, BatchProgress.NONE);
            embedder.embedText("abc");
            embedder.embedText("abc");
            embedder.embedImage(url);
            embedder.embedImage(url);
            assertEquals(3 + 1 + 2, calls.get());
            assertEquals(4, cache.size());
        }
    }

    @Test
    void twoCachesOnOneFileInterleaveWithoutClobbering() throws Exception {
        Path file = dir.resolve("shared.bin");
        try (EmbeddingCache a = EmbeddingCache.open(file); EmbeddingCache b = EmbeddingCache.open(file)) {
            Thread[] writers = new Thread[4];
            for (int t = 0; t < writers.length; t++) {
                EmbeddingCache cache = t % 2 == 0 ? a : b;
                int thread = t;
                writers[t] = new Thread(() -> {
                    for (int i = 0; i < 25; i++) {
                        cache.putText("t" + thread + "-" + i, embedding("m:1", thread, i, 0.5f));
                    }
                });
                writers[t].start();
            }
            for (Thread w : writers) {
                w.join();
            }
            assertArrayEquals(new float[] {1, 3, 0.5f}, b.getText("m:1", "t1-3").orElseThrow().vector());
        }
        try (EmbeddingCache cache = EmbeddingCache.open(file)) {
            assertEquals(0, cache.droppedBytes());
            assertEquals(100, cache.size());
            for (int t = 0; t < 4; t++) {
                for (int i = 0; i < 25; i++) {
                    assertArrayEquals(new float[] {t, i, 0.5f}, cache.getText("m:1", "t" + t + "-" + i).orElseThrow().vector());
                }
            }
        }
    }

    /** Records 0..n-1 of model m:1, each text "r<i>" with the vector {i, i}, written to {@code file}; returns each record's bytes. */
    private static List<byte[]> records(Path file, int n) throws IOException {
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Path one = file.resolveSibling("one-" + i + ".bin");
            try (EmbeddingCache cache = EmbeddingCache.open(one)) {
                cache.putText("r" + i, embedding("m:1", i, i));
            }
            out.add(Files.readAllBytes(one));
        }
        return out;
    }

    @Test
    void aRecordTornInTheMiddleIsSkippedAndTheRecordsAfterItAreKept() throws IOException {
        // Process A was killed half-way through record 1; process B, which had the file open, appended record 2.
        Path file = dir.resolve("c.bin");
        List<byte[]> r = records(file, 3);
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        bytes.write(r.get(0));
        bytes.write(r.get(1), 0, r.get(1).length - 7);
        bytes.write(r.get(2));
        Files.write(file, bytes.toByteArray());
        long size = Files.size(file);
        try (EmbeddingCache cache = EmbeddingCache.open(file)) {
            assertEquals(2, cache.size());
            assertArrayEquals(new float[] {0, 0}, cache.getText("m:1", "r0").orElseThrow().vector());
            assertArrayEquals(new float[] {2, 2}, cache.getText("m:1", "r2").orElseThrow().vector());
            assertTrue(cache.getText("m:1", "r1").isEmpty());
            assertEquals(r.get(1).length - 7, cache.droppedBytes());
            cache.putText("r3", embedding("m:1", 3, 3));
        }
        assertEquals(size + r.get(0).length, Files.size(file), "nothing good was cut; the new record was appended");
        try (EmbeddingCache cache = EmbeddingCache.open(file)) {
            assertEquals(3, cache.size());
            assertArrayEquals(new float[] {3, 3}, cache.getText("m:1", "r3").orElseThrow().vector());
        }
    }

    /** An embedder that says one model before answering and answers with another, as the emulator behind the Azure client. */
    static final class Emulated implements Embedder {
        final AtomicInteger calls = new AtomicInteger();
        final java.util.function.Consumer<ImageInput> before;
        volatile boolean modelAsked;

        Emulated(java.util.function.Consumer<ImageInput> before) {
            this.before = before;
        }

        @Override
        public Embedding embedImage(ImageInput image) {
            calls.incrementAndGet();
            before.accept(image);
            return embedding("features:grid-hist-v1", image.size(), 1);
        }

        @Override
        public Embedding embedText(String text) {
            throw new UnsupportedOperationException("images only");
        }

        @Override
        public String modelId() {
            modelAsked = true;
            return "azure-vision:2023-04-15";
        }

        @Override
        public int dimensions() {
            return 1024;
        }
    }

    @Test
    void servesTheModelTheEndpointAnsweredWithWithoutAskingIt() {
        Path file = dir.resolve("c.bin");
        List<ImageInput> images = folder(3, 80);
        try (EmbeddingCache cache = EmbeddingCache.open(file)) {
            Emulated first = new Emulated(image -> { });
            CachedEmbedder embedder = cache.wrap(first);
            embedder.embedImage(images.get(0));                 // a miss: asks the model, calls, learns the answer's model
            assertEquals("features:grid-hist-v1", embedder.modelId());
            embedder.embedImage(images.get(0));                 // now a hit under the answered model
            assertEquals(1, first.calls.get());
            cache.put(EmbeddingCache.Modality.IMAGE, images.get(1).sha256(), embedding("features:grid-hist-v1", 5, 5));
        }
        try (EmbeddingCache cache = EmbeddingCache.open(file)) {
            Emulated again = new Emulated(image -> {
                throw new AssertionError("no call for a cached image");
            });
            CachedEmbedder embedder = cache.wrap(again, "features:grid-hist-v1");
            assertArrayEquals(new float[] {images.get(0).size(), 1}, embedder.embedImage(images.get(0)).vector());
            assertEquals(2, embedder.embedImages(images.subList(0, 2), BatchProgress.NONE).stream()
                    .filter(EmbeddingResult::ok).count());
            assertEquals(0, again.calls.get());
            assertFalse(again.modelAsked, "a hit needs nothing from the endpoint, not even its model");
            assertEquals("features:grid-hist-v1", embedder.modelId());
            assertEquals(2, embedder.dimensions());
        }
    }

    @Test
    void embedImagesStoresEachAnswerTheMomentItArrives() throws Exception {
        Path file = dir.resolve("c.bin");
        List<ImageInput> images = folder(6, 90);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        Emulated slowLast = new Emulated(image -> {
            if (image.source().equals("img-95.png")) {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        });
        try (EmbeddingCache cache = EmbeddingCache.open(file); CachedEmbedder embedder = cache.wrap(slowLast)) {
            Thread batch = new Thread(() -> embedder.embedImages(images, BatchProgress.NONE));
            batch.start();
            long deadline = System.nanoTime() + 30_000_000_000L;
            int seen = 0;
            while (seen < 5) {
                assertTrue(System.nanoTime() < deadline, "five answers reach the file while the sixth is held");
                try (EmbeddingCache reader = EmbeddingCache.open(file)) {
                    seen = reader.size();
                }
                Thread.sleep(10);
            }
            assertTrue(batch.isAlive(), "the batch has not returned: its answers were stored before it ended");
            release.countDown();
            batch.join();
            assertEquals(6, cache.size());
        }
    }

    @Test
    void useAfterCloseThrows() {
        EmbeddingCache cache = EmbeddingCache.open(dir.resolve("c.bin"));
        cache.close();
        assertThrows(IllegalStateException.class, () -> cache.getText("m", "x"));
        assertThrows(IllegalStateException.class, () -> cache.putText("x", embedding("m", 1)));
    }
}
