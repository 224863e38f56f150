package visionsearch.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import javax.imageio.ImageIO;
import visionsearch.embed.ImageInput;
import visionsearch.embed.clip.ClipEmbedder;
import visionsearch.samples.SampleScenes;

/**
 * The local-embedder line of {@link IndexBenchmark}: {@code vision-search index} with
 * {@code VISION_EMBEDDER=clip} over a vision tower of CLIP ViT-B/32's size (random weights, made by
 * {@code scripts/make-bench-clip.py} into target/), against bare ONNX Runtime inference of the same
 * model (same session options as {@code ClipEmbedder.open(dir)}: ONNX Runtime's default threads) on
 * the same images, preprocessed beforehand into batches of {@link ClipEmbedder#DEFAULT_BATCH_SIZE}.
 */
final class ClipLine {
    private static final int BATCH = ClipEmbedder.DEFAULT_BATCH_SIZE;
    private static final int FLOATS = 3 * 224 * 224;

    private ClipLine() {
    }

    static void run(Path base, int count) throws Exception {
        Path model = base.resolve("clip-b32");
        if (!makeModel(model)) {
            return;
        }
        Path images = base.resolve("clip-images");
        if (!Files.isDirectory(images) || IndexBenchmark.list(images).size() != count) {
            IndexBenchmark.clean(images);
            // JPEG photos' format; 256x192 scenes (decoding them is cheap next to the model, as for photos).
            for (SampleScenes.Scene s : SampleScenes.collection(7, (count + 5) / 6).subList(0, count)) {
                ImageIO.write(s.image(), "jpg", images.resolve(s.file().replace(".png", ".jpg")).toFile());
            }
        }
        // Rounds alternate (bare, bare with two runs at once, index) so that a busy machine weighs on all three
        // alike; CPU seconds (the process's, ONNX Runtime's threads included) are less at its mercy than wall time.
        // What a run costs before its first image (JVM start, loading the 351 MB model): an empty folder's run.
        Path empty = IndexBenchmark.clean(base.resolve("clip-empty"));
        double startup = IndexBenchmark.Child.start(IndexBenchmark.clean(base.resolve("run-clip")), Map.of(
                "VISION_EMBEDDER", "clip", "CLIP_MODEL_DIR", model.toString()), "index", empty.toString(), "--store",
                "clip.vec", "-q").waitFor().cpuSeconds();
        System.out.printf(Locale.ROOT, "   a run over an empty folder (JVM start, model load) takes %.1f CPU s; subtracted%n",
                startup);
        List<Double> ratios = new ArrayList<>();
        List<Double> cpuRatios = new ArrayList<>();
        for (int round = 1; round <= 3; round++) {
            double[] one = bare(model, images, 1);
            double[] two = bare(model, images, 2);
            Path work = IndexBenchmark.clean(base.resolve("run-clip"));
            IndexBenchmark.Child child = IndexBenchmark.Child.start(work, Map.of("VISION_EMBEDDER", "clip",
                    "CLIP_MODEL_DIR", model.toString()), "index", images.toString(), "--store", "clip.vec", "-q").waitFor();
            Matcher m = child.summary();
            double rate = Integer.parseInt(m.group(1)) / Double.parseDouble(m.group(3));
            double cpuPerImage = (child.cpuSeconds() - startup) / count;
            double best = Math.max(one[0], two[0]);
            double bestCpu = Math.min(one[1], two[1]);
            System.out.printf(Locale.ROOT, "   round %d (load average %.1f): bare ONNX Runtime %.2f images/s one run at a"
                    + " time (%.2f CPU s/image), %.2f two at once (%.2f); index %.2f images/s (%.2f CPU s/image); index / best bare: %.3f by time, %.3f by CPU%n", round, loadAverage(), one[0],
                    one[1], two[0], two[1], rate, cpuPerImage, rate / best, bestCpu / cpuPerImage);
            ratios.add(rate / best);
            cpuRatios.add(bestCpu / cpuPerImage);
        }
        System.out.printf(Locale.ROOT, "   through index / bare inference (batches of %d preprocessed beforehand), median of"
                + " 3 rounds: %.3f by time, %.3f by CPU (goal >= 0.9)%n", BATCH, median(ratios), median(cpuRatios));
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        java.util.Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }

    private static double loadAverage() {
        return java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    /** Makes the model folder once: the exported vision tower, the tiny test text model and tokenizer, a config. */
    private static boolean makeModel(Path dir) throws Exception {
        Path vision = dir.resolve("vision_model.onnx");
        if (!Files.isRegularFile(vision)) {
            Files.createDirectories(dir);
            Process p = new ProcessBuilder("/usr/bin/python3", "scripts/make-bench-clip.py", dir.toString())
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
                System.out.println("   skipped: exporting the model failed (install Debian's PyTorch: apt-get install -y"
                        + " python3-torch python3-onnx): " + out.strip());
                return false;
            }
            System.out.println("   " + out.lines().reduce((a, b) -> b).orElse("").strip());
        }
        // ClipEmbedder also wants a text tower and a tokenizer; the tiny test ones do (text is not benchmarked).
        for (String name : List.of("text_model.onnx", "vocab.json", "merges.txt")) {
            try (InputStream in = ClipLine.class.getResourceAsStream("/clip-tiny/" + name)) {
                Files.write(dir.resolve(name), in.readAllBytes());
            }
        }
        Files.writeString(dir.resolve("config.json"), "{\"vision_search_model_id\": \"clip:bench-random-ViT-B-32\"}\n");
        System.out.printf(Locale.ROOT, "   model: %s (%.0f MB, random weights)%n", vision, Files.size(vision) / 1e6);
        return true;
    }

    /**
     * Images per second of session.run alone over the images preprocessed into batches, with
     * {@code parallel} runs at once (one warm-up batch first), and CPU seconds of this process per image.
     */
    private static double[] bare(Path model, Path images, int parallel) throws Exception {
        List<float[]> batches = new ArrayList<>();
        List<Integer> sizes = new ArrayList<>();
        List<Path> files = IndexBenchmark.list(images);
        for (int start = 0; start < files.size(); start += BATCH) {
            int n = Math.min(BATCH, files.size() - start);
            float[] pixels = new float[n * FLOATS];
            for (int j = 0; j < n; j++) {
                BufferedImage decoded = ImageInput.of(files.get(start + j)).decode();
                ClipEmbedder.pixelValues(decoded, pixels, j * FLOATS);
            }
            batches.add(pixels);
            sizes.add(n);
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions();
             OrtSession session = env.createSession(model.resolve("vision_model.onnx").toString(), options)) {
            infer(env, session, batches.get(0), sizes.get(0));
            java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
            List<Thread> threads = new ArrayList<>();
            List<Exception> failures = java.util.Collections.synchronizedList(new ArrayList<>());
            com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean)
                    java.lang.management.ManagementFactory.getOperatingSystemMXBean();
            long cpu = os.getProcessCpuTime();
            long start = System.nanoTime();
            for (int t = 0; t < parallel; t++) {
                Thread thread = new Thread(() -> {
                    for (int i; (i = next.getAndIncrement()) < batches.size(); ) {
                        try {
                            infer(env, session, batches.get(i), sizes.get(i));
                        } catch (Exception e) {
                            failures.add(e);
                        }
                    }
                });
                thread.start();
                threads.add(thread);
            }
            for (Thread thread : threads) {
                thread.join();
            }
            if (!failures.isEmpty()) {
                throw failures.get(0);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            return new double[] {files.size() / seconds, (os.getProcessCpuTime() - cpu) / 1e9 / files.size()};
        }
    }

    private static void infer(OrtEnvironment env, OrtSession session, float[] pixels, int n) throws Exception {
        try (OnnxTensor input = OnnxTensor.createTensor(env, FloatBuffer.wrap(pixels), new long[] {n, 3, 224, 224});
             OrtSession.Result result = session.run(Map.of("pixel_values", input))) {
            ((OnnxTensor) result.get(0)).getFloatBuffer();
        }
    }
}
