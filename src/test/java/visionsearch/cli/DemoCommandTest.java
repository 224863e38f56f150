package visionsearch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import visionsearch.embed.features.ImageFeatureEmbedder;
import visionsearch.embed.Settings;
import visionsearch.embed.azure.AzureVisionEmulator;

/** Runs {@code vision-search demo} in-process on a copy of part of the sample collection. */
class DemoCommandTest {
    static final Pattern IMAGE_ROW = Pattern.compile("^\\s+(query-\\S+\\.png)\\s+(\\w+)\\s+(\\d+)/(\\d+)\\s+(.*)$");

    @TempDir
    static Path dir;
    static Path images;
    static Path queries;

    /** Copies 5 images per theme (with their captions) and all query images. */
    @BeforeAll
    static void copySubset() throws IOException {
        images = Files.createDirectories(dir.resolve("images"));
        queries = Files.createDirectories(dir.resolve("queries"));
        List<String> captions = Files.readAllLines(Path.of("images", "captions.csv"));
        List<String> kept = new ArrayList<>(List.of(captions.get(0)));
        for (String line : captions.subList(1, captions.size())) {
            String file = line.substring(0, line.indexOf(','));
            if (file.matches(".*-0[1-5]\\.png")) {
                Files.copy(Path.of("images", file), images.resolve(file));
                kept.add(line);
            }
        }
        Files.write(images.resolve("captions.csv"), kept);
        try (var files = Files.list(Path.of("images-queries"))) {
            for (Path p : files.toList()) {
                Files.copy(p, queries.resolve(p.getFileName()));
            }
        }
    }

    static String[] run(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        ByteArrayOutputStream capturedErr = new ByteArrayOutputStream();
        try (PrintStream p = new PrintStream(captured, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(capturedErr, true, StandardCharsets.UTF_8)) {
            System.setOut(p);
            System.setErr(e);
            int status = Main.run(args);
            return new String[] {String.valueOf(status), captured.toString(StandardCharsets.UTF_8),
                capturedErr.toString(StandardCharsets.UTF_8)};
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    @Test
    void demoWithImageFeaturesIndexesSearchesAndWritesTheReport() throws IOException {
        Path report = dir.resolve("report-features");
        String[] result = run("demo", "--embedder", "features", "--images", images.toString(), "--queries",
                queries.toString(), "--report", report.toString(), "--quiet");
        String out = result[1];
        assertEquals("0", result[0], out + result[2]);
        assertTrue(out.contains("embedder: features:grid-hist-v1"), out);
        assertTrue(out.contains("VISION_EMBEDDER=features"), "says why: " + out);
        assertTrue(out.contains("indexed 30"), out);
        assertTrue(out.contains("text-to-image: skipped"), out);
        int rows = 0;
        int right = 0;
        int total = 0;
        for (String line : out.split("\\R")) {
            Matcher m = IMAGE_ROW.matcher(line);
            if (m.matches()) {
                rows++;
                right += Integer.parseInt(m.group(3));
                total += Integer.parseInt(m.group(4));
                assertTrue(m.group(5).contains(m.group(2) + "-"), "the best hits name the query's theme: " + line);
            }
        }
        assertEquals(12, rows, "one row per query image:\n" + out);
        assertTrue(right >= 0.9 * total, right + "/" + total + " hits of the right theme:\n" + out);
        assertTrue(out.contains("precision@5"), out);

        String html = Files.readString(report.resolve("index.html"));
        assertTrue(html.startsWith("<!DOCTYPE html>") && html.contains("query-beach-1.png") && html.contains("<img"), "report page");
        assertPng(report.resolve("map.png"), 400);
        assertPng(report.resolve("image-query-city-1.png"), 300);
    }

    @Test
    void demoWithClipAlsoRunsTextQueries() throws IOException {
        Path report = dir.resolve("report-clip");
        String[] result = run("demo", "--embedder", "clip", "--clip-model-dir", Path.of("src", "test", "resources",
                "clip-tiny").toString(), "--images", images.toString(), "--queries", queries.toString(),
                "--report", report.toString(), "--quiet", "--k", "3");
        String out = result[1];
        assertEquals("0", result[0], out + result[2]);
        assertTrue(out.contains("text-to-image: the 3 best matches"), out);
        for (String prompt : DemoCommand.TEXT_QUERIES.keySet()) {
            assertTrue(out.contains("\"" + prompt + "\""), prompt + " in\n" + out);
        }
        assertTrue(Files.size(report.resolve("text-1.png")) > 1000);
        assertPng(report.resolve("map.png"), 400);
    }

    @Test
    void demoWithAKeyRunsThroughTheAzureClientAgainstTheEmulator() {
        try (ImageFeatureEmbedder features = ImageFeatureEmbedder.create();
             AzureVisionEmulator emulator = AzureVisionEmulator.start(features)) {
            DemoCommand demo = new DemoCommand();
            demo.settings = Settings.of(Map.of("VISION_ENDPOINT", emulator.endpoint(), "VISION_KEY", "any-key"));
            PrintStream out = System.out;
            ByteArrayOutputStream captured = new ByteArrayOutputStream();
            int status;
            try (PrintStream p = new PrintStream(captured, true, StandardCharsets.UTF_8)) {
                System.setOut(p);
                status = new CommandLine(demo).execute("--images", images.toString(), "--queries", queries.toString(),
                        "--report", dir.resolve("report-azure").toString(), "--quiet");
            } finally {
                System.setOut(out);
            }
            String text = captured.toString(StandardCharsets.UTF_8);
            assertEquals(0, status, text);
            assertTrue(text.contains("VISION_KEY is set, so Azure AI Vision at " + emulator.endpoint()), text);
            assertTrue(text.contains("indexed 30"), text);
            assertTrue(text.contains("precision@5"), text);
            assertTrue(text.contains("text-to-image: skipped, features:grid-hist-v1 has no text model"),
                    "the Azure client learns that the emulator's model has no text, and the demo goes on: " + text);
            assertEquals(30 + 12, emulator.served(),
                    "one call per image and per query image, none to learn the model before the store is made");
        }
    }

    @Test
    void missingImageFolderSaysWhatToDo() {
        String[] result = run("demo", "--embedder", "features", "--images", dir.resolve("nowhere").toString(),
                "--report", dir.resolve("r").toString());
        assertEquals("1", result[0]);
        assertTrue(result[2].contains("no image folder") && result[2].contains("--images"), result[2]);
    }

    static void assertPng(Path file, int minWidth) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        assertTrue(bytes.length > 1000, file + " is " + bytes.length + " bytes");
        BufferedImage image = ImageIO.read(file.toFile());
        assertTrue(image != null && image.getWidth() >= minWidth && image.getHeight() > 50, file + " is a real picture");
    }
}
