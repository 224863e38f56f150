package visionsearch.embed.azure;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import visionsearch.embed.BatchProgress;
import visionsearch.embed.EmbeddingResult;
import visionsearch.embed.ImageInput;

/** Batches and the shared rate limiter, against {@link AzureStandIn}. */
class AzureBatchTest {
    static final String KEY = "batch-key-0123456789";

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

    AzureVisionEmbedder.Builder client() {
        return AzureVisionEmbedder.builder().endpoint(server.url("/").toString()).key(KEY)
                .backoff(Duration.ofMillis(1), Duration.ofMillis(5)).ratePerSecond(Double.POSITIVE_INFINITY);
    }

    @Test
    void mixedGoodAndCorruptImagesGivePerItemResultsInOrder() {
        List<ImageInput> images = new ArrayList<>();
        Set<Integer> corrupt = Set.of(1, 4, 5);
        for (int i = 0; i < 8; i++) {
            images.add(corrupt.contains(i) ? ImageInput.of(AzureStandIn.corruptPng(i), "corrupt-" + i)
                    : ImageInput.of(AzureStandIn.png(i), "good-" + i));
        }
        images.add(ImageInput.ofUrl("https://example.com/remote.png"));
        List<int[]> progress = new CopyOnWriteArrayList<>();
        List<EmbeddingResult> results;
        try (AzureVisionEmbedder azure = client().concurrency(4).build()) {
            results = azure.embedImages(images, (done, total) -> progress.add(new int[] {done, total}));
        }
        assertEquals(images.size(), results.size());
        for (int i = 0; i < images.size(); i++) {
            EmbeddingResult r = results.get(i);
            assertEquals(i, r.index());
            assertEquals(images.get(i).source(), r.source());
            if (corrupt.contains(i)) {
                assertFalse(r.ok(), "item " + i);
                VisionApiException e = assertInstanceOf(VisionApiException.class, r.error());
                assertEquals(400, e.status());
                assertEquals("InvalidImageFormat", e.innerCode());
            } else {
                assertTrue(r.ok(), "item " + i + ": " + r.error());
                byte[] content = images.get(i).isUrl()
                        ? "https://example.com/remote.png".getBytes(StandardCharsets.UTF_8) : images.get(i).bytes();
                assertArrayEquals(AzureStandIn.vectorFor(content), r.embedding().vector(), "item " + i);
            }
        }
        assertEquals(images.size(), progress.size());
        for (int k = 0; k < progress.size(); k++) {
            assertArrayEquals(new int[] {k + 1, images.size()}, progress.get(k), "progress is monotonic");
        }
        assertEquals(images.size(), server.getRequestCount(), "corrupt images are not retried");
    }

    @Test
    void emptyBatchMakesNoCalls() {
        try (AzureVisionEmbedder azure = client().build()) {
            assertEquals(List.of(), azure.embedImages(List.of(), BatchProgress.NONE));
        }
        assertEquals(0, server.getRequestCount());
    }

    /**
     * A 10/s limit, 30 requests from 4 threads of one client, against a server that admits 10 calls
     * in any sliding second: the server's arrival times never hold more than 10 in a second, and the
     * server never has to throttle.
     */
    @Test
    void rateLimiterIsSharedByAllThreadsAndMeasuredAtTheServer() throws Exception {
        standIn = AzureStandIn.faulty(KEY, 0, 10, 0, 0, 1);
        server.setDispatcher(standIn);
        int threads = 4;
        int perThread = 8;
        try (AzureVisionEmbedder azure = client().ratePerSecond(10).build()) {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            CountDownLatch go = new CountDownLatch(1);
            List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
            for (int t = 0; t < threads; t++) {
                int thread = t;
                pool.submit(() -> {
                    try {
                        go.await();
                        for (int i = 0; i < perThread; i++) {
                            azure.embedText("thread " + thread + " item " + i);
                        }
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                    return null;
                });
            }
            go.countDown();
            pool.shutdown();
            assertTrue(pool.awaitTermination(60, TimeUnit.SECONDS));
            assertEquals(List.of(), failures);
        }
        List<Long> arrivals = new ArrayList<>(standIn.arrivals());
        Collections.sort(arrivals);
        assertEquals(threads * perThread, arrivals.size(), "no call was throttled and retried");
        assertTrue(AzureStandIn.maxInAnySecond(arrivals) <= 10, "most arrivals in a second: "
                + AzureStandIn.maxInAnySecond(arrivals));
        assertEquals(0, standIn.overLimit());
    }

    /**
     * A batch of 60 at 20/s with 8 calls in flight and 20 ms latency, against a server that admits 20
     * calls in any sliding second: no second at the server holds more than 20, nothing is throttled.
     */
    @Test
    void batchStaysWithinTheRateLimitInEverySecondAtTheServer() {
        standIn = AzureStandIn.faulty(KEY, 20, 20, 0, 0, 1);
        server.setDispatcher(standIn);
        List<ImageInput> images = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            images.add(ImageInput.of(AzureStandIn.png(100 + i)));
        }
        List<EmbeddingResult> results;
        try (AzureVisionEmbedder azure = client().ratePerSecond(20).concurrency(8).build()) {
            results = azure.embedImages(images, BatchProgress.NONE);
        }
        assertTrue(results.stream().allMatch(EmbeddingResult::ok), results.toString());
        List<Long> arrivals = new ArrayList<>(standIn.arrivals());
        Collections.sort(arrivals);
        assertEquals(60, arrivals.size(), "no call was throttled and retried");
        assertTrue(AzureStandIn.maxInAnySecond(arrivals) <= 20, "most arrivals in a second: "
                + AzureStandIn.maxInAnySecond(arrivals));
        assertEquals(0, standIn.overLimit());
    }
}
