package visionsearch.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import visionsearch.embed.CallPlan;
import visionsearch.embed.Embedding;
import visionsearch.embed.EmbeddingException;
import visionsearch.embed.ImageInput;
import visionsearch.embed.features.ImageFeatureEmbedder;
import visionsearch.store.Distance;
import visionsearch.store.InMemoryVectorStore;
import visionsearch.store.SearchHit;
import visionsearch.store.VectorStoreException;

/** The streaming pipeline: ordering, no barrier, back-pressure, failures and cancellation. */
class IndexPipelineTest {
    @TempDir
    Path dir;

    /** The image-features embedder with a hook per call, counting calls and the most at once. */
    static final class Scripted extends CountingEmbedder {
        final AtomicInteger now = new AtomicInteger();
        final AtomicInteger most = new AtomicInteger();
        final List<String> sources = Collections.synchronizedList(new ArrayList<>());
        private final Consumer<ImageInput> before;

        Scripted(CallPlan plan, Consumer<ImageInput> before) {
            super(ImageFeatureEmbedder.create(), 0, plan);
            this.before = before;
        }

        @Override
        public Embedding embedImage(ImageInput image) {
            most.accumulateAndGet(now.incrementAndGet(), Math::max);
            try {
                sources.add(image.source());
                before.accept(image);
                return super.embedImage(image);
            } finally {
                now.decrementAndGet();
            }
        }
    }

    private List<Path> images(int n) {
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            files.add(TestImages.write(dir.resolve(String.format("images/img%03d.png", i)), i, "png"));
        }
        return files;
    }

    private static InMemoryVectorStore newStore() {
        return InMemoryVectorStore.create(ImageFeatureEmbedder.MODEL_ID, ImageFeatureEmbedder.DIMENSIONS, Distance.COSINE);
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(60, TimeUnit.SECONDS)) {
                throw new AssertionError("timed out");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    @Test
    void aSlowImageNeverHoldsTheOthersBack() throws Exception {
        images(30);
        CountDownLatch slowMayFinish = new CountDownLatch(1);
        CountDownLatch othersWritten = new CountDownLatch(29);
        Scripted embedder = new Scripted(new CallPlan(1, 4), image -> {
            if (image.source().equals("img000.png")) {
                await(slowMayFinish); // the first image in walk order: retried, say, for a long time
            }
        });
        try (InMemoryVectorStore store = newStore()) {
            AtomicReference<IndexSummary> done = new AtomicReference<>();
            Thread run = new Thread(() -> done.set(Indexer.builder(embedder, store).batchSize(1).quiet(true)
                    .onBatchWritten(s -> othersWritten.countDown()).build().index(dir.resolve("images"))));
            run.start();
            assertTrue(othersWritten.await(60, TimeUnit.SECONDS), "the 29 other images are written while one is held");
            assertEquals(29, store.count());
            assertTrue(run.isAlive(), "the run waits only for the held image");
            slowMayFinish.countDown();
            run.join(60_000);
            assertEquals(30, done.get().indexed(), done.get().describe());
            assertEquals(30, store.count());
        }
    }

    @Test
    void everyRecordGetsItsOwnVectorAndDuplicatesTheFirstPathInWalkOrder() throws IOException {
        List<Path> files = images(40);
        Files.createDirectories(dir.resolve("images/z"));
        Files.copy(files.get(7), dir.resolve("images/z/copy.png"));   // after img007.png in walk order
        Files.copy(files.get(9), dir.resolve("images/a-copy.png"));   // before img009.png in walk order
        // Calls of 5 images, 3 at once, answers coming back in a shuffled order.
        Scripted embedder = new Scripted(new CallPlan(5, 3), image -> { });
        CountingEmbedder shuffled = new CountingEmbedder(embedder, 0, new CallPlan(5, 3)) {
            @Override
            public List<visionsearch.embed.EmbeddingResult> embedImages(List<ImageInput> images,
                                                                         visionsearch.embed.BatchProgress progress) {
                sleep(ThreadLocalRandom.current().nextInt(30));
                return super.embedImages(images, progress);
            }
        };
        try (ImageFeatureEmbedder reference = ImageFeatureEmbedder.create(); InMemoryVectorStore store = newStore()) {
            IndexSummary summary = Indexer.builder(shuffled, store).batchSize(3).quiet(true).build()
                    .index(dir.resolve("images"));
            assertEquals(40, summary.indexed(), summary.describe());
            assertEquals(2, summary.duplicates(), summary.describe());
            for (Path f : files) {
                float[] own = reference.embedImage(f).vector();
                SearchHit top = store.search(own, 1).get(0);
                assertEquals(ImageInput.of(f).sha256(), top.id(), f.toString());
                assertEquals(1.0, top.score(), 1e-5, f + ": the record holds this image's own vector");
            }
            Map<String, String> paths = new ConcurrentHashMap<>();
            store.items().forEach(i -> paths.put(i.id(), i.path()));
            assertEquals(files.get(7).toAbsolutePath().normalize().toString(), paths.get(ImageInput.of(files.get(7)).sha256()));
            assertEquals(dir.resolve("images/a-copy.png").toAbsolutePath().normalize().toString(),
                    paths.get(ImageInput.of(files.get(9)).sha256()), "the first path in walk order names the record");
            assertEquals(40, embedder.images.get(), "each distinct image embedded once");
        }
    }

    @Test
    void backPressureBoundsCallsInFlightAndImagesHeldWhileTheStoreIsSlow() throws Exception {
        images(150);
        CountDownLatch storeMayGo = new CountDownLatch(1);
        Scripted embedder = new Scripted(new CallPlan(1, 3), image -> sleep(2));
        IndexRun.Stats stats = new IndexRun.Stats();
        try (WrappedStore store = new WrappedStore(newStore(), records -> await(storeMayGo))) {
            AtomicReference<IndexSummary> done = new AtomicReference<>();
            Thread run = new Thread(() -> done.set(Indexer.builder(embedder, store).batchSize(10).readThreads(2)
                    .quiet(true).stats(stats).build().index(dir.resolve("images"))));
            run.start();
            // The store is blocked: the pipeline fills up and then stops asking for more.
            int calls = -1;
            for (int i = 0; i < 100 && embedder.images.get() != calls; i++) {
                calls = embedder.images.get();
                Thread.sleep(100);
            }
            assertEquals(calls, embedder.images.get(), "no new call while the store is blocked");
            assertTrue(calls < 150, "the embedder waited for the store: " + calls + " calls");
            // At most: the first group being written (10) + the queue (16) + one answer per call in flight (3).
            assertTrue(calls <= 10 + 16 + 3, "calls made while the store was blocked: " + calls);
            storeMayGo.countDown();
            run.join(60_000);
            assertEquals(150, done.get().indexed(), done.get().describe());
        }
        assertTrue(embedder.most.get() <= 3, "calls at once: " + embedder.most.get());
        assertEquals(3, stats.maxCalls.get(), "the calls in flight reach the plan's 3");
        // readAhead (4 x 2 threads) + calls in flight (3 x 1) + queue (16) + one write group (10)
        assertTrue(stats.maxHeld.get() <= 8 + 3 + 16 + 10, "images held at once: " + stats.maxHeld.get());
        assertEquals(0, stats.held.get(), "everything held was let go");
    }

    @Test
    void aFailingStoreWriterStopsTheRunAndLosesNothingWritten() {
        images(60);
        Path file = dir.resolve("store.vec");
        AtomicInteger upserts = new AtomicInteger();
        Scripted embedder = new Scripted(new CallPlan(1, 2), image -> sleep(3));
        try (InMemoryVectorStore real = InMemoryVectorStore.open(file, ImageFeatureEmbedder.MODEL_ID,
                ImageFeatureEmbedder.DIMENSIONS, Distance.COSINE);
             WrappedStore store = new WrappedStore(real, records -> {
                 if (upserts.incrementAndGet() == 3) {
                     throw new VectorStoreException("disk full (test)");
                 }
             })) {
            IndexingStoppedException e = assertThrows(IndexingStoppedException.class, () -> Indexer.builder(embedder, store)
                    .batchSize(5).checkpoint(real::save).quiet(true).build().index(dir.resolve("images")));
            assertTrue(e.getMessage().contains("writing to the store failed: disk full (test)")
                    && e.getMessage().contains("10 images were written"), e.getMessage());
            assertTrue(e.getCause() instanceof VectorStoreException, String.valueOf(e.getCause()));
            assertFalse(e.cancelled());
            assertEquals(10, e.summary().indexed());
            assertTrue(embedder.images.get() < 60, "the run stopped: " + embedder.images.get() + " calls");
        }
        try (InMemoryVectorStore saved = InMemoryVectorStore.load(file)) {
            assertEquals(10, saved.count(), "the two groups written before the failure are in the file");
        }
        try (InMemoryVectorStore again = InMemoryVectorStore.open(file, ImageFeatureEmbedder.MODEL_ID,
                ImageFeatureEmbedder.DIMENSIONS, Distance.COSINE)) {
            IndexSummary rerun = Indexer.builder(ImageFeatureEmbedder.create(), again).quiet(true).build()
                    .index(dir.resolve("images"));
            assertEquals(50, rerun.indexed(), rerun.describe());
            assertEquals(10, rerun.skipped(), rerun.describe());
            assertEquals(60, again.count());
        }
    }

    @Test
    void cancelStartsNoNewCallAndWritesEveryAnswerInFlight() throws Exception {
        images(80);
        CountDownLatch firstWritten = new CountDownLatch(1);
        Scripted embedder = new Scripted(new CallPlan(1, 3), image -> sleep(40));
        try (InMemoryVectorStore store = newStore()) {
            Indexer indexer = Indexer.builder(embedder, store).batchSize(2).quiet(true)
                    .onBatchWritten(s -> firstWritten.countDown()).build();
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            Thread run = new Thread(() -> {
                try {
                    indexer.index(dir.resolve("images"));
                } catch (Throwable t) {
                    thrown.set(t);
                }
            });
            run.start();
            assertTrue(firstWritten.await(60, TimeUnit.SECONDS));
            indexer.cancel();
            int callsAtCancel = embedder.images.get();
            run.join(60_000);
            IndexingStoppedException e = (IndexingStoppedException) thrown.get();
            assertNotNull(e, "index() throws when cancelled");
            assertTrue(e.cancelled() && e.getMessage().contains("run again to continue"), e.getMessage());
            assertTrue(embedder.images.get() <= callsAtCancel + 3, "at most the calls already started: "
                    + callsAtCancel + " -> " + embedder.images.get());
            assertEquals(embedder.images.get(), store.count(), "every answer that came back is written");
            assertEquals(store.count(), e.summary().indexed());
            assertTrue(store.count() < 80);
        }
    }

    @Test
    void interruptingTheCallerAbandonsTheCallsInFlight() throws Exception {
        images(20);
        Scripted embedder = new Scripted(new CallPlan(1, 2), image -> {
            if (!image.source().equals("img000.png") && !image.source().equals("img001.png")) {
                sleep(60_000); // a call that hangs; only an interrupt ends it
            }
        });
        try (InMemoryVectorStore store = newStore()) {
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            AtomicReference<Boolean> flag = new AtomicReference<>();
            Thread run = new Thread(() -> {
                try {
                    Indexer.builder(embedder, store).batchSize(1).quiet(true).build().index(dir.resolve("images"));
                } catch (Throwable t) {
                    thrown.set(t);
                }
                flag.set(Thread.currentThread().isInterrupted());
            });
            run.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (store.count() < 2 || embedder.now.get() < 2) {
                assertTrue(System.nanoTime() < deadline, "two answers, then two hanging calls");
                Thread.sleep(5);
            }
            long start = System.nanoTime();
            run.interrupt();
            run.join(30_000);
            assertFalse(run.isAlive());
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10), "the hanging calls were abandoned");
            IndexingStoppedException e = (IndexingStoppedException) thrown.get();
            assertTrue(e.cancelled(), e.getMessage());
            assertTrue(flag.get(), "the interrupt flag is kept");
            assertEquals(2, store.count());
            assertEquals(2, e.summary().indexed());
            assertEquals(List.of(), e.summary().failed(), "abandoned calls are not the images' failures");
        }
    }

    @Test
    void aNewStoreIsOpenedForTheModelOfTheFirstAnswerNotTheEmbeddersGuess() throws IOException {
        images(5);
        List<String> opened = new ArrayList<>();
        CountingEmbedder guessing = new CountingEmbedder(ImageFeatureEmbedder.create(), 0) {
            @Override
            public String modelId() {
                throw new AssertionError("the indexer must not ask the embedder for its model");
            }

            @Override
            public int dimensions() {
                throw new AssertionError("the indexer must not ask the embedder for its dimension");
            }
        };
        AtomicReference<InMemoryVectorStore> store = new AtomicReference<>();
        IndexSummary summary = Indexer.builder(guessing, (modelId, dimensions) -> {
            opened.add(modelId + "/" + dimensions);
            store.set(InMemoryVectorStore.create(modelId, dimensions, Distance.COSINE));
            return store.get();
        }).quiet(true).build().index(dir.resolve("images"));
        assertEquals(5, summary.indexed());
        assertEquals(List.of(ImageFeatureEmbedder.MODEL_ID + "/" + ImageFeatureEmbedder.DIMENSIONS), opened);
        assertEquals(5, store.get().count());

        // Nothing to embed: no store is opened at all.
        List<String> none = new ArrayList<>();
        IndexSummary empty = Indexer.builder(guessing, (m, d) -> {
            none.add(m);
            return InMemoryVectorStore.create(m, d, Distance.COSINE);
        }).quiet(true).build().index(Files.createDirectories(dir.resolve("nothing-here-yet")));
        assertEquals(0, empty.indexed());
        assertEquals(List.of(), none);
    }

    @Test
    void emptyFilesAreNamedInTheSummaryExceptHiddenPlaceholders() throws IOException {
        images(2);
        Files.write(dir.resolve("images/broken-download.jpg"), new byte[0]);
        Files.write(dir.resolve("images/.gitkeep"), new byte[0]);
        try (InMemoryVectorStore store = newStore()) {
            IndexSummary summary = Indexer.builder(ImageFeatureEmbedder.create(), store).quiet(true).build()
                    .index(dir.resolve("images"));
            assertEquals(2, summary.indexed());
            assertEquals(1, summary.failed().size(), summary.describe());
            assertEquals("broken-download.jpg", summary.failed().get(0).path());
            assertTrue(summary.describe().contains("failed: broken-download.jpg: EMPTY: the file is empty (0 bytes)"),
                    summary.describe());
            assertEquals(1, summary.ignored(), ".gitkeep is ignored quietly");
        }
    }

    @Test
    void aServiceStopStillWritesTheAnswersOfCallsInFlight() {
        images(40);
        AtomicInteger n = new AtomicInteger();
        Set<String> answered = ConcurrentHashMap.newKeySet();
        Scripted embedder = new Scripted(new CallPlan(1, 4), image -> {
            int i = n.incrementAndGet();
            if (i == 2 || i == 3) {
                sleep(300); // two slow answers, still in flight when the failures stop the run
                answered.add(image.source());
                return;
            }
            if (i > 1) {
                throw new EmbeddingException("HTTP 503 (test)", true, null);
            }
            answered.add(image.source());
        });
        try (InMemoryVectorStore store = newStore()) {
            IndexingStoppedException e = assertThrows(IndexingStoppedException.class, () -> Indexer.builder(embedder, store)
                    .batchSize(1).writeInterval(Duration.ofMillis(50)).quiet(true).build().index(dir.resolve("images")));
            assertTrue(e.getMessage().contains("in a row failed"), e.getMessage());
            assertEquals(3, answered.size());
            assertEquals(3, store.count(), "the slow answers that came after the stop are written too");
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EmbeddingException("interrupted (test)", false, e);
        }
    }
}
