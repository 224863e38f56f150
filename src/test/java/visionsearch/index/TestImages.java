package visionsearch.index;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import javax.imageio.ImageIO;

/** Writes small, visibly different images for indexing tests (a hue, stripes and blocks chosen by a seed). */
final class TestImages {
    private TestImages() {
    }

    /** Writes image number {@code seed} to {@code file} in {@code format} ("png", "jpg", "bmp"), creating folders. */
    static Path write(Path file, int seed, String format) {
        BufferedImage image = new BufferedImage(64, 48, BufferedImage.TYPE_INT_RGB);
        Random random = new Random(seed);
        Graphics2D g = image.createGraphics();
        g.setColor(Color.getHSBColor((seed * 0.137f) % 1f, 0.4f + random.nextFloat() * 0.6f, 0.5f + random.nextFloat() * 0.5f));
        g.fillRect(0, 0, 64, 48);
        g.setColor(Color.getHSBColor(random.nextFloat(), random.nextFloat(), random.nextFloat()));
        int step = 4 + seed % 7;
        for (int x = 0; x < 64; x += step * 2) {
            if (seed % 2 == 0) {
                g.fillRect(x, 0, step, 48);
            } else {
                g.fillRect(0, x * 48 / 64, 64, step);
            }
        }
        for (int i = 0; i < 4; i++) {
            g.setColor(new Color(random.nextInt(0x1000000)));
            g.fillRect(random.nextInt(56), random.nextInt(40), 8 + random.nextInt(16), 8 + random.nextInt(16));
        }
        g.dispose();
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            if (!ImageIO.write(image, format, file.toFile())) {
                throw new IllegalArgumentException("no ImageIO writer for " + format);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    /** Writes a PNG whose header is valid but whose pixel data is cut off: it passes validation and fails decoding. */
    static Path writeTruncatedPng(Path file, int seed) {
        try {
            Path tmp = Files.createTempFile("full", ".png");
            write(tmp, seed, "png");
            byte[] full = Files.readAllBytes(tmp);
            Files.delete(tmp);
            byte[] cut = java.util.Arrays.copyOf(full, 60);
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.write(file, cut);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
