package visionsearch.embed;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.DataBuffer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Objects;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * An image to embed: either validated bytes (from a file, an array or a stream) or a public URL.
 *
 * <p>Byte inputs are checked here, before any network call or model run, against Azure AI
 * Vision's documented limits: a known format by magic bytes, under 20 MB (20,971,520 bytes),
 * width and height each greater than 10 px and less than 16,000 px. A failure throws
 * {@link InvalidImageException} naming the rule, the actual value and the source.
 * URL inputs are validated by whoever fetches them (Azure, or {@link #fetch(Duration)}).
 *
 * @param source a label for messages: the file path, "bytes", "stream" or the URL
 * @param bytes  the image bytes, or null for a URL input; copied on the way in and out
 * @param url    the image URL, or null for a byte input
 * @param format the detected format, or null for a URL input
 * @param width  the width in pixels, or 0 for a URL input
 * @param height the height in pixels, or 0 for a URL input
 */
public record ImageInput(String source, byte[] bytes, URI url, ImageFormat format, int width, int height) {

    /** Images must be smaller than this many bytes (20 MB). */
    public static final int MAX_BYTES = 20 * 1024 * 1024;
    /** Width and height must be greater than this. */
    public static final int MIN_SIDE_EXCLUSIVE = 10;
    /** Width and height must be less than this. */
    public static final int MAX_SIDE_EXCLUSIVE = 16_000;

    /** Checks the components; use the static factories instead of calling this. */
    public ImageInput {
        Objects.requireNonNull(source, "source");
        if ((bytes == null) == (url == null)) {
            throw new IllegalArgumentException("exactly one of bytes and url must be set");
        }
        bytes = bytes == null ? null : bytes.clone();
    }

    /** Reads and validates the image file at {@code path}. */
    public static ImageInput of(Path path) {
        Objects.requireNonNull(path, "path");
        long size;
        try {
            size = Files.size(path);
        } catch (IOException e) {
            throw new InvalidImageException(InvalidImageException.Reason.UNREADABLE,
                    "cannot read image file " + path + ": " + e.getMessage(), e);
        }
        if (size >= MAX_BYTES) {
            throw tooLarge(path.toString(), size);
        }
        try {
            return of(Files.readAllBytes(path), path.toString());
        } catch (IOException e) {
            throw new InvalidImageException(InvalidImageException.Reason.UNREADABLE,
                    "cannot read image file " + path + ": " + e.getMessage(), e);
        }
    }

    /** Validates image bytes (copied). */
    public static ImageInput of(byte[] bytes) {
        return of(bytes, "bytes");
    }

    /** Validates image bytes (copied), using {@code source} as the label in messages. */
    public static ImageInput of(byte[] bytes, String source) {
        Objects.requireNonNull(bytes, "bytes");
        Objects.requireNonNull(source, "source");
        if (bytes.length == 0) {
            throw new InvalidImageException(InvalidImageException.Reason.EMPTY,
                    "image " + source + " is empty (0 bytes)");
        }
        if (bytes.length >= MAX_BYTES) {
            throw tooLarge(source, bytes.length);
        }
        ImageFormat format = ImageFormat.detect(bytes).orElseThrow(() -> new InvalidImageException(
                InvalidImageException.Reason.UNSUPPORTED_FORMAT,
                "image " + source + " is not a supported format: expected one of "
                        + java.util.Arrays.toString(ImageFormat.values()) + " (first bytes "
                        + HexFormat.of().formatHex(bytes, 0, Math.min(8, bytes.length)) + ")"));
        int[] size = dimensions(bytes, format, source);
        int w = size[0];
        int h = size[1];
        if (w <= MIN_SIDE_EXCLUSIVE || h <= MIN_SIDE_EXCLUSIVE || w >= MAX_SIDE_EXCLUSIVE || h >= MAX_SIDE_EXCLUSIVE) {
            throw new InvalidImageException(InvalidImageException.Reason.BAD_DIMENSIONS,
                    "image " + source + " is " + w + "x" + h + " px: width and height must each be greater than "
                            + MIN_SIDE_EXCLUSIVE + " and less than " + MAX_SIDE_EXCLUSIVE + " px; resize it first");
        }
        return new ImageInput(source, bytes, null, format, w, h);
    }

    /** Reads the whole stream (refusing more than 20 MB) and validates it; the stream is not closed. */
    public static ImageInput of(InputStream in) {
        Objects.requireNonNull(in, "in");
        try {
            byte[] data = in.readNBytes(MAX_BYTES);
            if (data.length == MAX_BYTES) {
                throw tooLarge("stream", in.read() < 0 ? MAX_BYTES : MAX_BYTES + 1L);
            }
            return of(data, "stream");
        } catch (IOException e) {
            throw new InvalidImageException(InvalidImageException.Reason.UNREADABLE,
                    "cannot read image stream: " + e.getMessage(), e);
        }
    }

    /** An image at a public http(s) URL, to be fetched by the service (Azure) or by {@link #fetch(Duration)}. */
    public static ImageInput ofUrl(String url) {
        Objects.requireNonNull(url, "url");
        URI uri;
        try {
            uri = URI.create(url.trim());
        } catch (IllegalArgumentException e) {
            throw new InvalidImageException(InvalidImageException.Reason.UNREADABLE, "not a valid URL: " + url, e);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
            throw new InvalidImageException(InvalidImageException.Reason.UNREADABLE,
                    "image URL must be an absolute http or https URL, got: " + url);
        }
        return new ImageInput(uri.toString(), null, uri, null, 0, 0);
    }

    /** Returns true if this input is a URL rather than bytes. */
    public boolean isUrl() {
        return url != null;
    }

    /** Returns a copy of the bytes. */
    @Override
    public byte[] bytes() {
        requireBytes();
        return bytes.clone();
    }

    /** Returns the number of bytes, without copying. */
    public int size() {
        requireBytes();
        return bytes.length;
    }

    /** Returns a stream over the bytes, without copying. */
    public InputStream openStream() {
        requireBytes();
        return new ByteArrayInputStream(bytes);
    }

    /** Returns the lower-case hex SHA-256 of the bytes. */
    public String sha256() {
        requireBytes();
        return sha256Hex(bytes);
    }

    /**
     * Decodes the image to pixels; throws {@link InvalidImageException} (CORRUPT) if it cannot be decoded.
     *
     * <p>The pixels are ImageIO's, with one difference in layout: an 8-bit RGB JPEG or PNG, for which
     * ImageIO would make a {@code TYPE_3BYTE_BGR} image, comes back as interleaved bytes in R, G, B
     * order ({@code TYPE_CUSTOM}, sRGB), the order the decoders produce; that saves a byte-by-byte
     * reordering of every row (about 30 % of decoding a JPEG). Every {@code getRGB} value is the same.
     */
    public BufferedImage decode() {
        requireBytes();
        try (ImageInputStream in = memoryStream(bytes)) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new InvalidImageException(InvalidImageException.Reason.CORRUPT, "image " + source + " ("
                        + format + ") cannot be decoded by this JVM's ImageIO; convert it to PNG or JPEG");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                ImageReadParam param = reader.getDefaultReadParam();
                // JPEG and PNG only: their readers copy rows band by band (BMP's copies raw bytes).
                if ((format == ImageFormat.JPEG || format == ImageFormat.PNG) && isBgr(reader.getImageTypes(0))) {
                    param.setDestination(RGB.createBufferedImage(reader.getWidth(0), reader.getHeight(0)));
                }
                return reader.read(0, param);
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof InvalidImageException invalid) {
                throw invalid;
            }
            throw new InvalidImageException(InvalidImageException.Reason.CORRUPT,
                    "image " + source + " (" + format + ") cannot be decoded: " + e.getMessage(), e);
        }
    }

    /** True if ImageIO's own choice of image type (the first offered) is {@code TYPE_3BYTE_BGR}. */
    private static boolean isBgr(Iterator<ImageTypeSpecifier> types) {
        return types.hasNext() && types.next().getBufferedImageType() == BufferedImage.TYPE_3BYTE_BGR;
    }

    /** Interleaved 8-bit sRGB in R, G, B order: what JPEG and PNG decoders produce for RGB images. */
    private static final ImageTypeSpecifier RGB = ImageTypeSpecifier.createInterleaved(
            ColorSpace.getInstance(ColorSpace.CS_sRGB), new int[] {0, 1, 2}, DataBuffer.TYPE_BYTE, false, false);

    /**
     * For a URL input, downloads it (at most 20 MB, within {@code timeout}) and validates the bytes;
     * for a byte input, returns this.
     */
    public ImageInput fetch(Duration timeout) {
        if (!isUrl()) {
            return this;
        }
        HttpClient client = HttpClient.newBuilder().connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NORMAL).build();
        HttpRequest request = HttpRequest.newBuilder(url).timeout(timeout).GET().build();
        try {
            HttpResponse<InputStream> response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = response.body()) {
                if (response.statusCode() != 200) {
                    throw new InvalidImageException(InvalidImageException.Reason.UNREADABLE,
                            "image URL " + url + " answered HTTP " + response.statusCode());
                }
                byte[] data = in.readNBytes(MAX_BYTES);
                if (data.length == MAX_BYTES) {
                    throw tooLarge(url.toString(), MAX_BYTES);
                }
                return of(data, url.toString());
            }
        } catch (IOException e) {
            throw new InvalidImageException(InvalidImageException.Reason.UNREADABLE,
                    "cannot download image URL " + url + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InvalidImageException(InvalidImageException.Reason.UNREADABLE,
                    "interrupted while downloading " + url, e);
        }
    }

    /** Returns the lower-case hex SHA-256 of {@code data}. */
    public static String sha256Hex(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ImageInput other && source.equals(other.source)
                && java.util.Arrays.equals(bytes, other.bytes) && Objects.equals(url, other.url);
    }

    @Override
    public int hashCode() {
        return Objects.hash(source, java.util.Arrays.hashCode(bytes), url);
    }

    @Override
    public String toString() {
        return isUrl() ? "ImageInput[url=" + url + "]"
                : "ImageInput[" + source + ", " + format + " " + width + "x" + height + ", " + bytes.length + " bytes]";
    }

    private void requireBytes() {
        if (bytes == null) {
            throw new IllegalStateException("image " + source + " is a URL input; call fetch(...) to download it first");
        }
    }

    private static InvalidImageException tooLarge(String source, long size) {
        return new InvalidImageException(InvalidImageException.Reason.TOO_LARGE,
                "image " + source + " is " + size + " bytes: it must be under " + MAX_BYTES
                        + " bytes (20 MB); resize or recompress it");
    }

    private static int[] dimensions(byte[] bytes, ImageFormat format, String source) {
        try {
            switch (format) {
                case WEBP:
                    return webpDimensions(bytes);
                case ICO:
                    return icoDimensions(bytes);
                default:
                    return imageIoDimensions(bytes, format);
            }
        } catch (IOException | RuntimeException e) {
            throw new InvalidImageException(InvalidImageException.Reason.CORRUPT,
                    "image " + source + " looks like " + format + " but its header cannot be read: "
                            + e.getMessage(), e);
        }
    }

    private static int[] imageIoDimensions(byte[] bytes, ImageFormat format) throws IOException {
        try (ImageInputStream in = memoryStream(bytes)) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new IOException("no ImageIO reader for " + format);
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                return new int[] {reader.getWidth(0), reader.getHeight(0)};
            } finally {
                reader.dispose();
            }
        }
    }

    /**
     * The bytes as an ImageIO stream held in memory. ImageIO's own choice for a plain InputStream is
     * a stream that copies it into a temporary file (ImageIO.getUseCache() is true by default),
     * which made decoding a 256x192 PNG 1.5x and a 1024x768 JPEG 1.1x slower.
     */
    private static ImageInputStream memoryStream(byte[] bytes) {
        return new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes));
    }

    private static int[] webpDimensions(byte[] b) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        if (b.length < 30) {
            throw new IOException("WebP file too short");
        }
        String chunk = new String(b, 12, 4, java.nio.charset.StandardCharsets.US_ASCII);
        switch (chunk) {
            case "VP8 ":
                return new int[] {buf.getShort(26) & 0x3FFF, buf.getShort(28) & 0x3FFF};
            case "VP8L": {
                int bits = buf.getInt(21);
                return new int[] {(bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1};
            }
            case "VP8X": {
                int w = (b[24] & 0xFF) | (b[25] & 0xFF) << 8 | (b[26] & 0xFF) << 16;
                int h = (b[27] & 0xFF) | (b[28] & 0xFF) << 8 | (b[29] & 0xFF) << 16;
                return new int[] {w + 1, h + 1};
            }
            default:
                throw new IOException("unknown WebP chunk " + chunk);
        }
    }

    private static int[] icoDimensions(byte[] b) throws IOException {
        if (b.length < 22) {
            throw new IOException("ICO file too short");
        }
        int w = b[6] & 0xFF;
        int h = b[7] & 0xFF;
        return new int[] {w == 0 ? 256 : w, h == 0 ? 256 : h};
    }

}
