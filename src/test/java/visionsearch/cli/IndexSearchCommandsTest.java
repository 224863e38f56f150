package visionsearch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import visionsearch.embed.features.ImageFeatureEmbedder;
import visionsearch.store.CitusStandIn;
import visionsearch.store.PgVectorStore;
import visionsearch.store.VectorStores;
import visionsearch.store.TestDatabase;
import visionsearch.embed.azure.AzureVisionEmulator;

/**
 * {@code vision-search index} and {@code search} end to end, each in its own JVM with a controlled
 * environment (the image-features embedder, no key), in a temporary working directory.
 */
class IndexSearchCommandsTest {

    @TempDir
    Path work;

    record Result(int exit, String out) {
    }

    @BeforeEach
    void images() throws IOException {
        for (int i = 0; i < 9; i++) {
            BufferedImage image = new BufferedImage(40, 30, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = image.createGraphics();
            g.setColor(Color.getHSBColor(i / 9f, 0.8f, 0.9f));
            g.fillRect(0, 0, 40, 30);
            g.setColor(Color.getHSBColor((i * 0.37f) % 1f, 0.5f, 0.4f));
            g.fillRect(i * 3, i * 2, 12, 10);
            g.dispose();
            Path file = work.resolve("pics/" + (i < 3 ? "" : "more/") + "p" + i + ".png");
            Files.createDirectories(file.getParent());
            ImageIO.write(image, "png", file.toFile());
        }
        Files.writeString(work.resolve("pics/captions.csv"), "file,caption,theme\np0.png,\"red, mostly\",warm\n"
                + "more/p4.png,a green one,cool\n");
        Files.writeString(work.resolve("pics/notes.txt"), "not an image");
    }

    private Result run(Map<String, String> env, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.awt.headless=true", "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                Main.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(work.toFile()).redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("VISION_") || k.startsWith("CLIP_") || k.equals("DATABASE_URL"));
        pb.environment().put("VISION_EMBEDDER", "features");
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), out);
        return new Result(p.exitValue(), out);
    }

    /** Returns the data rows of the results table (after the header line starting with "rank"). */
    private static List<String[]> rows(String out) {
        List<String[]> rows = new ArrayList<>();
        boolean table = false;
        for (String line : out.split("\\R")) {
            if (line.trim().startsWith("rank")) {
                table = true;
            } else if (table && !line.isBlank()) {
                rows.add(line.trim().split("\\s{2,}"));
            }
        }
        return rows;
    }

    @Test
    void indexThenSearchByImageWithTheDefaultStoreFile() throws Exception {
        Result first = run(Map.of(), "index", "pics", "--batch", "4");
        assertEquals(0, first.exit(), first.out());
        assertTrue(first.out().contains("indexed 9, skipped 0"), first.out());
        assertTrue(first.out().contains("non-image files ignored 1"), first.out());
        assertTrue(Files.isRegularFile(work.resolve(".vision-search/images.features_grid-hist-v1.vec")), first.out());

        Result again = run(Map.of(), "index", "pics", "--quiet");
        assertEquals(0, again.exit(), again.out());
        assertTrue(again.out().contains("indexed 0, skipped 9"), again.out());

        Result search = run(Map.of(), "search", "--image", "pics/p0.png", "--k", "3");
        assertEquals(0, search.exit(), search.out());
        List<String[]> rows = rows(search.out());
        assertEquals(3, rows.size(), search.out());
        assertEquals(List.of("1", "1.0000", "pics/p0.png", "red, mostly"), List.of(rows.get(0)), search.out());

        Result filtered = run(Map.of(), "search", "--image", "pics/p0.png", "--filter", "theme=cool");
        assertEquals(0, filtered.exit(), filtered.out());
        rows = rows(filtered.out());
        assertEquals(1, rows.size(), filtered.out());
        assertEquals("pics/more/p4.png", rows.get(0)[2]);
        assertEquals("a green one", rows.get(0)[3]);
    }

    @Test
    void azureVectorsAreCachedSoAnotherStoreCostsNoCalls() throws Exception {
        try (ImageFeatureEmbedder local = ImageFeatureEmbedder.create();
             AzureVisionEmulator azure = AzureVisionEmulator.start(local)) {
            Map<String, String> env = Map.of("VISION_EMBEDDER", "azure", "VISION_ENDPOINT", azure.endpoint(),
                    "VISION_KEY", "test-key");
            Result first = run(env, "index", "pics", "--store", "first.vec", "-q");
            assertEquals(0, first.exit(), first.out());
            assertTrue(first.out().contains("indexed 9") && first.out().contains("0 images answered from")
                    && first.out().contains("9 sent to Azure"), first.out());
            long calls = azure.served();
            assertEquals(9, calls, "one call per image: " + calls);

            Result second = run(env, "index", "pics", "--store", "second.vec", "-q");
            assertEquals(0, second.exit(), second.out());
            // The model the endpoint answered with last time is remembered: every image comes from the cache.
            assertTrue(second.out().contains("indexed 9") && second.out().contains("9 images answered from")
                    && second.out().contains("0 sent to Azure"), second.out());
            assertEquals(0, azure.served() - calls, "no call the second time");

            Result uncached = run(env, "index", "pics", "--store", "third.vec", "-q", "--no-cache");
            assertEquals(0, uncached.exit(), uncached.out());
            assertTrue(!uncached.out().contains("answered from"), uncached.out());
            assertTrue(azure.served() - calls >= 9, "--no-cache calls Azure again");
        }
    }

    /** Requests the emulator received (one log line each, whatever the answer). */
    private static long requests(java.io.ByteArrayOutputStream log) {
        return log.toString(StandardCharsets.UTF_8).lines().count();
    }

    @Test
    void noCallOnARerunNorForSearchingByAStoredOrCachedImage() throws Exception {
        java.io.ByteArrayOutputStream log = new java.io.ByteArrayOutputStream();
        try (ImageFeatureEmbedder local = ImageFeatureEmbedder.create();
             AzureVisionEmulator azure = AzureVisionEmulator.start(local, "127.0.0.1", 0, "test-key", 0,
                     new java.io.PrintStream(log, true, StandardCharsets.UTF_8))) {
            Map<String, String> env = Map.of("VISION_EMBEDDER", "azure", "VISION_ENDPOINT", azure.endpoint(),
                    "VISION_KEY", "test-key");
            Result first = run(env, "index", "pics", "-q");
            assertEquals(0, first.exit(), first.out());
            assertTrue(first.out().contains("indexed 9"), first.out());
            assertTrue(Files.isRegularFile(work.resolve(".vision-search/images.features_grid-hist-v1.vec")),
                    "the store is named after the model the endpoint answered with: " + first.out());
            long before = requests(log);

            Result again = run(env, "index", "pics", "-q");
            assertEquals(0, again.exit(), again.out());
            assertTrue(again.out().contains("indexed 0, skipped 9"), again.out());
            assertEquals(0, requests(log) - before, "a rerun over a stored folder makes no call: " + log);

            Result search = run(env, "search", "--image", "pics/p0.png", "--k", "3");
            assertEquals(0, search.exit(), search.out());
            assertEquals(List.of("1", "1.0000", "pics/p0.png", "red, mostly"), List.of(rows(search.out()).get(0)),
                    search.out());
            Files.copy(work.resolve("pics/more/p5.png"), work.resolve("same-bytes.png"));
            Result copy = run(env, "search", "--image", "same-bytes.png", "--k", "1");
            assertEquals(0, copy.exit(), copy.out());
            assertEquals("pics/more/p5.png", rows(copy.out()).get(0)[2], copy.out());
            assertEquals(0, requests(log) - before, "searching by a stored or cached image makes no call: " + log);

            BufferedImage other = new BufferedImage(30, 30, BufferedImage.TYPE_INT_RGB);
            ImageIO.write(other, "png", work.resolve("new.png").toFile());
            Result fresh = run(env, "search", "--image", "new.png", "--k", "1");
            assertEquals(0, fresh.exit(), fresh.out());
            assertEquals(1, requests(log) - before, "an image never seen costs one call: " + log);
        }
    }

    @Test
    void withPostgresqlAndNoCacheTheStoredVectorAnswersTheSearch() throws Exception {
        String url = TestDatabase.url();
        String collection = TestDatabase.collection("cli_nocall");
        java.io.ByteArrayOutputStream log = new java.io.ByteArrayOutputStream();
        try (ImageFeatureEmbedder local = ImageFeatureEmbedder.create();
             AzureVisionEmulator azure = AzureVisionEmulator.start(local, "127.0.0.1", 0, null, 0,
                     new java.io.PrintStream(log, true, StandardCharsets.UTF_8))) {
            Map<String, String> env = Map.of("VISION_EMBEDDER", "azure", "VISION_ENDPOINT", azure.endpoint(),
                    "VISION_KEY", "test-key", "DATABASE_URL", url);
            Result first = run(env, "index", "pics", "-q", "--no-cache", "--collection", collection);
            assertEquals(0, first.exit(), first.out());
            assertTrue(first.out().contains("indexed 9"), first.out());
            assertTrue(!Files.exists(work.resolve(".vision-search/embeddings.cache")), "--no-cache keeps no cache");
            long before = requests(log);
            Result again = run(env, "index", "pics", "-q", "--no-cache", "--collection", collection);
            assertTrue(again.out().contains("indexed 0, skipped 9"), again.out());
            Result search = run(env, "search", "--image", "pics/more/p5.png", "--k", "2", "--collection", collection);
            assertEquals(0, search.exit(), search.out());
            assertEquals("pics/more/p5.png", rows(search.out()).get(0)[2], search.out());
            assertEquals("1.0000", rows(search.out()).get(0)[1], search.out());
            assertEquals(0, requests(log) - before, "no call for a rerun nor for the stored image: " + log);
        } finally {
            try (PgVectorStore store = PgVectorStore.builder(url).collection(collection)
                    .model(ImageFeatureEmbedder.MODEL_ID, ImageFeatureEmbedder.DIMENSIONS).build()) {
                store.drop();
            }
        }
    }

    @Test
    void stoppingTheProcessWritesWhatArrivedAndARerunContinues() throws Exception {
        for (int i = 0; i < 120; i++) {
            BufferedImage image = new BufferedImage(24, 24, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = image.createGraphics();
            g.setColor(new Color(i * 2, 255 - i * 2, (i * 37) % 256));
            g.fillRect(0, 0, 24, 24);
            g.setColor(Color.getHSBColor(i / 120f, 1f, 1f));
            g.fillRect(i % 20, i / 20, 4, 4);
            g.dispose();
            Files.createDirectories(work.resolve("many"));
            ImageIO.write(image, "png", work.resolve("many/m" + i + ".png").toFile());
        }
        try (ImageFeatureEmbedder local = ImageFeatureEmbedder.create();
             AzureVisionEmulator azure = AzureVisionEmulator.start(local)) {
            // Paced at 10 calls/s by the client: about 12 s of work, stopped after 2.
            Map<String, String> env = Map.of("VISION_EMBEDDER", "azure", "VISION_ENDPOINT", azure.endpoint(),
                    "VISION_KEY", "test-key", "VISION_TIER", "10");
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                    .toString(), "-Djava.awt.headless=true", "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                    Main.class.getName(), "index", "many", "-q"));
            ProcessBuilder pb = new ProcessBuilder(command).directory(work.toFile()).redirectErrorStream(true)
                    .redirectOutput(work.resolve("stopped.log").toFile());
            pb.environment().keySet().removeIf(k -> k.startsWith("VISION_") || k.startsWith("CLIP_") || k.equals("DATABASE_URL"));
            pb.environment().putAll(env);
            Process p = pb.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (azure.served() < 20) {
                assertTrue(System.nanoTime() < deadline && p.isAlive(), Files.readString(work.resolve("stopped.log")));
                Thread.sleep(10);
            }
            p.destroy(); // SIGTERM, as Ctrl-C: the shutdown hook cancels the run
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            String out = Files.readString(work.resolve("stopped.log"));
            assertTrue(out.contains("indexing cancelled") && out.contains("run again to continue"), out);
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("indexed (\\d+), skipped 0").matcher(out);
            assertTrue(m.find(), out);
            int written = Integer.parseInt(m.group(1));
            assertTrue(written >= 20 && written < 120, out);
            long stored;
            try (visionsearch.store.InMemoryVectorStore store = visionsearch.store.InMemoryVectorStore.load(
                    work.resolve(".vision-search/images.features_grid-hist-v1.vec"))) {
                stored = store.count();
            }
            assertEquals(written, stored, "what the summary says was written is in the store file: " + out);
            assertTrue(azure.served() - written <= 16 + 1, "at most the calls in flight (and main's probe) were not"
                    + " written to the store: " + azure.served() + " answers, " + written + " written");

            Result rest = run(Map.of("VISION_EMBEDDER", "azure", "VISION_ENDPOINT", azure.endpoint(),
                    "VISION_KEY", "test-key"), "index", "many", "-q");
            assertEquals(0, rest.exit(), rest.out());
            assertTrue(rest.out().contains("indexed " + (120 - written) + ", skipped " + written), rest.out());
        }
    }

    @Test
    void errorsSayWhatToDo() throws Exception {
        Result empty = run(Map.of(), "search", "--image", "pics/p0.png");
        assertEquals(1, empty.exit(), empty.out());
        assertTrue(empty.out().contains("run `vision-search index <folder>` first"), empty.out());

        assertEquals(0, run(Map.of(), "index", "pics", "-q").exit());
        Result text = run(Map.of(), "search", "--text", "a red square");
        assertEquals(1, text.exit(), text.out());
        assertTrue(text.out().contains("cannot embed text") && text.out().contains("--image"), text.out());

        Result badFilter = run(Map.of(), "search", "--image", "pics/p0.png", "--filter", "theme");
        assertEquals(1, badFilter.exit(), badFilter.out());
        assertTrue(badFilter.out().contains("KEY=VALUE"), badFilter.out());

        Result badCollection = run(Map.of(), "index", "pics", "--collection", "Robert'); DROP TABLE x;--");
        assertEquals(1, badCollection.exit(), badCollection.out());
        assertTrue(badCollection.out().contains("is not valid"), badCollection.out());

        Result noFolder = run(Map.of(), "index", "missing");
        assertEquals(1, noFolder.exit(), noFolder.out());
        assertTrue(noFolder.out().contains("not a folder"), noFolder.out());
    }

    @Test
    void postgresqlWhenDatabaseUrlIsSet() throws Exception {
        String url = TestDatabase.url();
        String collection = TestDatabase.collection("cli");
        Map<String, String> env = Map.of("DATABASE_URL", url);
        try {
            Result missing = run(env, "search", "--image", "pics/p0.png", "--collection", collection);
            assertEquals(1, missing.exit(), missing.out());
            assertTrue(missing.out().contains("is not in PostgreSQL") && missing.out().contains("vision-search index"),
                    missing.out());
            assertTrue(VectorStores.collectionModel(url, collection).isEmpty(), "searching created nothing");

            Result index = run(env, "index", "pics", "--collection", collection, "--batch", "4");
            assertEquals(0, index.exit(), index.out());
            assertTrue(index.out().contains("PostgreSQL") && index.out().contains("indexed 9"), index.out());
            assertTrue(!Files.exists(work.resolve(".vision-search")), "no store file when DATABASE_URL is set");

            Result search = run(env, "search", "--image", "pics/more/p5.png", "--k", "2", "--collection", collection);
            assertEquals(0, search.exit(), search.out());
            List<String[]> rows = rows(search.out());
            assertEquals(2, rows.size(), search.out());
            assertEquals("pics/more/p5.png", rows.get(0)[2], search.out());
            assertEquals("1.0000", rows.get(0)[1], search.out());
        } finally {
            try (PgVectorStore store = PgVectorStore.builder(url).collection(collection)
                    .model(ImageFeatureEmbedder.MODEL_ID, ImageFeatureEmbedder.DIMENSIONS).build()) {
                store.drop();
            }
        }
    }

    @Test
    void collectionsListsTheStoreFiles() throws Exception {
        Result none = run(Map.of(), "collections");
        assertEquals(0, none.exit(), none.out());
        assertTrue(none.out().contains("no collections") && none.out().contains("vision-search index"), none.out());
        assertEquals(0, run(Map.of(), "index", "pics", "-q").exit());
        Result listed = run(Map.of(), "collections");
        assertEquals(0, listed.exit(), listed.out());
        String line = listed.out().lines().filter(l -> l.startsWith("images ")).findFirst().orElse("");
        assertTrue(line.matches("images\\s+" + ImageFeatureEmbedder.MODEL_ID + "\\s+" + ImageFeatureEmbedder.DIMENSIONS
                + "\\s+9\\s+exact \\(in memory\\)\\s+\\d.*"), listed.out());
    }

    /** The CLI on a server with Citus (the stand-in): distributed by default, --local and --shards, and the listing. */
    @Test
    void onCitusTheCliDistributesByDefaultAndListsShardsAndRowsPerWorker() throws Exception {
        try (CitusStandIn citus = CitusStandIn.create()) {
            Map<String, String> env = Map.of("DATABASE_URL", citus.url());
            Result index = run(env, "index", "pics", "-q");
            assertEquals(0, index.exit(), index.out());
            assertTrue(index.out().contains("collection images, distributed by Citus in 2 shards"), index.out());
            Result local = run(env, "index", "pics", "-q", "--collection", "kept_local", "--local");
            assertEquals(0, local.exit(), local.out());
            assertTrue(local.out().contains("collection kept_local (") , local.out());
            Result three = run(env, "index", "pics", "-q", "--collection", "three", "--shards", "3");
            assertEquals(0, three.exit(), three.out());
            assertTrue(three.out().contains("distributed by Citus in 3 shards"), three.out());

            Result listed = run(env, "collections");
            assertEquals(0, listed.exit(), listed.out());
            String images = listed.out().lines().filter(l -> l.startsWith("images ")).findFirst().orElse("");
            assertTrue(images.contains(" 9 ") && images.contains("hnsw (m=16, ef_construction=64)")
                    && images.contains("distributed, 2 shards"), listed.out());
            java.util.regex.Matcher perNode = java.util.regex.Pattern
                    .compile("worker-1:5432 (\\d+), worker-2:5432 (\\d+)").matcher(images);
            assertTrue(perNode.find(), listed.out());
            assertEquals(9, Integer.parseInt(perNode.group(1)) + Integer.parseInt(perNode.group(2)), listed.out());
            String keptLocal = listed.out().lines().filter(l -> l.startsWith("kept_local ")).findFirst().orElse("");
            assertTrue(keptLocal.contains(" local ") && keptLocal.endsWith("-"), listed.out());
            assertTrue(listed.out().lines().anyMatch(l -> l.startsWith("three ") && l.contains("distributed, 3 shards")),
                    listed.out());

            Result tooMany = run(env, "index", "pics", "--shards", "70000");
            assertEquals(1, tooMany.exit(), tooMany.out());
            assertTrue(tooMany.out().contains("--shards must be 1..64000"), tooMany.out());
        }
    }
}
