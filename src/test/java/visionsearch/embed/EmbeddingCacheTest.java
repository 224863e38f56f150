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
        return AzureVisionEmbedder.builder().endpoint(server.url("/").toString()).key(KEY).probeLocalServer(false)
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

    @Test
    void useAfterCloseThrows() {
        EmbeddingCache cache = EmbeddingCache.open(dir.resolve("c.bin"));
        cache.close();
        assertThrows(IllegalStateException.class, () -> cache.getText("m", "x"));
        assertThrows(IllegalStateException.class, () -> cache.putText("x", embedding("m", 1)));
    }
}
