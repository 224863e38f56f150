package visionsearch.embed;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.awt.image.DataBufferInt;
import java.awt.image.Raster;

/**
 * CLIP's image preprocessing, matching the reference ({@code torchvision} over Pillow):
 * RGB, resize the shorter side to 224 with Pillow's bicubic (antialiased when shrinking, 8-bit
 * intermediate, as {@code ImagingResample}), centre crop 224 (torchvision's rounding), scale to
 * [0, 1] and normalise with CLIP's mean and std. Output is channel-first float32 [3, 224, 224].
 *
 * <p>Only the pixels of the centre crop are computed: each output pixel of Pillow's two-pass filter
 * depends only on its own row and column coefficients, so the cropped result is identical.
 */
final class ClipPreprocessor {
    /** Side of the square model input. */
    static final int SIZE = 224;
    /** Floats per image: 3 x 224 x 224. */
    static final int FLOATS = 3 * SIZE * SIZE;
    static final float[] MEAN = {0.48145466f, 0.4578275f, 0.40821073f};
    static final float[] STD = {0.26862954f, 0.26130258f, 0.27577711f};

    private static final int PRECISION_BITS = 32 - 8 - 2;
    private static final double BICUBIC_SUPPORT = 2.0;
    /** (v / 255 - mean) / std for every byte value and channel, computed in float32 as torchvision does. */
    private static final float[][] NORMALISED = new float[3][256];

    static {
        for (int c = 0; c < 3; c++) {
            for (int v = 0; v < 256; v++) {
                NORMALISED[c][v] = (v / 255f - MEAN[c]) / STD[c];
            }
        }
    }

    private ClipPreprocessor() {
    }

    /** Writes the normalised [3, 224, 224] pixel values of {@code image} into {@code out} at {@code offset}. */
    static void pixelValues(BufferedImage image, float[] out, int offset) {
        int[][] planes = resizedCropPlanes(image);
        int plane = SIZE * SIZE;
        for (int c = 0; c < 3; c++) {
            int[] values = planes[c];
            float[] lut = NORMALISED[c];
            int base = offset + c * plane;
            for (int i = 0; i < plane; i++) {
                out[base + i] = lut[values[i]];
            }
        }
    }

    /** Returns the normalised [3, 224, 224] pixel values of {@code image}. */
    static float[] pixelValues(BufferedImage image) {
        float[] out = new float[FLOATS];
        pixelValues(image, out, 0);
        return out;
    }

    /** Returns the 224 x 224 centre crop of the resized image as packed 0xRRGGBB, row by row. */
    static int[] resizedCrop(BufferedImage image) {
        int[][] planes = resizedCropPlanes(image);
        int[] out = new int[SIZE * SIZE];
        for (int i = 0; i < out.length; i++) {
            out[i] = planes[0][i] << 16 | planes[1][i] << 8 | planes[2][i];
        }
        return out;
    }

    /** Returns the 224 x 224 centre crop of the resized image as three planes (R, G, B) of 0..255. */
    static int[][] resizedCropPlanes(BufferedImage image) {
        int w = image.getWidth();
        int h = image.getHeight();
        int[] size = resizedSize(w, h);
        int newW = size[0];
        int newH = size[1];
        int left = cropOffset(newW);
        int top = cropOffset(newH);
        Coefficients rows = newH == h ? null : Coefficients.of(h, newH, top, SIZE);
        // Horizontal pass first, over the input rows the vertical pass reads (as Pillow does).
        int firstRow = rows == null ? top : rows.bounds[0];
        int lastRow = rows == null ? top + SIZE : rows.bounds[2 * (SIZE - 1)] + rows.bounds[2 * (SIZE - 1) + 1];
        int tempRows = lastRow - firstRow;
        int[][] temp = new int[3][SIZE * tempRows];
        Source source = Source.of(image, firstRow, lastRow);
        if (newW == w) {
            source.copyColumns(left, temp);
        } else {
            source.horizontal(Coefficients.of(w, newW, left, SIZE), temp);
        }
        if (rows == null) {
            return temp;
        }
        int[][] out = new int[3][SIZE * SIZE];
        int[] acc = new int[SIZE];
        for (int c = 0; c < 3; c++) {
            int[] in = temp[c];
            int[] res = out[c];
            for (int y = 0; y < SIZE; y++) {
                int min = rows.bounds[2 * y] - firstRow;
                int count = rows.bounds[2 * y + 1];
                int k = y * rows.ksize;
                java.util.Arrays.fill(acc, 1 << (PRECISION_BITS - 1));
                for (int i = 0; i < count; i++) {
                    int coefficient = rows.kk[k + i];
                    int rowStart = (min + i) * SIZE;
                    for (int x = 0; x < SIZE; x++) {
                        acc[x] += in[rowStart + x] * coefficient;
                    }
                }
                int outStart = y * SIZE;
                for (int x = 0; x < SIZE; x++) {
                    res[outStart + x] = clip8(acc[x]);
                }
            }
        }
        return out;
    }

    /** The input rows firstRow..lastRow-1, read in the image's own layout where it is a common one. */
    private abstract static class Source {
        final int width;
        final int firstRow;
        final int rows;

        Source(int width, int firstRow, int lastRow) {
            this.width = width;
            this.firstRow = firstRow;
            this.rows = lastRow - firstRow;
        }

        static Source of(BufferedImage image, int firstRow, int lastRow) {
            int type = image.getType();
            Raster raster = image.getRaster();
            if ((type == BufferedImage.TYPE_3BYTE_BGR || type == BufferedImage.TYPE_4BYTE_ABGR) && simpleLayout(raster)) {
                return new ByteSource(((DataBufferByte) raster.getDataBuffer()).getData(),
                        type == BufferedImage.TYPE_3BYTE_BGR ? 3 : 4, image.getWidth(), firstRow, lastRow);
            }
            if ((type == BufferedImage.TYPE_INT_RGB || type == BufferedImage.TYPE_INT_ARGB) && simpleLayout(raster)) {
                return new IntSource(((DataBufferInt) raster.getDataBuffer()).getData(), 0, image.getWidth(),
                        firstRow, lastRow);
            }
            // Anything else: convert only the rows needed, the way Pillow's convert("RGB") would.
            int[] packed = rgb(image, firstRow, lastRow);
            return new IntSource(packed, firstRow, image.getWidth(), firstRow, lastRow);
        }

        abstract void copyColumns(int left, int[][] temp);

        /** Runs Pillow's horizontal pass over the rows into three row-major planes of 224 columns. */
        abstract void horizontal(Coefficients cols, int[][] temp);

    }

    /** Interleaved B, G, R (and A first, for ABGR) bytes. */
    private static final class ByteSource extends Source {
        private final byte[] data;
        private final int step;
        private final int skip;

        ByteSource(byte[] data, int step, int width, int firstRow, int lastRow) {
            super(width, firstRow, lastRow);
            this.data = data;
            this.step = step;
            this.skip = step - 3;
        }

        @Override
        void copyColumns(int left, int[][] temp) {
            for (int y = 0; y < rows; y++) {
                int j = ((y + firstRow) * width + left) * step + skip;
                int o = y * SIZE;
                for (int x = 0; x < SIZE; x++, j += step) {
                    temp[2][o + x] = data[j] & 0xFF;
                    temp[1][o + x] = data[j + 1] & 0xFF;
                    temp[0][o + x] = data[j + 2] & 0xFF;
                }
            }
        }

        @Override
        void horizontal(Coefficients cols, int[][] temp) {
            int[] tr = temp[0];
            int[] tg = temp[1];
            int[] tb = temp[2];
            int[] kk = cols.kk;
            for (int y = 0; y < rows; y++) {
                int rowStart = (y + firstRow) * width;
                int o = y * SIZE;
                for (int x = 0; x < SIZE; x++) {
                    int count = cols.bounds[2 * x + 1];
                    int k = x * cols.ksize;
                    int j = (rowStart + cols.bounds[2 * x]) * step + skip;
                    int r = 1 << (PRECISION_BITS - 1);
                    int g = r;
                    int b = r;
                    for (int i = 0; i < count; i++, j += step) {
                        int c = kk[k + i];
                        b += (data[j] & 0xFF) * c;
                        g += (data[j + 1] & 0xFF) * c;
                        r += (data[j + 2] & 0xFF) * c;
                    }
                    tr[o + x] = clip8(r);
                    tg[o + x] = clip8(g);
                    tb[o + x] = clip8(b);
                }
            }
        }
    }

    /** Packed 0x..RRGGBB ints; {@code rowBase} is the image row at index 0 of {@code data}. */
    private static final class IntSource extends Source {
        private final int[] data;
        private final int rowBase;

        IntSource(int[] data, int rowBase, int width, int firstRow, int lastRow) {
            super(width, firstRow, lastRow);
            this.data = data;
            this.rowBase = rowBase;
        }

        @Override
        void copyColumns(int left, int[][] temp) {
            for (int y = 0; y < rows; y++) {
                int j = (y + firstRow - rowBase) * width + left;
                int o = y * SIZE;
                for (int x = 0; x < SIZE; x++) {
                    int p = data[j + x];
                    temp[0][o + x] = (p >> 16) & 0xFF;
                    temp[1][o + x] = (p >> 8) & 0xFF;
                    temp[2][o + x] = p & 0xFF;
                }
            }
        }

        @Override
        void horizontal(Coefficients cols, int[][] temp) {
            int[] kk = cols.kk;
            for (int y = 0; y < rows; y++) {
                int rowStart = (y + firstRow - rowBase) * width;
                int o = y * SIZE;
                for (int x = 0; x < SIZE; x++) {
                    int count = cols.bounds[2 * x + 1];
                    int k = x * cols.ksize;
                    int j = rowStart + cols.bounds[2 * x];
                    int r = 1 << (PRECISION_BITS - 1);
                    int g = r;
                    int b = r;
                    for (int i = 0; i < count; i++) {
                        int p = data[j + i];
                        int c = kk[k + i];
                        r += ((p >> 16) & 0xFF) * c;
                        g += ((p >> 8) & 0xFF) * c;
                        b += (p & 0xFF) * c;
                    }
                    temp[0][o + x] = clip8(r);
                    temp[1][o + x] = clip8(g);
                    temp[2][o + x] = clip8(b);
                }
            }
        }
    }

    /** torchvision's Resize(224) size: the shorter side becomes 224, the longer int(224 * long / short). */
    static int[] resizedSize(int w, int h) {
        if (w <= h) {
            return new int[] {SIZE, (int) ((double) SIZE * h / w)};
        }
        return new int[] {(int) ((double) SIZE * w / h), SIZE};
    }

    /** torchvision's CenterCrop offset: int(round((size - 224) / 2.0)), rounding half to even. */
    static int cropOffset(int size) {
        return (int) Math.rint((size - SIZE) / 2.0);
    }

    private static int clip8(int v) {
        int s = v >> PRECISION_BITS;
        return s < 0 ? 0 : Math.min(s, 255);
    }

    /** Pillow's bicubic kernel, a = -0.5. */
    private static double bicubic(double x) {
        double a = -0.5;
        x = Math.abs(x);
        if (x < 1.0) {
            return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
        }
        if (x < 2.0) {
            return (((x - 5) * x + 8) * x - 4) * a;
        }
        return 0.0;
    }

    /** Pillow's precompute_coeffs + normalize_coeffs_8bpc, for output positions first..first+count-1. */
    private static final class Coefficients {
        final int ksize;
        final int[] bounds; // per output: first input index, number of taps
        final int[] kk;     // per output: ksize fixed-point weights

        private Coefficients(int ksize, int[] bounds, int[] kk) {
            this.ksize = ksize;
            this.bounds = bounds;
            this.kk = kk;
        }

        static Coefficients of(int inSize, int outSize, int first, int count) {
            double scale = (double) inSize / outSize;
            double filterScale = Math.max(scale, 1.0);
            double support = BICUBIC_SUPPORT * filterScale;
            int ksize = (int) Math.ceil(support) * 2 + 1;
            int[] bounds = new int[2 * count];
            int[] kk = new int[count * ksize];
            double[] weights = new double[ksize];
            for (int j = 0; j < count; j++) {
                int xx = first + j;
                double center = (xx + 0.5) * scale;
                double ss = 1.0 / filterScale;
                int xmin = (int) (center - support + 0.5);
                if (xmin < 0) {
                    xmin = 0;
                }
                int xmax = (int) (center + support + 0.5);
                if (xmax > inSize) {
                    xmax = inSize;
                }
                xmax -= xmin;
                double ww = 0.0;
                for (int x = 0; x < xmax; x++) {
                    double w = bicubic((x + xmin - center + 0.5) * ss);
                    weights[x] = w;
                    ww += w;
                }
                for (int x = 0; x < xmax; x++) {
                    double k = ww != 0.0 ? weights[x] / ww : weights[x];
                    kk[j * ksize + x] = k < 0 ? (int) (-0.5 + k * (1 << PRECISION_BITS))
                            : (int) (0.5 + k * (1 << PRECISION_BITS));
                }
                bounds[2 * j] = xmin;
                bounds[2 * j + 1] = xmax;
            }
            return new Coefficients(ksize, bounds, kk);
        }
    }

    /**
     * Returns rows firstRow..lastRow-1 as packed 0xRRGGBB (index 0 is row firstRow), as Pillow's
     * convert("RGB") would: alpha dropped, grey copied to all three channels without a colour-space
     * conversion (Java's getRGB would apply a gamma curve to linear-grey images), palettes looked up.
     * The common layouts (3BYTE_BGR, 4BYTE_ABGR, INT_RGB, INT_ARGB) never come here: {@code Source} reads them in place.
     */
    static int[] rgb(BufferedImage image, int firstRow, int lastRow) {
        int w = image.getWidth();
        int h = lastRow - firstRow;
        return rgbRows(image, image.getRaster(), firstRow, w, h, new int[w * h]);
    }

    private static int[] rgbRows(BufferedImage image, Raster raster, int firstRow, int w, int h, int[] out) {
        if (image.getColorModel().getColorSpace().getType() == ColorSpace.TYPE_GRAY
                && image.getColorModel().getComponentSize(0) <= 16) {
            int bits = image.getColorModel().getComponentSize(0);
            int[] row = new int[w];
            for (int y = 0; y < h; y++) {
                raster.getSamples(0, y + firstRow, w, 1, 0, row);
                for (int x = 0; x < w; x++) {
                    int v = bits == 8 ? row[x] : bits > 8 ? row[x] >> (bits - 8) : row[x] * 255 / ((1 << bits) - 1);
                    out[y * w + x] = v << 16 | v << 8 | v;
                }
            }
            return out;
        }
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            image.getRGB(0, y + firstRow, w, 1, row, 0, w);
            for (int x = 0; x < w; x++) {
                out[y * w + x] = row[x] & 0xFFFFFF;
            }
        }
        return out;
    }

    /** True when the raster is the image's own full buffer, without offsets or sub-image strides. */
    private static boolean simpleLayout(Raster raster) {
        return raster.getParent() == null && raster.getSampleModelTranslateX() == 0
                && raster.getSampleModelTranslateY() == 0 && raster.getDataBuffer().getNumBanks() == 1
                && raster.getDataBuffer().getOffset() == 0;
    }
}
