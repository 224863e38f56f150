package visionsearch.embed;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class ImageInputTest {

    static byte[] image(String format, int width, int height) {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.ORANGE);
        g.fillRect(0, 0, width, height);
        g.setColor(Color.BLUE);
        g.fillOval(width / 4, height / 4, Math.max(1, width / 2), Math.max(1, height / 2));
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(img, format, out)) {
                throw new IllegalStateException("no writer for " + format);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    @ParameterizedTest(name = "{0} {1}x{2}")
    @CsvSource({
        "png, 64, 48, PNG",
        "jpg, 33, 200, JPEG",
        "gif, 11, 11, GIF",
        "bmp, 120, 15, BMP",
        "tiff, 40, 30, TIFF",
        "png, 15999, 11, PNG"
    })
    void acceptsEachFormatAndReadsItsSize(String writer, int width, int height, ImageFormat format) {
        ImageInput in = ImageInput.of(image(writer, width, height));
        assertEquals(format, in.format());
        assertEquals(width, in.width());
        assertEquals(height, in.height());
        assertFalse(in.isUrl());
        assertEquals(width, in.decode().getWidth());
    }

    static Stream<Arguments> badDimensions() {
        return Stream.of(Arguments.of(10, 50), Arguments.of(50, 10), Arguments.of(5, 5),
                Arguments.of(16000, 20), Arguments.of(20, 16000));
    }

    @ParameterizedTest(name = "{0}x{1} px is refused")
    @MethodSource("badDimensions")
    void refusesSidesOutsideElevenTo15999(int width, int height) {
        InvalidImageException e = assertThrows(InvalidImageException.class, () -> ImageInput.of(image("png", width, height)));
        assertEquals(InvalidImageException.Reason.BAD_DIMENSIONS, e.reason());
        assertTrue(e.getMessage().contains(width + "x" + height), e.getMessage());
        assertTrue(e.getMessage().contains("greater than 10") && e.getMessage().contains("less than 16000"), e.getMessage());
    }

    @Test
    void refusesEmptyInput() {
        InvalidImageException e = assertThrows(InvalidImageException.class, () -> ImageInput.of(new byte[0]));
        assertEquals(InvalidImageException.Reason.EMPTY, e.reason());
    }

    @Test
    void refusesTwentyMegabytesOrMoreBeforeDecoding() {
        byte[] big = new byte[ImageInput.MAX_BYTES];
        System.arraycopy(image("png", 20, 20), 0, big, 0, 8);
        InvalidImageException e = assertThrows(InvalidImageException.class, () -> ImageInput.of(big));
        assertEquals(InvalidImageException.Reason.TOO_LARGE, e.reason());
        assertTrue(e.getMessage().contains("20971520"), e.getMessage());
    }

    @Test
    void refusesOversizedStreamWithoutReadingItAll() {
        InputStream endless = new InputStream() {
            private long served;

            @Override
            public int read() {
                served++;
                return served <= 8 ? new int[] {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A}[(int) served - 1] : 0;
            }
        };
        InvalidImageException e = assertThrows(InvalidImageException.class, () -> ImageInput.of(endless));
        assertEquals(InvalidImageException.Reason.TOO_LARGE, e.reason());
    }

    @Test
    void refusesUnknownFormatShowingItsFirstBytes() {
        InvalidImageException e = assertThrows(InvalidImageException.class,
                () -> ImageInput.of("hello, not an image".getBytes(StandardCharsets.US_ASCII)));
        assertEquals(InvalidImageException.Reason.UNSUPPORTED_FORMAT, e.reason());
        assertTrue(e.getMessage().contains("expected one of [JPEG, PNG"), e.getMessage());
        assertTrue(e.getMessage().contains("68656c6c6f"), e.getMessage());
    }

    @Test
    void refusesACorruptHeaderAsCorrupt() {
        byte[] png = image("png", 40, 40);
        byte[] corrupt = Arrays.copyOf(png, 12);
        InvalidImageException e = assertThrows(InvalidImageException.class, () -> ImageInput.of(corrupt));
        assertEquals(InvalidImageException.Reason.CORRUPT, e.reason());
        assertTrue(e.getMessage().contains("PNG"), e.getMessage());
    }

    @Test
    void truncatedBodyPassesHeaderChecksButFailsToDecode() {
        byte[] jpeg = image("jpg", 200, 200);
        ImageInput in = ImageInput.of(Arrays.copyOf(jpeg, 700));
        // A truncated JPEG keeps its header; the decoder either fails or gives a partial image, never hangs.
        try {
            in.decode();
        } catch (InvalidImageException e) {
            assertEquals(InvalidImageException.Reason.CORRUPT, e.reason());
        }
        assertEquals(200, in.width());
    }

    @Test
    void readsWebpSizeFromEachChunkKind() {
        byte[] vp8x = new byte[30];
        put(vp8x, 0, "RIFF");
        put(vp8x, 8, "WEBPVP8X");
        int w = 640 - 1;
        int h = 480 - 1;
        vp8x[24] = (byte) w;
        vp8x[25] = (byte) (w >> 8);
        vp8x[27] = (byte) h;
        vp8x[28] = (byte) (h >> 8);
        ImageInput in = ImageInput.of(vp8x);
        assertEquals(ImageFormat.WEBP, in.format());
        assertEquals(640, in.width());
        assertEquals(480, in.height());

        byte[] lossless = new byte[30];
        put(lossless, 0, "RIFF");
        put(lossless, 8, "WEBPVP8L");
        int bits = (100 - 1) | ((50 - 1) << 14);
        lossless[21] = (byte) bits;
        lossless[22] = (byte) (bits >> 8);
        lossless[23] = (byte) (bits >> 16);
        lossless[24] = (byte) (bits >> 24);
        ImageInput l = ImageInput.of(lossless);
        assertEquals(100, l.width());
        assertEquals(50, l.height());
    }

    @Test
    void fileInputKeepsThePathAsSourceAndHashesTheBytes(@TempDir Path dir) throws IOException {
        byte[] png = image("png", 30, 20);
        Path file = dir.resolve("photo.png");
        Files.write(file, png);
        ImageInput in = ImageInput.of(file);
        assertEquals(file.toString(), in.source());
        assertArrayEquals(png, in.bytes());
        assertEquals(64, in.sha256().length());
        assertEquals(ImageInput.of(png).sha256(), in.sha256());
        assertEquals(png.length, in.size());

        InvalidImageException missing = assertThrows(InvalidImageException.class, () -> ImageInput.of(dir.resolve("nope.png")));
        assertEquals(InvalidImageException.Reason.UNREADABLE, missing.reason());
        assertTrue(missing.getMessage().contains("nope.png"));
    }

    @Test
    void streamAndBytesAreCopied() {
        byte[] png = image("png", 30, 20);
        ImageInput fromStream = ImageInput.of(new ByteArrayInputStream(png));
        assertEquals("stream", fromStream.source());
        byte[] original = png.clone();
        ImageInput in = ImageInput.of(png);
        png[20] ^= 0x7F;
        in.bytes()[20] ^= 0x7F;
        assertArrayEquals(original, in.bytes());
        assertEquals(fromStream.sha256(), in.sha256());
        assertArrayEquals(fromStream.bytes(), in.bytes());
    }

    @ParameterizedTest(name = "\"{0}\" is refused")
    @CsvSource({"ftp://example.com/a.png", "/tmp/a.png", "not a url", "https://"})
    void urlInputsMustBeAbsoluteHttp(String url) {
        InvalidImageException e = assertThrows(InvalidImageException.class, () -> ImageInput.ofUrl(url));
        assertEquals(InvalidImageException.Reason.UNREADABLE, e.reason());
    }

    @Test
    void urlInputHasNoBytesUntilFetched() {
        ImageInput in = ImageInput.ofUrl("https://example.com/cat.jpg");
        assertTrue(in.isUrl());
        assertEquals("https://example.com/cat.jpg", in.url().toString());
        IllegalStateException e = assertThrows(IllegalStateException.class, in::bytes);
        assertTrue(e.getMessage().contains("fetch"), e.getMessage());
    }

    private static void put(byte[] target, int offset, String ascii) {
        byte[] b = ascii.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(b, 0, target, offset, b.length);
    }

    /** A picture with detail in every channel, so that a swapped or shifted band would show. */
    static BufferedImage picture(int type, int width, int height) {
        BufferedImage img = new BufferedImage(width, height, type);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                img.setRGB(x, y, 0x80000000 | (x * 7 % 256) << 16 | (y * 5 % 256) << 8 | ((x ^ y) * 3 % 256));
            }
        }
        return img;
    }

    static byte[] encode(BufferedImage img, String format) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertTrue(ImageIO.write(img, format, out), "no writer for " + format);
        return out.toByteArray();
    }

    /** Progressive JPEG or interlaced (Adam7) PNG: the decoders write those in passes. */
    static byte[] progressive(BufferedImage img, String format) throws IOException {
        javax.imageio.ImageWriter writer = ImageIO.getImageWritersByFormatName(format).next();
        javax.imageio.ImageWriteParam param = writer.getDefaultWriteParam();
        param.setProgressiveMode(javax.imageio.ImageWriteParam.MODE_DEFAULT);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (javax.imageio.stream.ImageOutputStream stream = new javax.imageio.stream.MemoryCacheImageOutputStream(out)) {
            writer.setOutput(stream);
            writer.write(null, new javax.imageio.IIOImage(img, null, null), param);
        } finally {
            writer.dispose();
        }
        return out.toByteArray();
    }

    static Stream<Arguments> decodable() throws IOException {
        return Stream.of(
                Arguments.of("RGB JPEG", encode(picture(BufferedImage.TYPE_INT_RGB, 97, 61), "jpg"), true),
                Arguments.of("RGB PNG", encode(picture(BufferedImage.TYPE_INT_RGB, 97, 61), "png"), true),
                Arguments.of("progressive JPEG", progressive(picture(BufferedImage.TYPE_INT_RGB, 97, 61), "jpg"), true),
                Arguments.of("interlaced PNG", progressive(picture(BufferedImage.TYPE_INT_RGB, 97, 61), "png"), true),
                Arguments.of("16-bit PNG", encode(picture(BufferedImage.TYPE_USHORT_GRAY, 97, 61), "png"), false),
                Arguments.of("RGBA PNG", encode(picture(BufferedImage.TYPE_INT_ARGB, 97, 61), "png"), false),
                Arguments.of("grey PNG", encode(picture(BufferedImage.TYPE_BYTE_GRAY, 97, 61), "png"), false),
                Arguments.of("grey JPEG", encode(picture(BufferedImage.TYPE_BYTE_GRAY, 97, 61), "jpg"), false),
                Arguments.of("palette GIF", encode(picture(BufferedImage.TYPE_BYTE_INDEXED, 97, 61), "gif"), false),
                Arguments.of("BMP (BGR on disk; ImageIO's layout kept)", encode(picture(BufferedImage.TYPE_INT_RGB, 97, 61), "bmp"), false),
                Arguments.of("TIFF", encode(picture(BufferedImage.TYPE_INT_RGB, 97, 61), "tiff"), false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("decodable")
    void decodesToTheSamePixelsAsImageIo(String name, byte[] bytes, boolean rgbOrder) throws IOException {
        BufferedImage expected = ImageIO.read(new ByteArrayInputStream(bytes));
        BufferedImage actual = ImageInput.of(bytes).decode();
        assertEquals(expected.getWidth(), actual.getWidth());
        assertEquals(expected.getHeight(), actual.getHeight());
        int w = expected.getWidth();
        int h = expected.getHeight();
        assertArrayEquals(expected.getRGB(0, 0, w, h, null, 0, w), actual.getRGB(0, 0, w, h, null, 0, w), name);
        if (rgbOrder) {
            // 8-bit RGB comes back as R, G, B bytes (ImageIO itself would swap every row into B, G, R).
            assertEquals(BufferedImage.TYPE_3BYTE_BGR, expected.getType(), name + ": ImageIO's own type");
            assertEquals(BufferedImage.TYPE_CUSTOM, actual.getType());
            assertArrayEquals(new int[] {0, 1, 2},
                    ((java.awt.image.PixelInterleavedSampleModel) actual.getSampleModel()).getBandOffsets());
        } else {
            assertEquals(expected.getType(), actual.getType(), name + ": ImageIO's own layout is kept");
        }
    }

    @Test
    void decodingNeverSpoolsTheBytesToImageIoTempFiles(@TempDir Path cache) throws Exception {
        // ImageIO.read(InputStream) copies the stream into a temp file when its cache is on (the
        // default): that cost a third of decoding a small PNG. ImageInput reads from memory.
        java.io.File directory = ImageIO.getCacheDirectory();
        boolean useCache = ImageIO.getUseCache();
        ImageIO.setUseCache(true);
        ImageIO.setCacheDirectory(cache.toFile());
        // Encoded first: ImageIO.write to a stream uses the cache too.
        byte[][] files = {image("png", 64, 48), image("jpg", 64, 48), image("bmp", 64, 48)};
        byte[] control = image("png", 64, 48);
        try (java.nio.file.WatchService watch = cache.getFileSystem().newWatchService()) {
            cache.register(watch, java.nio.file.StandardWatchEventKinds.ENTRY_CREATE);
            for (byte[] file : files) {
                ImageInput.of(file).decode();
            }
            assertEquals(null, watch.poll(300, java.util.concurrent.TimeUnit.MILLISECONDS),
                    "ImageIO wrote a cache file while ImageInput read or decoded");
            // The watch itself works: a plain ImageIO.read of a stream does write one.
            ImageIO.read(new ByteArrayInputStream(control));
            assertTrue(watch.poll(5, java.util.concurrent.TimeUnit.SECONDS) != null, "the control read made no file");
        } finally {
            ImageIO.setCacheDirectory(directory);
            ImageIO.setUseCache(useCache);
        }
    }
}
