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
import visionsearch.embed.clip.ClipEmbedder;
import visionsearch.embed.EmbeddingResult;
import visionsearch.embed.ImageInput;

/**
 * CLIP preprocessing throughput against a plain {@code ImageIO} decode of the same files, in the
 * same run, single-threaded (and against the embedders' own decode, {@link ImageInput#decode()}, to
 * show what the resize, crop and normalise cost by themselves); the per-image overhead of the whole {@code ClipEmbedder} path on the
 * tiny test model ({@code embedImage} one at a time: decode + preprocess + ONNX Runtime call +
 * normalise) over decode + preprocess; and {@code embedImages} throughput in batches, which spreads
 * decoding and preprocessing over the cores.
 *
 * <p>Run: {@code scripts/bench.sh ClipBenchmark [FOLDER] [ROUNDS]} (default {@code images}, 5 rounds).
 * It measures two sets: the folder's .png/.jpg files (skipped if there are none), and 40 generated
 * 1024x768 JPEGs (camera-like sizes, where the antialiased downscale does the most work).
 * Goal (issue 4): decode + preprocess takes at most 1.25x a plain ImageIO decode of the same files.
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

    /** The three single-threaded paths timed against each other. */
    private enum Timed { PLAIN_DECODE, DECODE, DECODE_PREPROCESS }

    private static void measure(String name, List<byte[]> files, int rounds, ClipEmbedder clip) throws IOException {
        List<ImageInput> inputs = new ArrayList<>();
        for (byte[] f : files) {
            inputs.add(ImageInput.of(f));
        }
        BufferedImage first = ImageIO.read(new ByteArrayInputStream(files.get(0)));
        double sink = 0;
        for (int w = 0; w < 2; w++) {
            sink += plainDecodeAll(files) + decodeAll(inputs) + preprocessAll(inputs) + embedOneByOne(clip, inputs)
                    + embedAll(clip, inputs);
        }
        Timed[] paths = Timed.values();
        long[] wall = new long[paths.length];
        long[] cpu = new long[paths.length];
        long singleNs = 0;
        long embedNs = 0;
        // Interleave the paths within each round so machine noise hits all of them alike; rotate their
        // order so that none always runs first.
        for (int r = 0; r < rounds; r++) {
            for (int i = 0; i < paths.length; i++) {
                Timed path = paths[(r + i) % paths.length];
                long c0 = cpuNanos();
                long t0 = System.nanoTime();
                sink += switch (path) {
                    case PLAIN_DECODE -> plainDecodeAll(files);
                    case DECODE -> decodeAll(inputs);
                    case DECODE_PREPROCESS -> preprocessAll(inputs);
                };
                wall[path.ordinal()] += System.nanoTime() - t0;
                cpu[path.ordinal()] += cpuNanos() - c0;
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
        int plain = Timed.PLAIN_DECODE.ordinal();
        int decode = Timed.DECODE.ordinal();
        int full = Timed.DECODE_PREPROCESS.ordinal();
        System.out.printf(Locale.ROOT, "%s: %d images (first %dx%d)%n", name, files.size(), first.getWidth(), first.getHeight());
        System.out.printf(Locale.ROOT, "  plain ImageIO.read(InputStream):      %7.3f ms/image%n", wall[plain] / n / 1e6);
        System.out.printf(Locale.ROOT, "  ImageInput.decode() (memory stream):  %7.3f ms/image%n", wall[decode] / n / 1e6);
        System.out.printf(Locale.ROOT, "  ImageInput.decode() + CLIP preprocess: %7.3f ms/image (what ClipEmbedder does per image)%n",
                wall[full] / n / 1e6);
        System.out.printf(Locale.ROOT, "  ClipEmbedder.embedImage, tiny model:   %7.3f ms/image (one at a time, 1 thread)%n",
                singleNs / n / 1e6);
        System.out.printf(Locale.ROOT, "  ClipEmbedder.embedImages, tiny model:  %7.3f ms/image (batches of %d, decode +"
                + " preprocess on %d cores)%n", embedNs / n / 1e6, clip.batchSize(), Runtime.getRuntime().availableProcessors());
        System.out.printf(Locale.ROOT, "  (decode + preprocess) / plain ImageIO decode: %.2fx wall, %.2fx thread CPU (goal <= 1.25x)%n",
                (double) wall[full] / wall[plain], (double) cpu[full] / cpu[plain]);
        System.out.printf(Locale.ROOT, "  (decode + preprocess) / the same decode alone: %.2fx wall, %.2fx thread CPU"
                + " (what the resize, crop and normalise cost by themselves)%n",
                (double) wall[full] / wall[decode], (double) cpu[full] / cpu[decode]);
        System.out.printf(Locale.ROOT, "  thread CPU ms/image: plain decode %.3f, decode %.3f, decode + preprocess %.3f%n",
                cpu[plain] / n / 1e6, cpu[decode] / n / 1e6, cpu[full] / n / 1e6);
        System.out.printf(Locale.ROOT, "  tiny-model path overhead over decode + preprocess: %.3f ms/image%n",
                (singleNs - wall[full]) / n / 1e6);
        System.out.println("  (checksum " + (long) sink + ")");
    }

    /** CPU time of the current thread (decode and preprocess run on it alone), or wall time where unsupported. */
    private static long cpuNanos() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        return threads.isCurrentThreadCpuTimeSupported() ? threads.getCurrentThreadCpuTime() : System.nanoTime();
    }

    /** The baseline: what a plain Java program writes to decode image bytes. */
    private static double plainDecodeAll(List<byte[]> files) throws IOException {
        double s = 0;
        for (byte[] f : files) {
            s += ImageIO.read(new ByteArrayInputStream(f)).getRGB(0, 0);
        }
        return s;
    }

    private static double decodeAll(List<ImageInput> inputs) {
        double s = 0;
        for (ImageInput input : inputs) {
            s += input.decode().getRGB(0, 0);
        }
        return s;
    }

    /** One image's model input, reused as ClipEmbedder reuses its batch buffer. */
    private static final float[] PIXELS = new float[3 * 224 * 224];

    private static double preprocessAll(List<ImageInput> inputs) {
        double s = 0;
        for (ImageInput input : inputs) {
            ClipEmbedder.pixelValues(input.decode(), PIXELS, 0);
            s += PIXELS[0];
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
