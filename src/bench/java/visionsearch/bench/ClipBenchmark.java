package visionsearch.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import visionsearch.embed.BatchProgress;
import visionsearch.embed.ClipEmbedder;
import visionsearch.embed.EmbeddingResult;
import visionsearch.embed.ImageInput;

/**
 * CLIP preprocessing throughput against a plain {@code ImageIO} decode of the same files, in the
 * same run, single-threaded; the per-image overhead of the whole {@code ClipEmbedder} path on the
 * tiny test model ({@code embedImage} one at a time: decode + preprocess + ONNX Runtime call +
 * normalise) over decode + preprocess; and {@code embedImages} throughput in batches, which spreads
 * decoding and preprocessing over the cores.
 *
 * <p>Run: {@code scripts/bench.sh ClipBenchmark [FOLDER] [ROUNDS]} (default {@code images}, 5 rounds).
 * It measures two sets: the folder's .png/.jpg files (skipped if there are none), and 40 generated
 * 1024x768 JPEGs (camera-like sizes, where the antialiased downscale does the most work).
 * Goal: decode + preprocess takes at most 1.25 x the decode alone.
 */
public final class ClipBenchmark {
    private ClipBenchmark() {
    }

    /** Runs the benchmark. */
    public static void main(String[] args) throws Exception {
        Path folder = Path.of(args.length > 0 ? args[0] : "images");
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        Path tiny = Path.of(ClipBenchmark.class.getResource("/clip-tiny").toURI());
        try (ClipEmbedder clip = ClipEmbedder.open(tiny, 1, 16)) {
            System.out.printf(Locale.ROOT, "ClipBenchmark: %d rounds after 2 warm-up rounds, ONNX intra-op threads 1,"
                    + " tiny model %s (%d-d)%n", rounds, clip.modelId(), clip.dimensions());
            List<byte[]> files = read(folder);
            if (files.isEmpty()) {
                System.out.println("  (no .png/.jpg files in " + folder.toAbsolutePath() + "; only the generated set)");
            } else {
                measure(folder.toString(), files, rounds, clip);
            }
            measure("generated 1024x768 JPEGs", generate(40, 1024, 768), rounds, clip);
        }
    }

    private static List<byte[]> read(Path folder) throws IOException {
        List<byte[]> files = new ArrayList<>();
        if (!Files.isDirectory(folder)) {
            return files;
        }
        try (Stream<Path> list = Files.list(folder)) {
            for (Path p : list.filter(f -> f.toString().endsWith(".png") || f.toString().endsWith(".jpg")).sorted().toList()) {
                files.add(Files.readAllBytes(p));
            }
        }
        return files;
    }

    /** Photo-like JPEGs: gradients, shapes and noise, so that the decoder and the filter both have work. */
    static List<byte[]> generate(int count, int w, int h) throws IOException {
        Random random = new Random(7);
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = image.createGraphics();
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setPaint(new GradientPaint(0, 0, new Color(random.nextInt(0xFFFFFF)), w, h, new Color(random.nextInt(0xFFFFFF))));
            g.fillRect(0, 0, w, h);
            for (int s = 0; s < 30; s++) {
                g.setColor(new Color(random.nextInt(0xFFFFFF)));
                g.setStroke(new BasicStroke(1 + random.nextInt(8)));
                int x = random.nextInt(w);
                int y = random.nextInt(h);
                if (s % 2 == 0) {
                    g.fillOval(x, y, 20 + random.nextInt(w / 3), 20 + random.nextInt(h / 3));
                } else {
                    g.drawLine(x, y, random.nextInt(w), random.nextInt(h));
                }
            }
            g.dispose();
            for (int n = 0; n < w * h / 20; n++) {
                int x = random.nextInt(w);
                int y = random.nextInt(h);
                image.setRGB(x, y, image.getRGB(x, y) ^ random.nextInt(0x1F1F1F));
            }
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            ImageIO.write(image, "jpg", bytes);
            out.add(bytes.toByteArray());
        }
        return out;
    }

    private static void measure(String name, List<byte[]> files, int rounds, ClipEmbedder clip) throws IOException {
        List<ImageInput> inputs = new ArrayList<>();
        for (byte[] f : files) {
            inputs.add(ImageInput.of(f));
        }
        BufferedImage first = ImageIO.read(new ByteArrayInputStream(files.get(0)));
        double sink = 0;
        for (int w = 0; w < 2; w++) {
            sink += decodeAll(files) + preprocessAll(files) + embedOneByOne(clip, inputs) + embedAll(clip, inputs);
        }
        long decodeNs = 0;
        long preprocessNs = 0;
        long singleNs = 0;
        long embedNs = 0;
        long decodeCpu = 0;
        long preprocessCpu = 0;
        // Interleave the paths within each round so machine noise hits all three alike; alternate the
        // order of decode and decode + preprocess so that neither always runs first.
        for (int r = 0; r < rounds; r++) {
            for (int half = 0; half < 2; half++) {
                boolean decodeOnly = (r + half) % 2 == 0;
                long c0 = cpuNanos();
                long t0 = System.nanoTime();
                sink += decodeOnly ? decodeAll(files) : preprocessAll(files);
                long t1 = System.nanoTime();
                long c1 = cpuNanos();
                if (decodeOnly) {
                    decodeNs += t1 - t0;
                    decodeCpu += c1 - c0;
                } else {
                    preprocessNs += t1 - t0;
                    preprocessCpu += c1 - c0;
                }
            }
            long t2 = System.nanoTime();
            sink += embedOneByOne(clip, inputs);
            long t3 = System.nanoTime();
            sink += embedAll(clip, inputs);
            long t4 = System.nanoTime();
            singleNs += t3 - t2;
            embedNs += t4 - t3;
        }
        double n = (double) files.size() * rounds;
        System.out.printf(Locale.ROOT, "%s: %d images (first %dx%d)%n", name, files.size(), first.getWidth(), first.getHeight());
        System.out.printf(Locale.ROOT, "  ImageIO decode only:                 %7.3f ms/image%n", decodeNs / n / 1e6);
        System.out.printf(Locale.ROOT, "  decode + CLIP preprocess:            %7.3f ms/image%n", preprocessNs / n / 1e6);
        System.out.printf(Locale.ROOT, "  ClipEmbedder.embedImage, tiny model: %7.3f ms/image (one at a time, 1 thread)%n",
                singleNs / n / 1e6);
        System.out.printf(Locale.ROOT, "  ClipEmbedder.embedImages, tiny model: %7.3f ms/image (batches of %d, decode +"
                + " preprocess on %d cores)%n", embedNs / n / 1e6, clip.batchSize(), Runtime.getRuntime().availableProcessors());
        System.out.printf(Locale.ROOT, "  (decode + preprocess) / decode: %.2fx (preprocessing adds %.0f %%; goal <= 1.25x)%n",
                (double) preprocessNs / decodeNs, 100.0 * (preprocessNs - decodeNs) / decodeNs);
        System.out.printf(Locale.ROOT, "  same in this thread's CPU time (less sensitive to other load): decode %.3f,"
                + " decode + preprocess %.3f ms/image = %.2fx%n", decodeCpu / n / 1e6, preprocessCpu / n / 1e6,
                (double) preprocessCpu / decodeCpu);
        System.out.printf(Locale.ROOT, "  tiny-model path overhead over decode + preprocess: %.3f ms/image%n",
                (singleNs - preprocessNs) / n / 1e6);
        System.out.println("  (checksum " + (long) sink + ")");
    }

    /** CPU time of the current thread (decode and preprocess run on it alone), or wall time where unsupported. */
    private static long cpuNanos() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        return threads.isCurrentThreadCpuTimeSupported() ? threads.getCurrentThreadCpuTime() : System.nanoTime();
    }

    private static double decodeAll(List<byte[]> files) throws IOException {
        double s = 0;
        for (byte[] f : files) {
            s += ImageIO.read(new ByteArrayInputStream(f)).getRGB(0, 0);
        }
        return s;
    }

    private static double preprocessAll(List<byte[]> files) throws IOException {
        double s = 0;
        for (byte[] f : files) {
            s += ClipEmbedder.pixelValues(ImageIO.read(new ByteArrayInputStream(f)))[0];
        }
        return s;
    }

    private static double embedOneByOne(ClipEmbedder clip, List<ImageInput> inputs) {
        double s = 0;
        for (ImageInput input : inputs) {
            s += clip.embedImage(input).vector()[0];
        }
        return s;
    }

    private static double embedAll(ClipEmbedder clip, List<ImageInput> inputs) {
        double s = 0;
        for (EmbeddingResult r : clip.embedImages(inputs, BatchProgress.NONE)) {
            s += r.embedding().vector()[0];
        }
        return s;
    }
}
