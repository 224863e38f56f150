package visionsearch.embed.clip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import visionsearch.embed.BatchProgress;
import visionsearch.embed.Embedder;
import visionsearch.embed.Embedders;
import visionsearch.embed.Embedding;
import visionsearch.embed.EmbeddingException;
import visionsearch.embed.EmbeddingResult;
import visionsearch.embed.ImageInput;
import visionsearch.embed.InvalidImageException;
import visionsearch.embed.Settings;

/** The whole ClipEmbedder path on the tiny generated model (src/test/resources/clip-tiny, scripts/make-tiny-clip.py). */
class ClipEmbedderTest {
    private static final int D = 32;
    private static ClipEmbedder clip;

    @BeforeAll
    static void open() {
        clip = ClipEmbedder.open(ClipTokenizerTest.tinyDir(), 1, 2);
    }

    @AfterAll
    static void close() {
        clip.close();
    }

    static byte[] png(BufferedImage image) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ImageIO.write(image, "png", out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ImageInput uniform(int w, int h, Color colour) {
        return ImageInput.of(png(ClipPreprocessorTest.filled(w, h, BufferedImage.TYPE_INT_RGB, colour)));
    }

    static float[] normalise(double[] v) {
        double n = 0;
        for (double x : v) {
            n += x * x;
        }
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (float) (v[i] / Math.sqrt(n));
        }
        return out;
    }

    /** The tiny vision model by its formula: flatten(avgpool32(pixels)) @ Wv, Wv[i][k] = sin(0.37 i + 0.11 k + 0.5). */
    static float[] expectedUniformImage(int r, int g, int b) {
        int[] rgb = {r, g, b};
        double[] out = new double[D];
        for (int c = 0; c < 3; c++) {
            double v = ClipPreprocessorTest.normalised(rgb[c], c);
            for (int p = 0; p < 49; p++) {
                int i = c * 49 + p;
                for (int k = 0; k < D; k++) {
                    out[k] += v * (float) Math.sin(0.37 * i + 0.11 * k + 0.5);
                }
            }
        }
        return normalise(out);
    }

    /** The tiny text model by its formula: mean of T[id mod 64] up to the end token, @ Wt. */
    static float[] expectedText(int[] ids) {
        double[] mean = new double[16];
        for (int id : ids) {
            for (int j = 0; j < 16; j++) {
                mean[j] += (float) Math.cos(0.13 * (id % 64) + 0.29 * j) / ids.length;
            }
        }
        double[] out = new double[D];
        for (int j = 0; j < 16; j++) {
            for (int k = 0; k < D; k++) {
                out[k] += mean[j] * (float) Math.sin(0.21 * j - 0.17 * k + 1.0);
            }
        }
        return normalise(out);
    }

    @Test
    void readsIdDimensionsAndBatchFromTheModelFolder() {
        assertEquals("clip:tiny-test", clip.modelId());
        assertEquals(D, clip.dimensions());
        assertEquals(2, clip.batchSize());
        assertTrue(clip.supportsText());
        assertTrue(ClipEmbedder.isModelDir(ClipTokenizerTest.tinyDir()));
    }

    @Test
    void imageEmbeddingMatchesTheModelFormula() {
        Embedding e = clip.embedImage(uniform(300, 200, new Color(200, 96, 48)));
        assertEquals("clip:tiny-test", e.modelId());
        assertEquals(D, e.dimensions());
        assertEquals(1.0, e.norm(), 1e-5);
        assertArrayEquals(expectedUniformImage(200, 96, 48), e.vector(), 2e-5f);
    }

    @Test
    void textEmbeddingMatchesTheModelFormula() {
        Embedding e = clip.embedText("a photo of a cat");
        assertEquals(1.0, e.norm(), 1e-5);
        assertArrayEquals(expectedText(new int[] {49406, 320, 1125, 539, 320, 2368, 49407}), e.vector(), 2e-5f);
        assertArrayEquals(new int[] {49406, 3306, 1002, 49407}, clip.tokenize("Hello World"));
    }

    @Test
    void identicalImagesGiveCosineOneAndDifferentOnesLess() {
        ImageInput a = uniform(120, 90, new Color(10, 200, 30));
        Embedding first = clip.embedImage(a);
        Embedding again = clip.embedImage(ImageInput.of(a.bytes()));
        assertEquals(1.0, first.cosine(again), 1e-6);
        Embedding other = clip.embedImage(uniform(120, 90, new Color(250, 20, 200)));
        assertTrue(first.cosine(other) < 0.999, "different colours should differ: " + first.cosine(other));
    }

    @Test
    void batchesGiveTheSameVectorsAsSingleImagesAndReportProgress() {
        List<ImageInput> inputs = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            inputs.add(uniform(64 + 10 * i, 48 + 7 * i, new Color(40 * i, 255 - 40 * i, 100)));
        }
        AtomicInteger calls = new AtomicInteger();
        List<EmbeddingResult> results = clip.embedImages(inputs, (done, total) -> {
            assertEquals(5, total);
            assertEquals(calls.incrementAndGet(), done);
        });
        assertEquals(5, calls.get());
        for (int i = 0; i < 5; i++) {
            assertEquals(i, results.get(i).index());
            assertTrue(results.get(i).ok());
            assertArrayEquals(clip.embedImage(inputs.get(i)).vector(), results.get(i).embedding().vector(), 1e-6f);
        }
    }

    @Test
    void aCorruptImageFailsItsItemOnly() {
        byte[] good = png(ClipPreprocessorTest.filled(64, 64, BufferedImage.TYPE_INT_RGB, Color.ORANGE));
        byte[] broken = Arrays.copyOf(good, 60); // the header (and so the size) survives, the pixels do not
        ImageInput corrupt = ImageInput.of(broken, "broken.png");
        List<EmbeddingResult> results = clip.embedImages(List.of(ImageInput.of(good), corrupt, ImageInput.of(good)),
                BatchProgress.NONE);
        assertTrue(results.get(0).ok());
        assertFalse(results.get(1).ok());
        assertEquals("broken.png", results.get(1).source());
        assertInstanceOf(InvalidImageException.class, results.get(1).error());
        assertTrue(results.get(2).ok());
        assertEquals(1.0, results.get(0).embedding().cosine(results.get(2).embedding()), 1e-6);
        assertThrows(InvalidImageException.class, () -> clip.embedImage(corrupt));
    }

    @Test
    void textBatchesEqualSingleTexts() {
        List<String> texts = List.of("a photo of a cat", "Hello World", "", "The company was founded in 2016.");
        List<Embedding> batch = clip.embedTexts(texts);
        assertEquals(4, batch.size());
        for (int i = 0; i < texts.size(); i++) {
            assertArrayEquals(clip.embedText(texts.get(i)).vector(), batch.get(i).vector(), 1e-6f, texts.get(i));
        }
        assertTrue(clip.embedTexts(List.of()).isEmpty());
    }

    @Test
    void combinedModelWithAttentionMaskGivesTheSameVectors(@TempDir Path dir) throws IOException {
        Path tiny = ClipTokenizerTest.tinyDir();
        Files.copy(tiny.resolve("combined/model.onnx"), dir.resolve("model.onnx"));
        for (String name : List.of("vocab.json", "merges.txt", "config.json")) {
            Files.copy(tiny.resolve(name), dir.resolve(name));
        }
        assertTrue(ClipEmbedder.isModelDir(dir));
        try (ClipEmbedder combined = ClipEmbedder.open(dir)) {
            assertEquals(D, combined.dimensions());
            assertArrayEquals(clip.embedText("How are you doing?").vector(),
                    combined.embedText("How are you doing?").vector(), 1e-6f);
            ImageInput image = uniform(100, 130, Color.CYAN);
            assertArrayEquals(clip.embedImage(image).vector(), combined.embedImage(image).vector(), 1e-6f);
        }
    }

    @Test
    void filesInAnOnnxSubfolderAreFound(@TempDir Path dir) throws IOException {
        Path tiny = ClipTokenizerTest.tinyDir();
        Files.createDirectories(dir.resolve("onnx"));
        Files.copy(tiny.resolve("vision_model.onnx"), dir.resolve("onnx/vision_model.onnx"));
        Files.copy(tiny.resolve("text_model.onnx"), dir.resolve("onnx/text_model.onnx"));
        Files.copy(tiny.resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
        try (ClipEmbedder e = ClipEmbedder.open(dir)) {
            assertEquals(ClipEmbedder.DEFAULT_MODEL_ID, e.modelId());
            assertArrayEquals(clip.embedText("Hello World").vector(), e.embedText("Hello World").vector(), 1e-6f);
        }
    }

    @Test
    void missingFilesAreNamedWithTheWayToGetThem(@TempDir Path dir) throws IOException {
        assertFalse(ClipEmbedder.isModelDir(dir));
        EmbeddingException e = assertThrows(EmbeddingException.class, () -> ClipEmbedder.open(dir));
        for (String part : List.of("vision_model.onnx", "text_model.onnx", "vocab.json", "merges.txt",
                "vision-search model download", "CLIP_MODEL_DIR", dir.toString())) {
            assertTrue(e.getMessage().contains(part), "message lacks " + part + ": " + e.getMessage());
        }
        assertFalse(e.retryable());
        Files.copy(ClipTokenizerTest.tinyDir().resolve("vision_model.onnx"), dir.resolve("vision_model.onnx"));
        Files.copy(ClipTokenizerTest.tinyDir().resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
        e = assertThrows(EmbeddingException.class, () -> ClipEmbedder.open(dir));
        assertTrue(e.getMessage().contains("missing text_model.onnx."), e.getMessage());
        assertFalse(ClipEmbedder.isModelDir(dir));
        assertThrows(EmbeddingException.class, () -> ClipEmbedder.open(dir.resolve("nowhere")));
    }

    @Test
    void aTruncatedModelFileSaysToDownloadAgain(@TempDir Path dir) throws IOException {
        Path tiny = ClipTokenizerTest.tinyDir();
        for (String name : List.of("text_model.onnx", "vocab.json", "merges.txt")) {
            Files.copy(tiny.resolve(name), dir.resolve(name));
        }
        byte[] model = Files.readAllBytes(tiny.resolve("vision_model.onnx"));
        Files.write(dir.resolve("vision_model.onnx"), Arrays.copyOf(model, model.length / 2));
        EmbeddingException e = assertThrows(EmbeddingException.class, () -> ClipEmbedder.open(dir));
        assertTrue(e.getMessage().contains("model download"), e.getMessage());
    }

    @Test
    void modelIdComesFromConfigJson(@TempDir Path dir) throws IOException {
        assertEquals("clip:ViT-B-32", ClipEmbedder.readModelId(dir));
        Files.writeString(dir.resolve("config.json"), "{\"vision_config\": {\"hidden_size\": 1024, \"patch_size\": 14}}");
        assertEquals("clip:ViT-L-14", ClipEmbedder.readModelId(dir));
        Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"clip\", \"vision_config\": {}}");
        assertEquals("clip:ViT-B-32", ClipEmbedder.readModelId(dir));
    }

    @Test
    void useAfterCloseThrowsIllegalState() {
        ClipEmbedder e = ClipEmbedder.open(ClipTokenizerTest.tinyDir());
        ImageInput image = uniform(40, 40, Color.BLUE);
        assertNotNull(e.embedImage(image));
        e.close();
        e.close();
        assertThrows(IllegalStateException.class, () -> e.embedImage(image));
        assertThrows(IllegalStateException.class, () -> e.embedText("a cat"));
        assertThrows(IllegalStateException.class, () -> e.embedImages(List.of(image), BatchProgress.NONE));
        assertThrows(IllegalStateException.class, () -> e.tokenize("a cat"));
    }

    @Test
    void concurrentCallersGetTheSameVectorsAsOneCaller() throws Exception {
        ImageInput image = uniform(90, 70, new Color(120, 30, 220));
        float[] imageVector = clip.embedImage(image).vector();
        float[] textVector = clip.embedText("Hello World").vector();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            List<java.util.concurrent.Future<float[][]>> futures = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                futures.add(pool.submit(() -> new float[][] {
                    clip.embedImages(List.of(image, image, image), BatchProgress.NONE).get(2).embedding().vector(),
                    clip.embedText("Hello World").vector()}));
            }
            for (java.util.concurrent.Future<float[][]> f : futures) {
                float[][] got = f.get(60, java.util.concurrent.TimeUnit.SECONDS);
                assertArrayEquals(imageVector, got[0], 1e-6f);
                assertArrayEquals(textVector, got[1], 1e-6f);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void threadCountDoesNotChangeTheVectors() {
        ImageInput image = uniform(300, 301, Color.MAGENTA);
        try (ClipEmbedder twoThreads = ClipEmbedder.open(ClipTokenizerTest.tinyDir(), 2, 8)) {
            assertEquals(8, twoThreads.batchSize());
            assertArrayEquals(clip.embedImage(image).vector(), twoThreads.embedImage(image).vector(), 1e-6f);
        }
    }

    @Test
    void badOptionsAreRefused() {
        Path tiny = ClipTokenizerTest.tinyDir();
        assertThrows(IllegalArgumentException.class, () -> ClipEmbedder.open(tiny, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> ClipEmbedder.open(tiny, -1, 4));
    }

    @Test
    void settingsPickTheModelFolderAndEmbeddersChooseClip() {
        String tiny = ClipTokenizerTest.tinyDir().toString();
        assertEquals(Path.of("/models/clip"), ClipEmbedder.modelDir(Settings.of(Map.of("CLIP_MODEL_DIR", "/models/clip"))));
        assertTrue(ClipEmbedder.modelDir(Settings.of(Map.of())).endsWith(Path.of(".cache", "vision-search", "clip-vit-base-patch32")));
        Embedders.Selection selection = Embedders.select(Settings.of(Map.of("CLIP_MODEL_DIR", tiny)));
        try (Embedder embedder = selection.embedder()) {
            assertInstanceOf(ClipEmbedder.class, embedder);
            assertTrue(selection.reason().contains(tiny), selection.reason());
            assertEquals(1.0, embedder.embedText("a photo of a cat").norm(), 1e-5);
        }
    }
}
