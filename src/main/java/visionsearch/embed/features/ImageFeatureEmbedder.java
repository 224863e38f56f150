package visionsearch.embed.features;

import java.awt.image.BufferedImage;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import visionsearch.vector.Vectors;
import visionsearch.embed.CallPlan;
import visionsearch.embed.Embedder;
import visionsearch.embed.Embedding;
import visionsearch.embed.ImageInput;

/**
 * A classical colour and edge descriptor with no model: image-to-image search only.
 *
 * <p>The image is box-filtered down to at most {@value #WORK_SIDE} px on its longer side, then
 * described over five regions (the whole image and its 2x2 quadrants):
 * <ul>
 *   <li>an HSV colour histogram per region ({@value #HUE_BINS} hue bins, soft-assigned around the
 *       hue circle, x {@value #SAT_BINS} saturation x {@value #VAL_BINS} value bins), each
 *       L1-normalised then square-rooted (Hellinger), so each region's block has unit length;</li>
 *   <li>a magnitude-weighted histogram of Sobel edge orientations ({@value #EDGE_BINS} bins over
 *       0..180 degrees) per region, plus one bin for the edge density, L2-normalised per region.</li>
 * </ul>
 * The colour part and the edge part are weighted ({@value #COLOUR_WEIGHT} / {@value #EDGE_WEIGHT}),
 * concatenated and L2-normalised, so cosine equals dot product. The result is deterministic: the
 * same pixels always give the same vector. Model id {@value #MODEL_ID}, {@value #DIMENSIONS}
 * dimensions.
 *
 * <p>Text queries throw {@link UnsupportedOperationException}: configure Azure or CLIP for those.
 */
public final class ImageFeatureEmbedder implements Embedder {
    /** The model id every embedding of this descriptor carries. */
    public static final String MODEL_ID = "features:grid-hist-v1";

    /** Longer side of the working copy, in pixels. */
    static final int WORK_SIDE = 128;
    static final int HUE_BINS = 12;
    static final int SAT_BINS = 3;
    static final int VAL_BINS = 3;
    static final int EDGE_BINS = 8;
    /** Regions: the whole image, then the 2x2 quadrants in row order. */
    static final int REGIONS = 5;
    static final int COLOUR_BLOCK = HUE_BINS * SAT_BINS * VAL_BINS;
    static final int EDGE_BLOCK = EDGE_BINS + 1;
    /** Length of the colour part (first in the vector). */
    static final int COLOUR_DIMS = REGIONS * COLOUR_BLOCK;
    /** Length of the edge part (after the colour part). */
    static final int EDGE_DIMS = REGIONS * EDGE_BLOCK;
    /** Number of dimensions of every vector. */
    public static final int DIMENSIONS = COLOUR_DIMS + EDGE_DIMS;
    static final double COLOUR_WEIGHT = 0.75;
    static final double EDGE_WEIGHT = 0.25;
    /** Gradient magnitude (on 0..1 luminance, Sobel) at which a pixel counts as a full edge for the density bin. */
    private static final double EDGE_DENSITY_SCALE = 1.0;

    private final AtomicBoolean closed = new AtomicBoolean();

    private ImageFeatureEmbedder() {
    }

    /** Creates the embedder; it holds no resources. */
    public static ImageFeatureEmbedder create() {
        return new ImageFeatureEmbedder();
    }

    @Override
    public Embedding embedImage(ImageInput image) {
        Objects.requireNonNull(image, "image");
        requireOpen();
        ImageInput bytes = image.isUrl() ? image.fetch(java.time.Duration.ofSeconds(30)) : image;
        return new Embedding(describe(bytes.decode()), MODEL_ID);
    }

    /** Describes decoded pixels; the same vector {@link #embedImage(ImageInput)} gives for an image with these pixels. */
    public Embedding embedImage(BufferedImage image) {
        Objects.requireNonNull(image, "image");
        requireOpen();
        return new Embedding(describe(image), MODEL_ID);
    }

    @Override
    public Embedding embedText(String text) {
        throw new UnsupportedOperationException("the image-features embedder has no text model: set VISION_KEY "
                + "(Azure) or download a CLIP model (`vision-search model download`) for text queries");
    }

    @Override
    public boolean supportsText() {
        return false;
    }

    @Override
    public String modelId() {
        return MODEL_ID;
    }

    @Override
    public int dimensions() {
        return DIMENSIONS;
    }

    /** Returns one image per call and one call per core: the work is decoding and counting, all CPU. */
    @Override
    public CallPlan callPlan() {
        return new CallPlan(1, Runtime.getRuntime().availableProcessors());
    }

    @Override
    public void close() {
        closed.set(true);
    }

    private void requireOpen() {
        if (closed.get()) {
            throw new IllegalStateException("this ImageFeatureEmbedder is closed");
        }
    }

    /** Computes the descriptor of {@code image}. */
    static float[] describe(BufferedImage image) {
        int sw = image.getWidth();
        int sh = image.getHeight();
        double scale = Math.min(1.0, (double) WORK_SIDE / Math.max(sw, sh));
        int w = Math.max(2, (int) Math.round(sw * scale));
        int h = Math.max(2, (int) Math.round(sh * scale));
        float[][] rgb = downscale(image, w, h);
        float[] r = rgb[0];
        float[] g = rgb[1];
        float[] b = rgb[2];

        double[] vector = new double[DIMENSIONS];
        // Colour: HSV per pixel, accumulated into the whole-image block and the pixel's quadrant.
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int i = y * w + x;
                int quadrant = 1 + (y * 2 / h) * 2 + (x * 2 / w);
                addColour(vector, 0, r[i], g[i], b[i]);
                addColour(vector, quadrant * COLOUR_BLOCK, r[i], g[i], b[i]);
            }
        }
        for (int region = 0; region < REGIONS; region++) {
            hellinger(vector, region * COLOUR_BLOCK, COLOUR_BLOCK);
        }

        // Edges: Sobel on luminance, magnitude-weighted unsigned orientation, soft over neighbouring bins.
        float[] lum = new float[w * h];
        for (int i = 0; i < lum.length; i++) {
            lum[i] = 0.299f * r[i] + 0.587f * g[i] + 0.114f * b[i];
        }
        int[] pixelsPerRegion = new int[REGIONS];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int quadrant = 1 + (y * 2 / h) * 2 + (x * 2 / w);
                pixelsPerRegion[0]++;
                pixelsPerRegion[quadrant]++;
                if (x == 0 || y == 0 || x == w - 1 || y == h - 1) {
                    continue;
                }
                double gx = (lum[(y - 1) * w + x + 1] + 2 * lum[y * w + x + 1] + lum[(y + 1) * w + x + 1])
                        - (lum[(y - 1) * w + x - 1] + 2 * lum[y * w + x - 1] + lum[(y + 1) * w + x - 1]);
                double gy = (lum[(y + 1) * w + x - 1] + 2 * lum[(y + 1) * w + x] + lum[(y + 1) * w + x + 1])
                        - (lum[(y - 1) * w + x - 1] + 2 * lum[(y - 1) * w + x] + lum[(y - 1) * w + x + 1]);
                double magnitude = Math.sqrt(gx * gx + gy * gy);
                if (magnitude < 1e-6) {
                    continue;
                }
                double angle = Math.atan2(gy, gx);
                if (angle < 0) {
                    angle += Math.PI;
                }
                double pos = angle / Math.PI * EDGE_BINS - 0.5;
                int lo = (int) Math.floor(pos);
                double frac = pos - lo;
                int binLo = Math.floorMod(lo, EDGE_BINS);
                int binHi = Math.floorMod(lo + 1, EDGE_BINS);
                double density = Math.min(1.0, magnitude / EDGE_DENSITY_SCALE);
                for (int region = 0; region <= quadrant; region += quadrant) {
                    int base = COLOUR_DIMS + region * EDGE_BLOCK;
                    vector[base + binLo] += magnitude * (1 - frac);
                    vector[base + binHi] += magnitude * frac;
                    vector[base + EDGE_BINS] += density;
                }
            }
        }
        for (int region = 0; region < REGIONS; region++) {
            int base = COLOUR_DIMS + region * EDGE_BLOCK;
            // The density bin is the mean edge strength of the region, on the same scale as the normalised orientations.
            double density = vector[base + EDGE_BINS] / Math.max(1, pixelsPerRegion[region]);
            double norm = 0;
            for (int k = 0; k < EDGE_BINS; k++) {
                norm += vector[base + k] * vector[base + k];
            }
            norm = Math.sqrt(norm);
            for (int k = 0; k < EDGE_BINS; k++) {
                vector[base + k] = norm > 0 ? vector[base + k] / norm : 0;
            }
            vector[base + EDGE_BINS] = Math.sqrt(density);
            double blockNorm = 0;
            for (int k = 0; k < EDGE_BLOCK; k++) {
                blockNorm += vector[base + k] * vector[base + k];
            }
            blockNorm = Math.sqrt(blockNorm);
            for (int k = 0; k < EDGE_BLOCK; k++) {
                vector[base + k] = blockNorm > 0 ? vector[base + k] / blockNorm : 0;
            }
        }

        // Each part has REGIONS unit blocks; weight the parts, then make the whole unit length.
        float[] out = new float[DIMENSIONS];
        double colourScale = COLOUR_WEIGHT / Math.sqrt(REGIONS);
        double edgeScale = EDGE_WEIGHT / Math.sqrt(REGIONS);
        for (int i = 0; i < DIMENSIONS; i++) {
            out[i] = (float) (vector[i] * (i < COLOUR_DIMS ? colourScale : edgeScale));
        }
        if (Vectors.norm(out) == 0) {
            // Cannot happen (colour blocks are never empty), but a zero vector would break cosine.
            throw new IllegalStateException("image descriptor is all zeros");
        }
        return Vectors.normalize(out);
    }

    /** Box-filters {@code image} to {@code w} x {@code h}; returns r, g, b planes in 0..1. */
    private static float[][] downscale(BufferedImage image, int w, int h) {
        int sw = image.getWidth();
        int sh = image.getHeight();
        int[] row = new int[sw];
        double[] sumR = new double[w * h];
        double[] sumG = new double[w * h];
        double[] sumB = new double[w * h];
        int[] count = new int[w * h];
        int[] targetX = new int[sw];
        for (int x = 0; x < sw; x++) {
            targetX[x] = Math.min(w - 1, (int) ((long) x * w / sw));
        }
        // 8-bit sRGB (or grey) images are read from the raster directly: getRGB's per-pixel colour-model
        // conversion is about half of the whole descriptor's time otherwise.
        int bands = rawBands(image);
        int[] samples = bands > 0 ? new int[sw * image.getRaster().getNumBands()] : null;
        for (int y = 0; y < sh; y++) {
            int ty = Math.min(h - 1, (int) ((long) y * h / sh));
            int base = ty * w;
            if (samples != null) {
                image.getRaster().getPixels(0, y, sw, 1, samples);
                int stride = image.getRaster().getNumBands();
                for (int x = 0, k = 0; x < sw; x++, k += stride) {
                    int t = base + targetX[x];
                    if (bands == 1) {
                        sumR[t] += samples[k];
                        sumG[t] += samples[k];
                        sumB[t] += samples[k];
                    } else {
                        sumR[t] += samples[k];
                        sumG[t] += samples[k + 1];
                        sumB[t] += samples[k + 2];
                    }
                    count[t]++;
                }
                continue;
            }
            image.getRGB(0, y, sw, 1, row, 0, sw);
            for (int x = 0; x < sw; x++) {
                int argb = row[x];
                int t = base + targetX[x];
                sumR[t] += (argb >> 16) & 0xFF;
                sumG[t] += (argb >> 8) & 0xFF;
                sumB[t] += argb & 0xFF;
                count[t]++;
            }
        }
        float[][] out = new float[3][w * h];
        for (int i = 0; i < w * h; i++) {
            double n = Math.max(1, count[i]) * 255.0;
            out[0][i] = (float) (sumR[i] / n);
            out[1][i] = (float) (sumG[i] / n);
            out[2][i] = (float) (sumB[i] / n);
        }
        return out;
    }

    /**
     * Returns 3 if the raster's first three bands are 8-bit sRGB red, green, blue; 1 if it is 8-bit
     * grey; 0 if pixels must go through {@link BufferedImage#getRGB} (palettes, 16-bit, other spaces).
     */
    private static int rawBands(BufferedImage image) {
        java.awt.image.ColorModel cm = image.getColorModel();
        if (!(cm instanceof java.awt.image.ComponentColorModel || cm instanceof java.awt.image.DirectColorModel)) {
            return 0;
        }
        for (int bits : cm.getComponentSize()) {
            if (bits != 8) {
                return 0;
            }
        }
        java.awt.color.ColorSpace cs = cm.getColorSpace();
        if (cm.getNumColorComponents() == 3 && cs.isCS_sRGB()) {
            return 3;
        }
        if (cm.getNumColorComponents() == 1 && cs.getType() == java.awt.color.ColorSpace.TYPE_GRAY) {
            return 1;
        }
        return 0;
    }

    /** Adds one pixel to the colour histogram starting at {@code base}, hue soft-assigned to its two nearest bins. */
    private static void addColour(double[] hist, int base, float r, float g, float b) {
        float max = Math.max(r, Math.max(g, b));
        float min = Math.min(r, Math.min(g, b));
        float delta = max - min;
        double hue;
        if (delta <= 0) {
            hue = 0;
        } else if (max == r) {
            hue = ((g - b) / delta) % 6;
        } else if (max == g) {
            hue = (b - r) / delta + 2;
        } else {
            hue = (r - g) / delta + 4;
        }
        hue = hue < 0 ? hue + 6 : hue; // 0..6
        double sat = max <= 0 ? 0 : delta / max;
        int s = Math.min(SAT_BINS - 1, (int) (sat * SAT_BINS));
        int v = Math.min(VAL_BINS - 1, (int) (max * VAL_BINS));
        double pos = hue / 6 * HUE_BINS - 0.5;
        int lo = (int) Math.floor(pos);
        double frac = pos - lo;
        int hLo = Math.floorMod(lo, HUE_BINS);
        int hHi = Math.floorMod(lo + 1, HUE_BINS);
        hist[base + (hLo * SAT_BINS + s) * VAL_BINS + v] += 1 - frac;
        hist[base + (hHi * SAT_BINS + s) * VAL_BINS + v] += frac;
    }

    /** L1-normalises {@code len} entries from {@code base}, then takes square roots, giving a unit-length block. */
    private static void hellinger(double[] v, int base, int len) {
        double sum = 0;
        for (int i = base; i < base + len; i++) {
            sum += v[i];
        }
        for (int i = base; i < base + len; i++) {
            v[i] = sum > 0 ? Math.sqrt(v[i] / sum) : 0;
        }
    }
}
