package visionsearch.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import visionsearch.embed.features.ImageFeatureEmbedder;
import visionsearch.embed.ImageInput;
import visionsearch.store.PgVectorStore;
import visionsearch.store.TestDatabase;
import visionsearch.store.VectorStore;

/**
 * Kills the indexer (a child JVM, {@code destroyForcibly}, i.e. SIGKILL) in the middle of a run,
 * twice, then lets a third run finish, and checks the store holds exactly one record per distinct
 * image; and, with the embedding cache in front, that the reruns pay again only for the calls that
 * were in flight at each kill.
 */
class KillAndResumeTest {
    private static final int DISTINCT = 60;
    private static final int COPIES = 4;
    private static final int BATCH = 4;

    @TempDir
    Path dir;

    @Test
    void inMemoryStoreWithAFile() throws Exception {
        killAndResume(dir.resolve("store/images.vec").toString());
    }

    @Test
    void postgresql() throws Exception {
        TestDatabase.url();
        String collection = TestDatabase.collection("kill_resume");
        try {
            killAndResume("pg:" + collection);
        } finally {
            try (PgVectorStore store = (PgVectorStore) IndexingChild.openStore("pg:" + collection,
                    ImageFeatureEmbedder.MODEL_ID, ImageFeatureEmbedder.DIMENSIONS)) {
                store.drop();
            }
        }
    }

    /**
     * The store is written only at the end (groups of 1,000), so after each kill only the embedding
     * cache remembers: the rerun must pay again for at most the calls that were in flight (4).
     */
    @Test
    void theCacheKeepsEveryAnswerAcrossKills() throws Exception {
        Path images = dir.resolve("images");
        Set<String> expected = new HashSet<>();
        for (int i = 0; i < DISTINCT; i++) {
            expected.add(ImageInput.of(TestImages.write(images.resolve("img" + i + ".png"), i, "png")).sha256());
        }
        String storeSpec = dir.resolve("store/images.vec").toString();
        Files.createDirectories(dir.resolve("store"));
        Path cache = dir.resolve("embeddings.cache");
        Path answers = dir.resolve("answers");
        java.util.Random random = new java.util.Random();
        for (int run = 1; run <= 2; run++) {
            long before = Files.exists(answers) ? Files.readAllLines(answers).size() : 0;
            Process child = start(images, storeSpec, 1000, 40, dir.resolve("signal" + run), cache, answers);
            long target = before + 8 + random.nextInt(12);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while ((!Files.exists(answers) || Files.readAllLines(answers).size() < target) && child.isAlive()) {
                assertTrue(System.nanoTime() < deadline, "answers within 90 s");
                Thread.sleep(2);
            }
            child.destroyForcibly();
            assertTrue(child.waitFor(30, TimeUnit.SECONDS), "the killed child exits");
            assertEquals(0, count(storeSpec), "nothing reached the store: only the cache can keep the answers");
        }
        Process last = start(images, storeSpec, 1000, 0, dir.resolve("signal3"), cache, answers);
        assertTrue(last.waitFor(120, TimeUnit.SECONDS), "the last run finishes");
        assertEquals(0, last.exitValue(), Files.readString(dir.resolve("signal3.log"), StandardCharsets.UTF_8));

        java.util.Map<String, Long> paid = new java.util.HashMap<>();
        for (String line : Files.readAllLines(answers)) {
            paid.merge(line.substring("answer ".length()), 1L, Long::sum);
        }
        assertEquals(expected, paid.keySet(), "every image was answered");
        long twice = paid.values().stream().mapToLong(n -> n - 1).sum();
        assertTrue(twice <= 2 * 4, "paid twice: " + twice + " (at most the 4 calls in flight at each of 2 kills)");
        try (VectorStore store = IndexingChild.openStore(storeSpec, ImageFeatureEmbedder.MODEL_ID,
                ImageFeatureEmbedder.DIMENSIONS)) {
            assertEquals(expected, store.contentHashes(), "exactly one record per image");
            assertEquals(DISTINCT, store.count());
        }
    }

    private void killAndResume(String storeSpec) throws Exception {
        Path images = dir.resolve("images");
        Set<String> expected = new HashSet<>();
        for (int i = 0; i < DISTINCT; i++) {
            Path file = TestImages.write(images.resolve("part" + (i % 3) + "/img" + i + ".png"), i, "png");
            expected.add(ImageInput.of(file).sha256());
        }
        for (int i = 0; i < COPIES; i++) {
            Files.copy(images.resolve("part0/img" + (3 * i) + ".png"), images.resolve("copy" + i + ".png"));
        }
        Files.createDirectories(dir.resolve("store"));

        // Run 1 and 2: killed after at least 2 batches of the run were written, while more were still to come.
        long before = 0;
        for (int run = 1; run <= 2; run++) {
            Path signal = dir.resolve("signal" + run);
            Process child = start(images, storeSpec, 60, signal);
            waitForLines(child, signal, 2);
            child.destroyForcibly();
            assertTrue(child.waitFor(30, TimeUnit.SECONDS), "the killed child exits");
            List<String> lines = Files.readAllLines(signal);
            assertFalse(lines.stream().anyMatch(l -> l.startsWith("done")), "run " + run + " was killed before the end: " + lines);
            long count = count(storeSpec);
            assertTrue(count > before && count < DISTINCT, "run " + run + " stored part of the images: " + count);
            before = count;
        }

        // Run 3: not slowed, runs to the end.
        Path signal = dir.resolve("signal3");
        Process child = start(images, storeSpec, 0, signal);
        assertTrue(child.waitFor(120, TimeUnit.SECONDS), "the last run finishes");
        assertEquals(0, child.exitValue(), Files.readString(dir.resolve("signal3.log"), StandardCharsets.UTF_8));
        List<String> lines = Files.readAllLines(signal);
        String[] done = lines.get(lines.size() - 1).split(" ");
        assertEquals("done", done[0], lines.toString());
        assertEquals(DISTINCT - before, Long.parseLong(done[1]), "the last run indexes only what was missing: " + lines);
        assertEquals(DISTINCT + COPIES, Long.parseLong(done[1]) + Long.parseLong(done[2]) + Long.parseLong(done[3]),
                "indexed + skipped + duplicates covers every image file: " + lines);

        try (VectorStore store = IndexingChild.openStore(storeSpec, ImageFeatureEmbedder.MODEL_ID,
                ImageFeatureEmbedder.DIMENSIONS)) {
            assertEquals(DISTINCT, store.count(), "exactly one record per distinct image");
            assertEquals(expected, store.contentHashes(), "every image's content hash, each once");
        }
    }

    private Process start(Path images, String storeSpec, long sleepMillis, Path signal) throws IOException {
        return start(images, storeSpec, BATCH, sleepMillis, signal, null, null);
    }

    private Process start(Path images, String storeSpec, int batch, long sleepMillis, Path signal, Path cache,
                          Path answers) throws IOException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        java.util.List<String> command = new java.util.ArrayList<>(List.of(java.toString(), "-Djava.awt.headless=true",
                "-Xmx512m", "-cp", System.getProperty("java.class.path"), IndexingChild.class.getName(),
                images.toString(), storeSpec, String.valueOf(batch), String.valueOf(sleepMillis), signal.toString()));
        if (cache != null) {
            command.addAll(List.of(cache.toString(), answers.toString()));
        }
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.redirectErrorStream(true);
        pb.redirectOutput(dir.resolve(signal.getFileName() + ".log").toFile());
        return pb.start();
    }

    private void waitForLines(Process child, Path signal, int lines) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline) {
            if (Files.exists(signal) && Files.readAllLines(signal).size() >= lines) {
                return;
            }
            if (!child.isAlive()) {
                throw new AssertionError("the child ended before " + lines + " batches (exit " + child.exitValue()
                        + "): " + Files.readString(dir.resolve(signal.getFileName() + ".log")));
            }
            Thread.sleep(5);
        }
        child.destroyForcibly();
        throw new AssertionError("no " + lines + " batches written within 90 s");
    }

    private static long count(String storeSpec) {
        try (VectorStore store = IndexingChild.openStore(storeSpec, ImageFeatureEmbedder.MODEL_ID,
                ImageFeatureEmbedder.DIMENSIONS)) {
            return store.count();
        }
    }
}
