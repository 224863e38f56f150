package visionsearch.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import visionsearch.index.Captions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import visionsearch.embed.Embedding;
import visionsearch.embed.features.ImageFeatureEmbedder;
import visionsearch.embed.ImageInput;
import visionsearch.samples.SampleScenes;

class SampleCollectionTest {
    static final Path IMAGES = Path.of("images");
    static final Path QUERIES = Path.of("images-queries");

    @Test
    void generatorIsDeterministic() {
        for (SampleScenes.Theme theme : new SampleScenes.Theme[] {SampleScenes.Theme.BEACH, SampleScenes.Theme.CITY}) {
            SampleScenes.Scene a = SampleScenes.scene(SampleScenes.DEFAULT_SEED, theme, 3, "a.png");
            SampleScenes.Scene b = SampleScenes.scene(SampleScenes.DEFAULT_SEED, theme, 3, "a.png");
            assertArrayEquals(a.png(), b.png(), theme + ": same seed must give the same bytes");
            assertEquals(a.caption(), b.caption());
            SampleScenes.Scene other = SampleScenes.scene(SampleScenes.DEFAULT_SEED + 1, theme, 3, "a.png");
            assertFalse(ImageInput.sha256Hex(a.png()).equals(ImageInput.sha256Hex(other.png())),
                    theme + ": another seed must give another image");
        }
    }

    @Test
    void commandWritesCollectionCaptionsLicenceAndQueries(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("images");
        Path queries = dir.resolve("queries");
        int status = Main.run("samples", "--out", out.toString(), "--queries-out", queries.toString(),
                "--per-theme", "2", "--queries-per-theme", "1");
        assertEquals(0, status);
        assertEquals(12, pngs(out).size());
        assertEquals(6, pngs(queries).size());
        List<String> captions = Files.readAllLines(out.resolve("captions.csv"));
        assertEquals("file,caption,theme", captions.get(0));
        assertEquals(13, captions.size());
        assertTrue(Files.readString(out.resolve("LICENSE")).contains("CC0"));
        assertTrue(Files.exists(queries.resolve("queries.csv")));
        // Same seed, same files as a second run.
        Path again = dir.resolve("again");
        Main.run("samples", "--out", again.toString(), "--queries-out", dir.resolve("q2").toString(),
                "--per-theme", "2", "--queries-per-theme", "1");
        assertArrayEquals(Files.readAllBytes(out.resolve("forest-02.png")), Files.readAllBytes(again.resolve("forest-02.png")));
    }

    @Test
    void committedCollectionIsCompleteAndCaptioned() throws IOException {
        Map<String, String> themes = Captions.themes(IMAGES.resolve("captions.csv"));
        Set<String> files = pngs(IMAGES).stream().map(p -> p.getFileName().toString()).collect(Collectors.toSet());
        assertTrue(files.size() >= 100, "at least 100 images, found " + files.size());
        assertEquals(files, themes.keySet(), "captions.csv must list exactly the PNGs in images/");
        assertEquals(6, new HashSet<>(themes.values()).size());
        assertTrue(Files.readString(IMAGES.resolve("LICENSE")).contains("CC0"));
        Map<String, String> queryThemes = Captions.themes(QUERIES.resolve("queries.csv"));
        assertEquals(pngs(QUERIES).size(), queryThemes.size());
        for (String q : queryThemes.keySet()) {
            assertFalse(files.contains(q), q + " must not be in the collection");
        }
        long bytes = 0;
        for (Path p : pngs(IMAGES)) {
            bytes += Files.size(p);
        }
        assertTrue(bytes < 5_000_000, "the collection should stay a few MB, is " + bytes + " bytes");
    }

    @Test
    void committedCollectionIsTheGeneratorsOutput() throws IOException {
        // Captions come from the seeded RNG alone, so they must match exactly on any JVM.
        List<SampleScenes.Scene> scenes = SampleScenes.collection(SampleScenes.DEFAULT_SEED, 18);
        List<String> committed = Files.readAllLines(IMAGES.resolve("captions.csv"));
        assertEquals(scenes.size() + 1, committed.size());
        for (int i = 0; i < scenes.size(); i++) {
            SampleScenes.Scene s = scenes.get(i);
            assertEquals(s.file() + ",\"" + s.caption() + "\"," + s.theme().label(), committed.get(i + 1));
        }
        List<SampleScenes.Scene> queries = SampleScenes.queries(SampleScenes.DEFAULT_SEED, 2);
        assertEquals(queries.size() + 1, Files.readAllLines(QUERIES.resolve("queries.csv")).size());
        // Pixels go through Java2D's antialiasing, which may differ a little between JDKs: compare within a tolerance.
        for (int i = 0; i < scenes.size(); i += 18) {
            SampleScenes.Scene s = scenes.get(i);
            java.awt.image.BufferedImage file = javax.imageio.ImageIO.read(IMAGES.resolve(s.file()).toFile());
            double diff = 0;
            for (int y = 0; y < SampleScenes.HEIGHT; y++) {
                for (int x = 0; x < SampleScenes.WIDTH; x++) {
                    int a = file.getRGB(x, y);
                    int b = s.image().getRGB(x, y);
                    for (int shift = 0; shift < 24; shift += 8) {
                        diff += Math.abs((a >> shift & 0xFF) - (b >> shift & 0xFF));
                    }
                }
            }
            double mean = diff / (3.0 * SampleScenes.WIDTH * SampleScenes.HEIGHT);
            assertTrue(mean < 2.0, s.file() + " differs from the generator's by " + mean
                    + " per channel on average: run `vision-search samples` and commit images/ again");
        }
    }

    @Test
    void imageFeaturesFindTheQueryThemeInTheTopFive() throws IOException {
        Map<String, String> themes = Captions.themes(IMAGES.resolve("captions.csv"));
        Map<String, String> queryThemes = Captions.themes(QUERIES.resolve("queries.csv"));
        try (ImageFeatureEmbedder embedder = ImageFeatureEmbedder.create()) {
            Map<String, Embedding> index = new LinkedHashMap<>();
            for (String file : themes.keySet()) {
                index.put(file, embedder.embedImage(IMAGES.resolve(file)));
            }
            int hits = 0;
            int total = 0;
            List<String> worst = new ArrayList<>();
            for (Map.Entry<String, String> query : queryThemes.entrySet()) {
                Embedding q = embedder.embedImage(QUERIES.resolve(query.getKey()));
                List<String> top = index.entrySet().stream()
                        .sorted(Comparator.comparingDouble((Map.Entry<String, Embedding> e) -> -q.cosine(e.getValue())))
                        .limit(5).map(Map.Entry::getKey).toList();
                long right = top.stream().filter(f -> themes.get(f).equals(query.getValue())).count();
                hits += right;
                total += 5;
                if (right < 5) {
                    worst.add(query.getKey() + " -> " + top);
                }
            }
            double precision = (double) hits / total;
            System.out.printf("image features: precision@5 over %d queries = %.3f; misses: %s%n",
                    queryThemes.size(), precision, worst);
            assertTrue(precision >= 0.9, "precision@5 " + precision + "; misses: " + worst);
        }
    }

    static List<Path> pngs(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.toString().endsWith(".png")).sorted().toList();
        }
    }
}
