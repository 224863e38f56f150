package visionsearch.bench;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import visionsearch.embed.features.ImageFeatureEmbedder;

/**
 * Image-feature embedding throughput against a plain {@code ImageIO} decode of the same files, in
 * the same run, single-threaded. Run: {@code scripts/bench.sh FeaturesBenchmark [FOLDER] [ROUNDS]}
 * (default {@code images}, 5 rounds). Prints images per second for: decode only, descriptor only
 * (on decoded pixels), and the whole {@code embedImage(bytes)} path (validate + decode + describe),
 * plus the ratio of the whole path to decode alone.
 */
public final class FeaturesBenchmark {
    private FeaturesBenchmark() {
    }

    /** Runs the benchmark. */
    public static void main(String[] args) throws IOException {
        Path folder = Path.of(args.length > 0 ? args[0] : "images");
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        List<byte[]> files = new ArrayList<>();
        try (Stream<Path> list = Files.list(folder)) {
            for (Path p : list.filter(f -> f.toString().endsWith(".png") || f.toString().endsWith(".jpg")).sorted().toList()) {
                files.add(Files.readAllBytes(p));
            }
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException("no .png or .jpg files in " + folder.toAbsolutePath());
        }
        ImageFeatureEmbedder embedder = ImageFeatureEmbedder.create();
        List<BufferedImage> decoded = new ArrayList<>();
        for (byte[] f : files) {
            decoded.add(ImageIO.read(new ByteArrayInputStream(f)));
        }
        BufferedImage first = decoded.get(0);
        System.out.printf(Locale.ROOT, "FeaturesBenchmark: %d images from %s (first %dx%d), %d rounds after 2 warm-up rounds,"
                + " 1 thread, %s%n", files.size(), folder, first.getWidth(), first.getHeight(), rounds, embedder.modelId());
        double sink = 0;
        // Warm up all three paths.
        for (int w = 0; w < 2; w++) {
            sink += decodeAll(files) + describeAll(embedder, decoded) + embedAll(embedder, files);
        }
        long decodeNs = 0;
        long describeNs = 0;
        long embedNs = 0;
        // Interleave the paths within each round so machine noise hits all three alike.
        for (int r = 0; r < rounds; r++) {
            long t0 = System.nanoTime();
            sink += decodeAll(files);
            long t1 = System.nanoTime();
            sink += describeAll(embedder, decoded);
            long t2 = System.nanoTime();
            sink += embedAll(embedder, files);
            long t3 = System.nanoTime();
            decodeNs += t1 - t0;
            describeNs += t2 - t1;
            embedNs += t3 - t2;
        }
        long n = (long) files.size() * rounds;
        double decodeRate = n / (decodeNs / 1e9);
        double describeRate = n / (describeNs / 1e9);
        double embedRate = n / (embedNs / 1e9);
        System.out.printf(Locale.ROOT, "  ImageIO decode only:           %8.1f images/s (%.3f ms/image)%n", decodeRate, 1e3 / decodeRate);
        System.out.printf(Locale.ROOT, "  descriptor on decoded pixels:  %8.1f images/s (%.3f ms/image)%n", describeRate, 1e3 / describeRate);
        System.out.printf(Locale.ROOT, "  embedImage(bytes), whole path: %8.1f images/s (%.3f ms/image)%n", embedRate, 1e3 / embedRate);
        System.out.printf(Locale.ROOT, "  whole path / decode time: %.2fx (the descriptor adds %.0f %% to a plain decode)%n",
                (double) embedNs / decodeNs, 100.0 * (embedNs - decodeNs) / decodeNs);
        System.out.println("  (checksum " + (long) sink + ")");
    }

    private static double decodeAll(List<byte[]> files) throws IOException {
        double s = 0;
        for (byte[] f : files) {
            s += ImageIO.read(new ByteArrayInputStream(f)).getRGB(0, 0);
        }
        return s;
    }

    private static double describeAll(ImageFeatureEmbedder embedder, List<BufferedImage> images) {
        double s = 0;
        for (BufferedImage image : images) {
            s += embedder.embedImage(image).vector()[0];
        }
        return s;
    }

    private static double embedAll(ImageFeatureEmbedder embedder, List<byte[]> files) {
        double s = 0;
        for (byte[] f : files) {
            s += embedder.embedImage(f).vector()[0];
        }
        return s;
    }
}
