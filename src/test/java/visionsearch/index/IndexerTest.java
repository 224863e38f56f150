package visionsearch.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import visionsearch.embed.CallPlan;
import visionsearch.embed.Embedder;
import visionsearch.embed.EmbeddingException;
import visionsearch.embed.features.ImageFeatureEmbedder;
import visionsearch.embed.ImageInput;
import visionsearch.store.Distance;
import visionsearch.store.InMemoryVectorStore;
import visionsearch.store.SearchHit;
import visionsearch.store.VectorStore;

class IndexerTest {

    @TempDir
    Path dir;

    private static InMemoryVectorStore newStore() {
        return InMemoryVectorStore.create(ImageFeatureEmbedder.MODEL_ID, ImageFeatureEmbedder.DIMENSIONS, Distance.COSINE);
    }

    private static IndexSummary index(Embedder embedder, VectorStore store, Path folder, int batch) {
        return Indexer.builder(embedder, store).batchSize(batch).quiet(true).build().index(folder);
    }

    /** Every record's metadata, by relative path; found by searching with each record's own vector is not possible, so search by image. */
    private static Map<String, Map<String, String>> metadataByPath(VectorStore store, Embedder embedder, Path folder,
                                                                   List<String> relativePaths) {
        Map<String, Map<String, String>> out = new HashMap<>();
        ImageSearch search = ImageSearch.of(embedder, store);
        for (String rel : relativePaths) {
            SearchHit top = search.byImage(folder.resolve(rel), 1).get(0);
            out.put(top.metadata().get("relative_path"), top.metadata());
        }
        return out;
    }

    @Test
    void indexesNestedFoldersByContentAndIgnoresOtherFiles() throws IOException {
        TestImages.write(dir.resolve("a.png"), 1, "png");
        TestImages.write(dir.resolve("animals/b.jpg"), 2, "jpg");
        TestImages.write(dir.resolve("animals/cats/c.data"), 3, "png");   // an image despite its extension
        TestImages.write(dir.resolve("animals/cats/d.bmp"), 4, "bmp");
        Files.writeString(dir.resolve("notes.txt"), "not an image");
        Files.writeString(dir.resolve("animals/fake.png"), "a text file named like a PNG");
        TestImages.write(dir.resolve(".hidden/e.png"), 5, "png");          // hidden folders are not entered
        try (ImageFeatureEmbedder embedder = ImageFeatureEmbedder.create(); InMemoryVectorStore store = newStore()) {
            IndexSummary summary = index(embedder, store, dir, 2);
            assertEquals(4, summary.indexed(), summary.describe());
            assertEquals(2, summary.ignored(), summary.describe());
            assertEquals(List.of(), summary.failed());
            assertEquals(4, store.count());
            List<String> rels = List.of("a.png", "animals/b.jpg", "animals/cats/c.data", "animals/cats/d.bmp");
            Map<String, Map<String, String>> meta = metadataByPath(store, embedder, dir, rels);
            assertEquals(Set.copyOf(rels), meta.keySet());
            assertEquals("c.data", meta.get("animals/cats/c.data").get("file_name"));
            assertEquals("animals/cats", meta.get("animals/cats/c.data").get("folder"));
            assertTrue(!meta.get("a.png").containsKey("folder"), "top-level images have no folder: " + meta.get("a.png"));
            SearchHit hit = ImageSearch.of(embedder, store).byImage(dir.resolve("animals/b.jpg"), 1).get(0);
            assertEquals(dir.resolve("animals/b.jpg").toAbsolutePath().normalize().toString(), hit.path());
            assertEquals(ImageInput.of(dir.resolve("animals/b.jpg")).sha256(), hit.id());
        }
    }

    @Test
    void symbolicLinksAreFollowedAndALoopIsReportedNotFatal() throws IOException {
        Path elsewhere = dir.resolve("elsewhere");
        TestImages.write(elsewhere.resolve("linked-dir/x.png"), 1, "png");
        TestImages.write(elsewhere.resolve("y.png"), 2, "png");
        Path root = dir.resolve("root");
        TestImages.write(root.resolve("own.png"), 3, "png");
        Files.createSymbolicLink(root.resolve("data"), elsewhere.resolve("linked-dir"));
        Files.createSymbolicLink(root.resolve("y-link.png"), elsewhere.resolve("y.png"));
        Files.createSymbolicLink(root.resolve("loop"), root);
        try (ImageFeatureEmbedder embedder = ImageFeatureEmbedder.create(); InMemoryVectorStore store = newStore()) {
            IndexSummary summary = index(embedder, store, root, 4);
            assertEquals(3, summary.indexed(), summary.describe());
            assertEquals(1, summary.failed().size(), summary.describe());
            assertEquals("loop", summary.failed().get(0).path());
            assertTrue(summary.failed().get(0).reason().contains("loop"), summary.describe());
            Map<String, Map<String, String>> meta = metadataByPath(store, embedder, root,
                    List.of("own.png", "data/x.png", "y-link.png"));
            assertEquals(Set.of("own.png", "data/x.png", "y-link.png"), meta.keySet());
        }
    }

    @Test
    void rerunSkipsByContentHashWithoutEmbeddingAgain() {
        for (int i = 0; i < 7; i++) {
            TestImages.write(dir.resolve("img" + i + ".png"), i, "png");
        }
        try (CountingEmbedder embedder = new CountingEmbedder(ImageFeatureEmbedder.create(), 0, new CallPlan(3, 2));
             InMemoryVectorStore store = newStore()) {
            IndexSummary first = index(embedder, store, dir, 3);
            assertEquals(7, first.indexed());
            assertEquals(7, embedder.images.get());
            assertEquals(3, embedder.batches.get(), "7 images in calls of 3, as the call plan says");

            IndexSummary second = index(embedder, store, dir, 3);
            assertEquals(0, second.indexed());
            assertEquals(7, second.skipped());
            assertEquals(7, embedder.images.get(), "nothing embedded on the second run");
            assertEquals(3, embedder.batches.get());
            assertEquals(7, store.count());

            // One new image, and a renamed copy of an old one: only the new one is embedded.
            TestImages.write(dir.resolve("sub/new.png"), 100, "png");
            try {
                Files.copy(dir.resolve("img0.png"), dir.resolve("sub/img0-copy.png"));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            IndexSummary third = index(embedder, store, dir, 3);
            assertEquals(1, third.indexed());
            assertEquals(8, third.skipped());
            assertEquals(8, embedder.images.get());
            assertEquals(8, store.count());
        }
    }

    @Test
    void identicalFilesInOneRunAreStoredOnce() throws IOException {
        TestImages.write(dir.resolve("a.png"), 1, "png");
        Files.createDirectories(dir.resolve("b"));
        Files.copy(dir.resolve("a.png"), dir.resolve("b/a-again.png"));
        Files.copy(dir.resolve("a.png"), dir.resolve("b/a-third.png"));
        TestImages.write(dir.resolve("c.png"), 2, "png");
        try (CountingEmbedder embedder = new CountingEmbedder(ImageFeatureEmbedder.create(), 0);
             InMemoryVectorStore store = newStore()) {
            IndexSummary summary = index(embedder, store, dir, 16);
            assertEquals(2, summary.indexed());
            assertEquals(2, summary.duplicates());
            assertEquals(2, embedder.images.get());
            assertEquals(2, store.count());
            assertEquals(2, store.contentHashes().size());
        }
    }

    @Test
    void corruptAndInvalidImagesAreReportedNotThrown() throws IOException {
        TestImages.write(dir.resolve("good1.png"), 1, "png");
        TestImages.writeTruncatedPng(dir.resolve("broken/truncated.png"), 2);
        java.awt.image.BufferedImage tiny = new java.awt.image.BufferedImage(5, 5, java.awt.image.BufferedImage.TYPE_INT_RGB);
        javax.imageio.ImageIO.write(tiny, "png", dir.resolve("broken/tiny.png").toFile());
        byte[] jpegHeaderOnly = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xE0, 0, 16, 'J', 'F', 'I', 'F', 0};
        Files.write(dir.resolve("broken/header-only.jpg"), jpegHeaderOnly);
        TestImages.write(dir.resolve("good2.png"), 3, "png");
        try (ImageFeatureEmbedder embedder = ImageFeatureEmbedder.create(); InMemoryVectorStore store = newStore()) {
            IndexSummary summary = index(embedder, store, dir, 2);
            assertEquals(2, summary.indexed(), summary.describe());
            assertEquals(2, store.count());
            Map<String, String> reasons = summary.failed().stream()
                    .collect(Collectors.toMap(IndexSummary.Failure::path, IndexSummary.Failure::reason));
            assertEquals(Set.of("broken/truncated.png", "broken/tiny.png", "broken/header-only.jpg"), reasons.keySet(),
                    summary.describe());
            assertTrue(reasons.get("broken/truncated.png").startsWith("CORRUPT"), reasons.get("broken/truncated.png"));
            assertTrue(reasons.get("broken/tiny.png").startsWith("BAD_DIMENSIONS"), reasons.get("broken/tiny.png"));
            assertTrue(reasons.get("broken/tiny.png").contains("5x5"), reasons.get("broken/tiny.png"));
            assertTrue(reasons.get("broken/header-only.jpg").startsWith("CORRUPT"), reasons.get("broken/header-only.jpg"));
            assertTrue(summary.describe().contains("failed: broken/tiny.png: BAD_DIMENSIONS"), summary.describe());
        }
    }

    @Test
    void captionsAndThemesComeFromCaptionsCsvByHeaderName() throws IOException {
        TestImages.write(dir.resolve("beach.png"), 1, "png");
        TestImages.write(dir.resolve("cats/tabby.png"), 2, "png");
        TestImages.write(dir.resolve("cats/other.png"), 3, "png");
        Files.writeString(dir.resolve("captions.csv"), "\uFEFFTheme,File Name,Caption,Source\r\n"
                + "sea,beach.png,\"A beach, with waves and a \"\"red\"\" flag\",me\r\n"
                + "cats,cats/tabby.png,A tabby cat,me\r\n", StandardCharsets.UTF_8);
        // A sub-folder's own CSV, with other header spellings; it names files relative to itself.
        Files.writeString(dir.resolve("cats/captions.csv"), "image,description,category\nother.png,Another cat,pets\n");
        try (ImageFeatureEmbedder embedder = ImageFeatureEmbedder.create(); InMemoryVectorStore store = newStore()) {
            IndexSummary summary = index(embedder, store, dir, 8);
            assertEquals(3, summary.indexed(), summary.describe());
            assertEquals(List.of(), summary.warnings());
            Map<String, Map<String, String>> meta = metadataByPath(store, embedder, dir,
                    List.of("beach.png", "cats/tabby.png", "cats/other.png"));
            assertEquals("A beach, with waves and a \"red\" flag", meta.get("beach.png").get("caption"));
            assertEquals("sea", meta.get("beach.png").get("theme"));
            assertEquals("A tabby cat", meta.get("cats/tabby.png").get("caption"));
            assertEquals("Another cat", meta.get("cats/other.png").get("caption"));
            assertEquals("pets", meta.get("cats/other.png").get("theme"));

            List<SearchHit> cats = ImageSearch.of(embedder, store).byImage(dir.resolve("beach.png"), 10, Map.of("theme", "cats"));
            assertEquals(List.of("cats/tabby.png"), cats.stream().map(h -> h.metadata().get("relative_path")).toList());
        }
    }

    @Test
    void captionsCsvWithoutFileColumnIsAWarning() throws IOException {
        TestImages.write(dir.resolve("a.png"), 1, "png");
        Files.writeString(dir.resolve("captions.csv"), "caption,theme\nsomething,else\n");
        try (ImageFeatureEmbedder embedder = ImageFeatureEmbedder.create(); InMemoryVectorStore store = newStore()) {
            IndexSummary summary = index(embedder, store, dir, 8);
            assertEquals(1, summary.indexed());
            assertEquals(1, summary.warnings().size());
            assertTrue(summary.warnings().get(0).contains("no file column"), summary.warnings().get(0));
        }
    }

    @Test
    void searchByImageFindsTheImageItselfFirst() {
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            files.add(TestImages.write(dir.resolve("set" + (i % 3) + "/img" + i + ".png"), i, "png"));
        }
        try (ImageFeatureEmbedder embedder = ImageFeatureEmbedder.create(); InMemoryVectorStore store = newStore()) {
            index(embedder, store, dir, 5);
            ImageSearch search = ImageSearch.of(embedder, store);
            for (Path file : files) {
                List<SearchHit> hits = search.byImage(file, 3);
                assertEquals(3, hits.size());
                assertEquals(file.toAbsolutePath().normalize().toString(), hits.get(0).path());
                assertEquals(1.0, hits.get(0).score(), 1e-5);
                assertTrue(hits.get(0).score() > hits.get(1).score(), "the image itself ranks strictly first");
            }
            List<SearchHit> filtered = search.byImage(files.get(0), 10, Map.of("folder", "set1"));
            assertEquals(4, filtered.size());
            assertTrue(filtered.stream().allMatch(h -> h.metadata().get("folder").equals("set1")));
        }
    }

    @Test
    void storeOfAnotherModelIsRefusedNamingBothAndNothingIsWritten() {
        TestImages.write(dir.resolve("a.png"), 1, "png");
        try (ImageFeatureEmbedder embedder = ImageFeatureEmbedder.create();
             InMemoryVectorStore store = InMemoryVectorStore.create("clip:ViT-B-32", 512, Distance.COSINE)) {
            IndexingStoppedException e = assertThrows(IndexingStoppedException.class,
                    () -> Indexer.builder(embedder, store).quiet(true).build().index(dir));
            assertTrue(e.getMessage().contains(ImageFeatureEmbedder.MODEL_ID) && e.getMessage().contains("clip:ViT-B-32")
                    && e.getMessage().contains("512") && e.getMessage().contains(String.valueOf(ImageFeatureEmbedder.DIMENSIONS)),
                    e.getMessage());
            assertEquals(0, store.count());
            IllegalArgumentException s = assertThrows(IllegalArgumentException.class,
                    () -> ImageSearch.of(embedder, store).byImage(dir.resolve("a.png"), 3));
            assertTrue(s.getMessage().contains(ImageFeatureEmbedder.MODEL_ID) && s.getMessage().contains("clip:ViT-B-32"),
                    s.getMessage());
        }
    }

    @Test
    void textSearchWithAnImageOnlyEmbedderSaysWhatToConfigure() {
        try (ImageFeatureEmbedder embedder = ImageFeatureEmbedder.create(); InMemoryVectorStore store = newStore()) {
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                    () -> ImageSearch.of(embedder, store).byText("a cat", 3));
            assertTrue(e.getMessage().contains("VISION_KEY"), e.getMessage());
        }
    }

    @Test
    void aServiceFailureStopsTheRunAndKeepsWhatWasWritten() {
        for (int i = 0; i < 40; i++) {
            TestImages.write(dir.resolve("img" + i + ".png"), i, "png");
        }
        ImageFeatureEmbedder real = ImageFeatureEmbedder.create();
        Embedder failingAfterTwo = new CountingEmbedder(real, 0, new CallPlan(1, 4)) {
            @Override
            public visionsearch.embed.Embedding embedImage(ImageInput image) {
                if (images.incrementAndGet() <= 2) {
                    return real.embedImage(image);
                }
                throw new EmbeddingException("HTTP 401 Unauthorized: check VISION_KEY", false, null);
            }
        };
        try (InMemoryVectorStore store = newStore()) {
            IndexingStoppedException e = assertThrows(IndexingStoppedException.class,
                    () -> index(failingAfterTwo, store, dir, 1));
            assertTrue(e.getMessage().contains("HTTP 401") && e.getMessage().contains("run again")
                    && e.getMessage().contains("8 images in a row failed"), e.getMessage());
            assertTrue(e.getCause() instanceof EmbeddingException, String.valueOf(e.getCause()));
            assertEquals(2, store.count(), "the two answers that came back are written");
            assertEquals(2, e.summary().indexed(), e.summary().describe());
            assertTrue(((CountingEmbedder) failingAfterTwo).images.get() < 40,
                    "the run stopped sending images: " + ((CountingEmbedder) failingAfterTwo).images.get());
        }
    }

    @Test
    void everyImageFailingForTheServiceStopsEvenAShortRun() {
        for (int i = 0; i < 3; i++) {
            TestImages.write(dir.resolve("img" + i + ".png"), i, "png");
        }
        Embedder down = new CountingEmbedder(ImageFeatureEmbedder.create(), 0) {
            @Override
            public visionsearch.embed.Embedding embedImage(ImageInput image) {
                throw new EmbeddingException("HTTP 503 Service Unavailable; gave up after 4 attempts", true, null);
            }
        };
        try (InMemoryVectorStore store = newStore()) {
            IndexingStoppedException e = assertThrows(IndexingStoppedException.class, () -> index(down, store, dir, 4));
            assertTrue(e.getMessage().contains("every image sent to the embedder failed")
                    && e.getMessage().contains("HTTP 503"), e.getMessage());
            assertEquals(3, e.summary().failed().size(), e.summary().describe());
        }
    }

    @Test
    void aStoreWithAFileIsSavedAfterEveryBatch() {
        for (int i = 0; i < 5; i++) {
            TestImages.write(dir.resolve("images/img" + i + ".png"), i, "png");
        }
        Path file = dir.resolve("store.vec");
        List<Long> savedCounts = new ArrayList<>();
        try (ImageFeatureEmbedder embedder = ImageFeatureEmbedder.create();
             InMemoryVectorStore store = InMemoryVectorStore.open(file, embedder.modelId(), embedder.dimensions(),
                     Distance.COSINE)) {
            IndexSummary summary = Indexer.builder(embedder, store).batchSize(2).quiet(true)
                    .onBatchWritten(soFar -> {
                        try (InMemoryVectorStore saved = InMemoryVectorStore.load(file)) {
                            savedCounts.add(saved.count());
                        }
                        assertTrue(soFar.indexed() > 0);
                    })
                    .build().index(dir.resolve("images"));
            assertEquals(5, summary.indexed());
        }
        assertEquals(List.of(2L, 4L, 5L), savedCounts);
    }

    @Test
    void progressBarAndScanLineGoToTheConsoleUnlessQuiet() {
        for (int i = 0; i < 3; i++) {
            TestImages.write(dir.resolve("img" + i + ".png"), i, "png");
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try (ImageFeatureEmbedder embedder = ImageFeatureEmbedder.create(); InMemoryVectorStore store = newStore()) {
            Indexer.builder(embedder, store).batchSize(2).console(new java.io.PrintStream(out, true, StandardCharsets.UTF_8))
                    .build().index(dir);
        }
        String console = out.toString(StandardCharsets.UTF_8);
        assertTrue(console.contains("found 3 files") && console.contains("the store holds 0 images"), console);
        assertTrue(console.contains("indexing") && console.contains("3/3") && console.contains("files/s"), console);
    }

    @Test
    void aMissingFolderIsAnErrorNamingIt() {
        try (ImageFeatureEmbedder embedder = ImageFeatureEmbedder.create(); InMemoryVectorStore store = newStore()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> index(embedder, store, dir.resolve("nope"), 4));
            assertTrue(e.getMessage().contains("not a folder") && e.getMessage().contains("nope"), e.getMessage());
        }
    }

    private static VectorStore open(String kind) {
        if (kind.equals("memory")) {
            return newStore();
        }
        return visionsearch.store.PgVectorStore.builder(visionsearch.store.TestDatabase.url())
                .collection(visionsearch.store.TestDatabase.collection("indexer_sync"))
                .model(ImageFeatureEmbedder.MODEL_ID, ImageFeatureEmbedder.DIMENSIONS).build();
    }

    private static void dropIfPostgres(VectorStore store) {
        if (store instanceof visionsearch.store.PgVectorStore pg) {
            pg.drop();
        }
    }

    private static String sha(Path file) {
        return ImageInput.of(file).sha256();
    }

    private static Map<String, String> pathById(VectorStore store) {
        return store.items().stream().collect(Collectors.toMap(VectorStore.StoredItem::id, VectorStore.StoredItem::path));
    }

    private static float[] ones(int n) {
        float[] v = new float[n];
        java.util.Arrays.fill(v, 1f);
        return v;
    }

    private static String abs(Path file) {
        return file.toAbsolutePath().normalize().toString();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"memory", "postgres"})
    void theCollectionFollowsEditsMovesAndDeletionsUnderTheFolderOnly(String kind) throws IOException {
        Path images = dir.resolve("images");
        Path a = TestImages.write(images.resolve("a.png"), 1, "png");
        Path b = TestImages.write(images.resolve("b.png"), 2, "png");
        Path c = TestImages.write(images.resolve("c.png"), 3, "png");
        Path d = TestImages.write(images.resolve("sub/d.png"), 4, "png");
        Path e = TestImages.write(dir.resolve("elsewhere/e.png"), 5, "png");
        String shaE = sha(e);
        VectorStore store = open(kind);
        try (ImageFeatureEmbedder embedder = ImageFeatureEmbedder.create()) {
            assertEquals(4, index(embedder, store, images, 2).indexed());
            assertEquals(1, index(embedder, store, dir.resolve("elsewhere"), 2).indexed());
            String oldA = sha(a);
            String shaB = sha(b);
            TestImages.write(a, 11, "png");                                   // edited in place
            Path b2 = Files.move(b, images.resolve("sub/b2.png"));            // moved
            Files.delete(c);                                                  // deleted
            Files.writeString(d, "not an image any more");                    // replaced by another kind of file
            Files.delete(e);                                                  // deleted, but outside the folder indexed next
            IndexSummary summary = index(embedder, store, images, 2);
            assertEquals(4, summary.removed(), summary.describe());           // old a, b (moved), c, d
            assertEquals(2, summary.indexed(), summary.describe());           // new a, b under its new path
            assertTrue(summary.describe().contains("removed 4 records of files changed, moved or deleted"),
                    summary.describe());
            Map<String, String> paths = pathById(store);
            assertEquals(3, paths.size(), paths.toString());
            assertEquals(abs(a), paths.get(sha(a)));
            assertEquals(abs(b2), paths.get(shaB));
            assertTrue(!paths.containsKey(oldA), "the edited image's old record is gone");
            assertEquals(abs(e), paths.get(shaE), "a record outside the indexed folder is left alone");
            SearchHit top = ImageSearch.of(embedder, store).byImage(a, 1).get(0);
            assertEquals(abs(a), top.path());
            IndexSummary again = index(embedder, store, images, 2);
            assertEquals(0, again.removed(), again.describe());
            assertEquals(0, again.indexed(), again.describe());
            assertEquals(2, again.skipped(), again.describe());
        } finally {
            dropIfPostgres(store);
            store.close();
        }
    }

    @Test
    void recordsBehindABrokenLinkOrMadeByOtherCodeAreKept() throws IOException {
        Path images = dir.resolve("images");
        TestImages.write(images.resolve("a.png"), 1, "png");
        Path target = dir.resolve("mounted");
        Path f = TestImages.write(target.resolve("f.png"), 6, "png");
        Files.createSymbolicLink(images.resolve("linked"), target);
        try (ImageFeatureEmbedder embedder = ImageFeatureEmbedder.create(); InMemoryVectorStore store = newStore()) {
            assertEquals(2, index(embedder, store, images, 2).indexed());
            // Someone else's record under the folder, with an id that is not the content hash.
            store.upsert(new visionsearch.store.VectorRecord("my-own-id", abs(images.resolve("gone.png")), Map.of(),
                    "abc", ones(ImageFeatureEmbedder.DIMENSIONS)));
            String shaF = sha(f);
            Files.delete(f);
            Files.delete(target); // the link now points nowhere, as when a drive is not mounted
            IndexSummary summary = index(embedder, store, images, 2);
            assertEquals(0, summary.removed(), summary.describe());
            assertEquals(Set.of(sha(images.resolve("a.png")), shaF, "my-own-id"), pathById(store).keySet());
        }
    }
}
