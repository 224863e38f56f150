package visionsearch.embed.azure;
import visionsearch.embed.EmbeddingException;

/**
 * A call to Azure AI Vision failed: an HTTP error answer, a connection fault or timeout, or a
 * success answer that does not hold a usable vector.
 *
 * <p>Carries what Azure said: the HTTP {@link #status()} (0 when no answer came back), the error
 * {@link #errorCode()} and {@link #innerCode()} of the JSON error envelope
 * ({@code {"error":{"code":...,"innererror":{"code":...}}}}), and the {@link #requestId()} to quote
 * to Azure support. {@link #retryable()} is true for 408, 429, 5xx (except 501 and 505) and I/O
 * faults, which the client has already retried before throwing. The message says what to do next
 * and never contains the key or a bearer token.
 */
public final class VisionApiException extends EmbeddingException {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final String errorCode;
    private final String innerCode;
    private final String requestId;

    VisionApiException(String message, int status, String errorCode, String innerCode, String requestId,
                       boolean retryable, Throwable cause) {
        super(message, retryable, cause);
        this.status = status;
        this.errorCode = errorCode;
        this.innerCode = innerCode;
        this.requestId = requestId;
    }

    /** Returns the HTTP status of Azure's answer, or 0 if no answer came back (connection fault, timeout). */
    public int status() {
        return status;
    }

    /** Returns Azure's error code ({@code error.code}, e.g. {@code InvalidRequest}, {@code 401}, {@code Gone}), or null. */
    public String errorCode() {
        return errorCode;
    }

    /** Returns Azure's inner error code ({@code error.innererror.code}, e.g. {@code InvalidImageFormat}), or null. */
    public String innerCode() {
        return innerCode;
    }

    /** Returns the request id ({@code apim-request-id} or {@code x-ms-request-id} header), or null. */
    public String requestId() {
        return requestId;
    }
}
