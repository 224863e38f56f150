package visionsearch.embed.clip;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBufferByte;
import java.awt.image.DataBufferInt;
import java.awt.image.PixelInterleavedSampleModel;
import java.awt.image.Raster;
import java.util.concurrent.ConcurrentHashMap;
import visionsearch.embed.ImageInput;

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

    /** Pillow's rounding offset, the start value of every sum. */
    private static final int HALF = 1 << (PRECISION_BITS - 1);

    private ClipPreprocessor() {
    }

    /** Writes the normalised [3, 224, 224] pixel values of {@code image} into {@code out} at {@code offset}. */
    static void pixelValues(BufferedImage image, float[] out, int offset) {
        resample(image, (y, rgb) -> {
            for (int c = 0; c < 3; c++) {
                normalise(rgb, c * SIZE, out, offset + (c * SIZE + y) * SIZE, NORMALISED[c]);
            }
        });
    }

    /** Returns the normalised [3, 224, 224] pixel values of {@code image}. */
    static float[] pixelValues(BufferedImage image) {
        float[] out = new float[FLOATS];
        pixelValues(image, out, 0);
        return out;
    }

    /** Returns the 224 x 224 centre crop of the resized image as packed 0xRRGGBB, row by row. */
    static int[] resizedCrop(BufferedImage image) {
        int[] out = new int[SIZE * SIZE];
        resample(image, (y, rgb) -> {
            for (int x = 0; x < SIZE; x++) {
                out[y * SIZE + x] = rgb[x] << 16 | rgb[SIZE + x] << 8 | rgb[2 * SIZE + x];
            }
        });
        return out;
    }

    /** Receives the output rows in order: R, G and B values (0..255) of row y, 224 each. */
    private interface RowSink {
        void row(int y, int[] rgb);
    }

    /**
     * Pillow's two-pass resample (horizontal, then vertical), restricted to the centre crop. The
     * source rows are read in strips that fit the caches; each strip goes through the horizontal pass,
     * and every output row whose vertical window is then complete is computed at once, while its
     * input rows are still in cache. The sums are exact ints, so this order changes no result.
     * The horizontal pass's rows live in a ring of one strip plus one vertical window, so that the
     * memory a large image touches stays small.
     */
    private static void resample(BufferedImage image, RowSink sink) {
        Scratch scratch = SCRATCH.get();
        Plan plan = new Plan(image);
        int rows = plan.lastRow - plan.firstRow;
        int strip = Math.max(8, Math.min(rows, STRIP_INTS / (3 * plan.width)));
        int ring = Math.min(rows, strip + (plan.rows == null ? 1 : plan.rows.ksize));
        int[][] temp = scratch.temp(ring);
        Source source = Source.of(image, plan.firstRow, plan.lastRow);
        int next = 0;
        for (int y0 = 0; y0 < rows; y0 += strip) {
            int n = Math.min(strip, rows - y0);
            if (plan.cols == null) {
                source.copyColumns(plan.left, y0, n, temp, ring);
            } else {
                horizontal(plan, source, y0, n, temp, ring, scratch);
            }
            for (; next < SIZE && plan.lastInputRow(next) <= y0 + n; next++) {
                sink.row(next, plan.rows == null ? temp[next % ring] : vertical(plan, temp, ring, next, scratch));
            }
        }
        scratch.trim();
    }

    /**
     * Pillow's horizontal pass for the strip of rows y0..y0+n-1 (relative to the plan's first row)
     * into temp[row % ring]. The strip is transposed first, so that each tap of the filter is one
     * vectorisable loop down a column (R, G and B of the strip's rows in one array).
     */
    private static void horizontal(Plan plan, Source source, int y0, int n, int[][] temp, int ring, Scratch scratch) {
        Coefficients cols = plan.cols;
        int firstCol = cols.bounds[0];
        int len = 3 * n;
        int[][] block = scratch.block(plan.width, len);
        int[] acc = scratch.stripAcc;
        int[] columns = scratch.columns;
        int[] kk = cols.kk;
        source.transpose(y0, n, firstCol, plan.width, block);
        for (int x = 0; x < SIZE; x++) {
            int min = cols.bounds[2 * x] - firstCol;
            int k = x * cols.ksize;
            filter(acc, block, min, kk, k, cols.bounds[2 * x + 1], len);
            System.arraycopy(acc, 0, columns, x * len, len);
        }
        clip(columns, SIZE * len);
        // Back to rows: the reads stride through a few cache lines, the writes are contiguous.
        for (int y = 0; y < n; y++) {
            int[] row = temp[(y0 + y) % ring];
            for (int x = 0, j = 3 * y; x < SIZE; x++, j += len) {
                row[x] = columns[j];
                row[SIZE + x] = columns[j + 1];
                row[2 * SIZE + x] = columns[j + 2];
            }
        }
    }

    /** Pillow's vertical pass for output row {@code y}, R, G and B at once: clipped 8-bit values. */
    private static int[] vertical(Plan plan, int[][] temp, int ring, int y, Scratch scratch) {
        Coefficients rows = plan.rows;
        int min = rows.bounds[2 * y] - plan.firstRow;
        int count = rows.bounds[2 * y + 1];
        int[][] window = scratch.window(count);
        for (int i = 0; i < count; i++) {
            window[i] = temp[(min + i) % ring];
        }
        int[] acc = scratch.acc;
        filter(acc, window, 0, rows.kk, y * rows.ksize, count, 3 * SIZE);
        clip(acc, 3 * SIZE);
        return acc;
    }

    /**
     * n sums of Pillow's filter: acc[j] = HALF + the sum over taps i < count of kk[k + i] x in[min + i][j].
     * Four taps per loop where it can: each loop reads and writes the sums once.
     */
    private static void filter(int[] acc, int[][] in, int min, int[] kk, int k, int count, int n) {
        int i;
        if (count >= 4) {
            first4(acc, in[min], kk[k], in[min + 1], kk[k + 1], in[min + 2], kk[k + 2], in[min + 3], kk[k + 3], n);
            i = 4;
        } else {
            first(acc, in[min], kk[k], n);
            i = 1;
        }
        for (; i + 3 < count; i += 4) {
            add4(acc, in[min + i], kk[k + i], in[min + i + 1], kk[k + i + 1], in[min + i + 2], kk[k + i + 2],
                    in[min + i + 3], kk[k + i + 3], n);
        }
        for (; i + 1 < count; i += 2) {
            add2(acc, in[min + i], kk[k + i], in[min + i + 1], kk[k + i + 1], n);
        }
        if (i < count) {
            add(acc, in[min + i], kk[k + i], n);
        }
    }

    // The kernels are small methods of their own, over whole arrays from index 0, so that the JIT
    // compiles and vectorises each (C2 in JDK 17 does not vectorise a loop reading in[from + i]).

    /** acc[j] = HALF + in[j] * c for j < n: the first tap. */
    private static void first(int[] acc, int[] in, int c, int n) {
        for (int j = 0; j < n; j++) {
            acc[j] = HALF + in[j] * c;
        }
    }

    /** acc[j] = HALF + a[j] * ca + b[j] * cb + c[j] * cc + d[j] * cd for j < n: the first four taps. */
    private static void first4(int[] acc, int[] a, int ca, int[] b, int cb, int[] c, int cc, int[] d, int cd, int n) {
        for (int j = 0; j < n; j++) {
            acc[j] = HALF + a[j] * ca + b[j] * cb + c[j] * cc + d[j] * cd;
        }
    }

    /** acc[j] += in[j] * c for j < n: one more tap. */
    private static void add(int[] acc, int[] in, int c, int n) {
        for (int j = 0; j < n; j++) {
            acc[j] += in[j] * c;
        }
    }

    /** acc[j] += a[j] * ca + b[j] * cb for j < n: two more taps. */
    private static void add2(int[] acc, int[] a, int ca, int[] b, int cb, int n) {
        for (int j = 0; j < n; j++) {
            acc[j] += a[j] * ca + b[j] * cb;
        }
    }

    /** acc[j] += a[j] * ca + b[j] * cb + c[j] * cc + d[j] * cd for j < n: four more taps. */
    private static void add4(int[] acc, int[] a, int ca, int[] b, int cb, int[] c, int cc, int[] d, int cd, int n) {
        for (int j = 0; j < n; j++) {
            acc[j] += a[j] * ca + b[j] * cb + c[j] * cc + d[j] * cd;
        }
    }

    /**
     * Turns n sums into 8-bit values, as Pillow's clip8: below 0 -> 0, above 255 -> 255. Written with
     * shifts and masks instead of Math.min/max, which JDK 17's C2 does not vectorise for ints (4-5x slower).
     */
    private static void clip(int[] acc, int n) {
        for (int i = 0; i < n; i++) {
            int v = acc[i] >> PRECISION_BITS;
            v &= ~(v >> 31);
            int over = (255 - v) >> 31;
            acc[i] = (v & ~over) | (over & 255);
        }
    }

    /** 224 values of 0..255 from values[from]: scaled to [0, 1] and normalised, as float32 (a table look-up). */
    private static void normalise(int[] values, int from, float[] out, int at, float[] table) {
        for (int x = 0; x < SIZE; x++) {
            out[at + x] = table[values[from + x]];
        }
    }

    /** Sizes, crop and coefficients of one image: which input rows and columns the centre crop reads. */
    private static final class Plan {
        final Coefficients rows;
        final Coefficients cols;
        final int left;
        final int firstRow;
        final int lastRow;
        /** Number of input columns the crop reads. */
        final int width;

        Plan(BufferedImage image) {
            int w = image.getWidth();
            int h = image.getHeight();
            int[] size = resizedSize(w, h);
            left = cropOffset(size[0]);
            int top = cropOffset(size[1]);
            rows = size[1] == h ? null : Coefficients.cached(h, size[1], top);
            cols = size[0] == w ? null : Coefficients.cached(w, size[0], left);
            firstRow = rows == null ? top : rows.bounds[0];
            lastRow = rows == null ? top + SIZE : rows.bounds[2 * (SIZE - 1)] + rows.bounds[2 * (SIZE - 1) + 1];
            width = cols == null ? SIZE : cols.bounds[2 * (SIZE - 1)] + cols.bounds[2 * (SIZE - 1) + 1] - cols.bounds[0];
        }

        /** One past the last input row (relative to firstRow) that output row y reads. */
        int lastInputRow(int y) {
            return rows == null ? y + 1 : rows.bounds[2 * y] + rows.bounds[2 * y + 1] - firstRow;
        }
    }

    /** Rows transposed together: their cache lines stay in L1 while the columns are read. */
    private static final int TILE = 16;

    /** About how many ints a transposed strip of source rows holds (R, G and B; fits the caches). */
    private static final int STRIP_INTS = 1 << 16;

    /** Per-thread work buffers, so that preprocessing a stream of images allocates almost nothing. */
    private static final class Scratch {
        /** The vertical pass's sums: R, G and B of one output row. */
        final int[] acc = new int[3 * SIZE];
        /** A ring of the horizontal pass's rows: R, G and B, 224 values each. */
        int[][] temp = new int[0][];
        /** The rows of one vertical window, in order. */
        int[][] window = new int[0][];
        /** A strip of source rows transposed: one array per column, R rows then G rows then B rows. */
        int[][] block = new int[0][];
        /** The horizontal pass's sums for one column of a strip. */
        int[] stripAcc = new int[0];
        /** The horizontal pass's result for a strip, column after column. */
        int[] columns = new int[0];

        int[][] temp(int rows) {
            if (temp.length < rows) {
                temp = new int[rows][3 * SIZE];
            }
            return temp;
        }

        int[][] window(int rows) {
            if (window.length < rows) {
                window = new int[rows][];
            }
            return window;
        }

        int[][] block(int cols, int len) {
            if (block.length < cols || block[0].length < len) {
                block = new int[Math.max(cols, block.length)][Math.max(len, block.length == 0 ? 0 : block[0].length)];
                stripAcc = new int[block[0].length];
                columns = new int[SIZE * block[0].length];
            }
            return block;
        }

        /**
         * Lets go of buffers that an unusually large image needed, so that threads do not keep them.
         * The block may hold up to 8 strips' worth: images of different shapes take turns without
         * allocating again (the block grows to the widest image and the longest strip seen).
         */
        void trim() {
            if (temp.length > KEEP_ROWS) {
                temp = new int[0][];
            }
            if (block.length > 0 && (long) block.length * block[0].length > 8L * STRIP_INTS) {
                block = new int[0][];
                stripAcc = new int[0];
                columns = new int[0];
            }
        }
    }

    /** Rows of the ring a thread keeps between images (one strip plus the longest vertical window, about). */
    private static final int KEEP_ROWS = 1024;

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

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
            // Interleaved 8-bit sRGB bytes in any band order: TYPE_3BYTE_BGR, TYPE_4BYTE_ABGR, and the
            // R, G, B order ImageInput.decode() gives JPEGs and RGB PNGs.
            if (raster.getSampleModel() instanceof PixelInterleavedSampleModel sm
                    && raster.getDataBuffer() instanceof DataBufferByte bytes && isRgb8(image.getColorModel())
                    && simpleLayout(raster)) {
                int[] bands = sm.getBandOffsets();
                return new ByteSource(bytes.getData(), sm.getPixelStride(), sm.getScanlineStride(), bands,
                        image.getWidth(), firstRow, lastRow);
            }
            if ((type == BufferedImage.TYPE_INT_RGB || type == BufferedImage.TYPE_INT_ARGB) && simpleLayout(raster)) {
                return new IntSource(((DataBufferInt) raster.getDataBuffer()).getData(), 0, image.getWidth(),
                        firstRow, lastRow);
            }
            // Anything else: convert only the rows needed, the way Pillow's convert("RGB") would.
            int[] packed = rgb(image, firstRow, lastRow);
            return new IntSource(packed, firstRow, image.getWidth(), firstRow, lastRow);
        }

        /** Copies the 224 columns from {@code left} of rows y0..y0+n-1 into temp[row % ring]: R, G, B, 224 each. */
        abstract void copyColumns(int left, int y0, int n, int[][] temp, int ring);

        /**
         * Writes rows y0..y0+n-1 (relative to firstRow) of columns firstCol..firstCol+cols-1 into
         * block[column - firstCol][channel * n + row - y0].
         */
        abstract void transpose(int y0, int n, int firstCol, int cols, int[][] block);
    }

    /** Interleaved bytes: {@code step} per pixel, R, G and B at the given offsets within a pixel. */
    private static final class ByteSource extends Source {
        private final byte[] data;
        private final int step;
        private final int stride;
        private final int r;
        private final int g;
        private final int b;

        ByteSource(byte[] data, int step, int stride, int[] bandOffsets, int width, int firstRow, int lastRow) {
            super(width, firstRow, lastRow);
            this.data = data;
            this.step = step;
            this.stride = stride;
            this.r = bandOffsets[0];
            this.g = bandOffsets[1];
            this.b = bandOffsets[2];
        }

        @Override
        void copyColumns(int left, int y0, int n, int[][] temp, int ring) {
            for (int y = y0; y < y0 + n; y++) {
                int j = (y + firstRow) * stride + left * step;
                int[] row = temp[y % ring];
                for (int x = 0; x < SIZE; x++, j += step) {
                    row[x] = data[j + r] & 0xFF;
                    row[SIZE + x] = data[j + g] & 0xFF;
                    row[2 * SIZE + x] = data[j + b] & 0xFF;
                }
            }
        }

        @Override
        void transpose(int y0, int n, int firstCol, int cols, int[][] block) {
            // Column by column within a few rows at a time: the reads stride through TILE cache lines,
            // which the next columns reuse (few enough not to evict each other when the stride is a
            // power of two), and the writes are contiguous.
            for (int t = 0; t < n; t += TILE) {
                int end = Math.min(n, t + TILE);
                int start = (y0 + t + firstRow) * stride + firstCol * step;
                for (int x = 0; x < cols; x++) {
                    int[] column = block[x];
                    int j = start + x * step;
                    for (int y = t; y < end; y++, j += stride) {
                        column[3 * y] = data[j + r] & 0xFF;
                        column[3 * y + 1] = data[j + g] & 0xFF;
                        column[3 * y + 2] = data[j + b] & 0xFF;
                    }
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
        void copyColumns(int left, int y0, int n, int[][] temp, int ring) {
            for (int y = y0; y < y0 + n; y++) {
                int j = (y + firstRow - rowBase) * width + left;
                int[] row = temp[y % ring];
                for (int x = 0; x < SIZE; x++) {
                    int p = data[j + x];
                    row[x] = (p >> 16) & 0xFF;
                    row[SIZE + x] = (p >> 8) & 0xFF;
                    row[2 * SIZE + x] = p & 0xFF;
                }
            }
        }

        @Override
        void transpose(int y0, int n, int firstCol, int cols, int[][] block) {
            for (int t = 0; t < n; t += TILE) {
                int end = Math.min(n, t + TILE);
                int start = (y0 + t + firstRow - rowBase) * width + firstCol;
                for (int x = 0; x < cols; x++) {
                    int[] column = block[x];
                    int j = start + x;
                    for (int y = t; y < end; y++, j += width) {
                        int p = data[j];
                        column[3 * y] = (p >> 16) & 0xFF;
                        column[3 * y + 1] = (p >> 8) & 0xFF;
                        column[3 * y + 2] = p & 0xFF;
                    }
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

        /** At most this many tables are kept; a collection of many sizes just computes again. */
        private static final int CACHE_LIMIT = 256;
        private static final ConcurrentHashMap<Long, Coefficients> CACHE = new ConcurrentHashMap<>();

        /** The 224 tables from output index {@code first}, computed once per (inSize, outSize, first). */
        static Coefficients cached(int inSize, int outSize, int first) {
            Long key = ((long) inSize << 42) | ((long) outSize << 21) | first;
            Coefficients c = CACHE.get(key);
            if (c == null) {
                c = of(inSize, outSize, first, SIZE);
                if (CACHE.size() >= CACHE_LIMIT) {
                    CACHE.clear();
                }
                CACHE.put(key, c);
            }
            return c;
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
     * Interleaved 8-bit sRGB bytes (3BYTE_BGR, 4BYTE_ABGR, R-G-B) and INT_RGB / INT_ARGB never come here:
     * {@code Source} reads them in place.
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

    /** True for 8-bit sRGB colour (alpha, if any, not premultiplied): what ByteSource reads as it is. */
    private static boolean isRgb8(ColorModel cm) {
        if (!(cm instanceof ComponentColorModel) || !cm.getColorSpace().isCS_sRGB() || cm.getNumColorComponents() != 3
                || cm.isAlphaPremultiplied()) {
            return false;
        }
        for (int bits : cm.getComponentSize()) {
            if (bits != 8) {
                return false;
            }
        }
        return true;
    }

    /** True when the raster is the image's own full buffer, without offsets or sub-image strides. */
    private static boolean simpleLayout(Raster raster) {
        return raster.getParent() == null && raster.getSampleModelTranslateX() == 0
                && raster.getSampleModelTranslateY() == 0 && raster.getDataBuffer().getNumBanks() == 1
                && raster.getDataBuffer().getOffset() == 0;
    }
}
