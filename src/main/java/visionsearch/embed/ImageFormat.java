package visionsearch.embed;

import java.util.Optional;

/** Image formats recognised from their leading (magic) bytes; the ones Azure AI Vision accepts. */
public enum ImageFormat {
    /** JPEG (and MPO, which starts the same way). */
    JPEG,
    /** PNG. */
    PNG,
    /** GIF 87a / 89a. */
    GIF,
    /** Windows bitmap. */
    BMP,
    /** WebP (RIFF container). */
    WEBP,
    /** Windows icon. */
    ICO,
    /** TIFF, little- or big-endian. */
    TIFF;

    /** Detects the format from the first bytes of {@code head}, or empty if none matches. */
    public static Optional<ImageFormat> detect(byte[] head) {
        if (startsWith(head, 0xFF, 0xD8, 0xFF)) {
            return Optional.of(JPEG);
        }
        if (startsWith(head, 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A)) {
            return Optional.of(PNG);
        }
        if (startsWith(head, 'G', 'I', 'F', '8')) {
            return Optional.of(GIF);
        }
        if (startsWith(head, 'B', 'M')) {
            return Optional.of(BMP);
        }
        if (startsWith(head, 'R', 'I', 'F', 'F') && head.length >= 12
                && head[8] == 'W' && head[9] == 'E' && head[10] == 'B' && head[11] == 'P') {
            return Optional.of(WEBP);
        }
        if (startsWith(head, 0, 0, 1, 0)) {
            return Optional.of(ICO);
        }
        if (startsWith(head, 'I', 'I', 42, 0) || startsWith(head, 'M', 'M', 0, 42)) {
            return Optional.of(TIFF);
        }
        return Optional.empty();
    }

    private static boolean startsWith(byte[] head, int... magic) {
        if (head.length < magic.length) {
            return false;
        }
        for (int i = 0; i < magic.length; i++) {
            if ((head[i] & 0xFF) != magic[i]) {
                return false;
            }
        }
        return true;
    }
}
