package visionsearch.embed;

/**
 * Thrown when an image fails local validation, before any network call or model run.
 *
 * <p>{@link #reason()} says which rule failed, so callers (and batch results) can report it.
 */
public final class InvalidImageException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /** Why an image was refused. */
    public enum Reason {
        /** No bytes at all. */
        EMPTY,
        /** 20 MB (20,971,520 bytes) or more. */
        TOO_LARGE,
        /** The leading bytes match no supported image format. */
        UNSUPPORTED_FORMAT,
        /** The header could not be decoded. */
        CORRUPT,
        /** Width or height not within 11..15,999 px. */
        BAD_DIMENSIONS,
        /** The file or URL could not be read. */
        UNREADABLE
    }

    private final Reason reason;

    /** Creates the exception with the failed rule and a message saying what to do. */
    public InvalidImageException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    /** Creates the exception with a cause. */
    public InvalidImageException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    /** Returns which validation rule failed. */
    public Reason reason() {
        return reason;
    }
}
