package visionsearch.embed.features;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import visionsearch.vector.Vectors;
import visionsearch.embed.Embedding;
import visionsearch.embed.InvalidImageException;

class ImageFeatureEmbedderTest {
    private final ImageFeatureEmbedder embedder = ImageFeatureEmbedder.create();

    @Test
    void modelIdAndDimensions() {
        assertEquals("features:grid-hist-v1", embedder.modelId());
        assertEquals(ImageFeatureEmbedder.DIMENSIONS, embedder.dimensions());
        assertEquals(5 * (12 * 3 * 3) + 5 * 9, embedder.dimensions());
        Embedding e = embedder.embedImage(png(stripes(Color.RED, Color.WHITE, true)));
        assertEquals(embedder.dimensions(), e.dimensions());
        assertEquals(embedder.modelId(), e.modelId());
    }

    @Test
    void vectorsAreUnitLengthAndFinite() {
        for (BufferedImage image : new BufferedImage[] {
            stripes(Color.RED, Color.WHITE, true), solid(Color.BLACK), solid(Color.WHITE), disc(Color.ORANGE, Color.BLUE)}) {
            Embedding e = embedder.embedImage(png(image));
            assertEquals(1.0, e.norm(), 1e-5, "norm of " + e);
            assertTrue(Vectors.allFinite(e.vector()));
        }
    }

    @Test
    void sameImageGivesCosineOneAndIdenticalVectors() {
        byte[] png = png(disc(Color.ORANGE, Color.BLUE));
        Embedding a = embedder.embedImage(png);
        Embedding b = ImageFeatureEmbedder.create().embedImage(png.clone());
        assertArrayEquals(a.vector(), b.vector());
        assertEquals(1.0, a.cosine(b), 1e-6);
    }

    @Test
    void recolouringChangesTheColourPartButNotTheEdgePart() {
        float[] red = embedder.embedImage(png(stripes(Color.RED, Color.WHITE, true))).vector();
        float[] blue = embedder.embedImage(png(stripes(new Color(0, 0, 255), Color.WHITE, true))).vector();
        double colour = Vectors.cosine(colourPart(red), colourPart(blue));
        double edges = Vectors.cosine(edgePart(red), edgePart(blue));
        assertTrue(colour < 0.6, "colour part should differ, cosine " + colour);
        assertTrue(edges > 0.95, "edge part should stay, cosine " + edges);
        assertTrue(Vectors.cosine(red, blue) < 0.8, "whole vector should differ: " + Vectors.cosine(red, blue));
    }

    @Test
    void rotatingStripesChangesTheEdgePartButNotTheColourPart() {
        float[] vertical = embedder.embedImage(png(stripes(Color.RED, Color.WHITE, true))).vector();
        float[] horizontal = embedder.embedImage(png(stripes(Color.RED, Color.WHITE, false))).vector();
        double colour = Vectors.cosine(colourPart(vertical), colourPart(horizontal));
        double edges = Vectors.cosine(edgePart(vertical), edgePart(horizontal));
        assertTrue(colour > 0.95, "colour part should stay, cosine " + colour);
        assertTrue(edges < 0.5, "edge part should differ, cosine " + edges);
    }

    @Test
    void layoutMatters() {
        // Same colours, same amounts, different places: the quadrant histograms tell them apart.
        float[] topRed = embedder.embedImage(png(halves(Color.RED, Color.GREEN))).vector();
        float[] topGreen = embedder.embedImage(png(halves(Color.GREEN, Color.RED))).vector();
        double whole = Vectors.cosine(Arrays.copyOfRange(topRed, 0, 108), Arrays.copyOfRange(topGreen, 0, 108));
        assertEquals(1.0, whole, 1e-4, "whole-image histogram is the same");
        assertTrue(Vectors.cosine(topRed, topGreen) < 0.8, "but the vectors differ: " + Vectors.cosine(topRed, topGreen));
    }

    @Test
    void similarImagesAreCloserThanDifferentOnes() {
        Embedding disc = embedder.embedImage(png(disc(Color.ORANGE, Color.BLUE)));
        Embedding shiftedDisc = embedder.embedImage(png(disc(new Color(255, 170, 0), new Color(20, 20, 230))));
        Embedding stripes = embedder.embedImage(png(stripes(Color.GREEN, Color.BLACK, false)));
        assertTrue(disc.cosine(shiftedDisc) > disc.cosine(stripes) + 0.3,
                disc.cosine(shiftedDisc) + " vs " + disc.cosine(stripes));
    }

    @Test
    void resizingKeepsTheDescriptorClose() {
        BufferedImage small = disc(Color.ORANGE, Color.BLUE);
        BufferedImage large = new BufferedImage(800, 600, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = large.createGraphics();
        g.drawImage(small, 0, 0, 800, 600, null);
        g.dispose();
        double cos = embedder.embedImage(png(small)).cosine(embedder.embedImage(png(large)));
        assertTrue(cos > 0.95, "cosine " + cos);
    }

    @Test
    void greyPaletteAndAlphaImagesAreDescribedLikeTheirRgbTwins() {
        BufferedImage rgb = new BufferedImage(90, 60, BufferedImage.TYPE_INT_RGB);
        BufferedImage grey = new BufferedImage(90, 60, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 60; y++) {
            for (int x = 0; x < 90; x++) {
                int v = (x * 3 + y * 2) % 256;
                rgb.setRGB(x, y, v << 16 | v << 8 | v);
                grey.getRaster().setSample(x, y, 0, v);
            }
        }
        assertArrayEquals(embedder.embedImage(rgb).vector(), embedder.embedImage(grey).vector(), 1e-6f);
        BufferedImage colour = disc(Color.ORANGE, Color.BLUE);
        for (int type : new int[] {BufferedImage.TYPE_4BYTE_ABGR, BufferedImage.TYPE_3BYTE_BGR, BufferedImage.TYPE_BYTE_INDEXED}) {
            BufferedImage copy = new BufferedImage(colour.getWidth(), colour.getHeight(), type);
            Graphics2D g = copy.createGraphics();
            g.drawImage(colour, 0, 0, null);
            g.dispose();
            double cos = embedder.embedImage(copy).cosine(embedder.embedImage(colour));
            assertTrue(cos > (type == BufferedImage.TYPE_BYTE_INDEXED ? 0.9 : 0.99999), "type " + type + ": cosine " + cos);
        }
    }

    @Test
    void textIsRefusedWithAdvice() {
        assertFalse(embedder.supportsText());
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                () -> embedder.embedText("a red bicycle"));
        assertTrue(e.getMessage().contains("VISION_KEY") && e.getMessage().contains("model download"), e.getMessage());
    }

    @Test
    void corruptImageIsInvalid() {
        byte[] png = png(solid(Color.GRAY));
        byte[] corrupt = Arrays.copyOf(png, png.length);
        // Keep the header (so the format and size are detected) but destroy the pixel data.
        Arrays.fill(corrupt, 40, corrupt.length, (byte) 0x5A);
        InvalidImageException e = assertThrows(InvalidImageException.class, () -> embedder.embedImage(corrupt));
        assertEquals(InvalidImageException.Reason.CORRUPT, e.reason());
    }

    @Test
    void useAfterCloseThrows() {
        ImageFeatureEmbedder closed = ImageFeatureEmbedder.create();
        closed.close();
        assertThrows(IllegalStateException.class, () -> closed.embedImage(png(solid(Color.GRAY))));
    }

    static float[] colourPart(float[] v) {
        return Arrays.copyOfRange(v, 0, ImageFeatureEmbedder.COLOUR_DIMS);
    }

    static float[] edgePart(float[] v) {
        return Arrays.copyOfRange(v, ImageFeatureEmbedder.COLOUR_DIMS, v.length);
    }

    static BufferedImage stripes(Color a, Color b, boolean vertical) {
        BufferedImage image = new BufferedImage(120, 120, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 120; y++) {
            for (int x = 0; x < 120; x++) {
                int t = vertical ? x : y;
                image.setRGB(x, y, (t / 10) % 2 == 0 ? a.getRGB() : b.getRGB());
            }
        }
        return image;
    }

    static BufferedImage halves(Color top, Color bottom) {
        BufferedImage image = new BufferedImage(100, 100, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 100; y++) {
            for (int x = 0; x < 100; x++) {
                image.setRGB(x, y, y < 50 ? top.getRGB() : bottom.getRGB());
            }
        }
        return image;
    }

    static BufferedImage solid(Color c) {
        BufferedImage image = new BufferedImage(64, 48, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(c);
        g.fillRect(0, 0, 64, 48);
        g.dispose();
        return image;
    }

    static BufferedImage disc(Color fg, Color bg) {
        BufferedImage image = new BufferedImage(160, 120, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(bg);
        g.fillRect(0, 0, 160, 120);
        g.setColor(fg);
        g.fillOval(40, 20, 80, 80);
        g.dispose();
        return image;
    }

    static byte[] png(BufferedImage image) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ImageIO.write(image, "png", out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
