package visionsearch.embed.azure;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import okhttp3.Headers;

/**
 * What Azure AI Vision's answers mean: the vector of a 200, the {@link VisionApiException} of any
 * other status or fault (status, Azure's error code and inner code, request id, advice on what to
 * do), and how long the service asked to wait. Every message passes through {@link #redact}, so a
 * server that echoes the key never puts it in a message.
 */
final class AzureAnswers {
    // NaN / Infinity literals parse, so a vector holding them is reported as non-finite rather than as malformed JSON.
    static final ObjectMapper JSON = JsonMapper.builder().enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();
    private static final int BODY_PREFIX = 200;

    /** A 200 answer: the vector and the {@code modelVersion} the service named (empty if none). */
    record Answer(float[] vector, String modelVersion, String requestId) {
        /** Whether the answer comes from a local model served over Azure's API (its id holds a ':'). */
        boolean localModel() {
            return modelVersion.contains(":");
        }
    }

    private final String endpoint;
    private final String key;
    private final String apiVersion;

    AzureAnswers(String endpoint, String key, String apiVersion) {
        this.endpoint = endpoint;
        this.key = key;
        this.apiVersion = apiVersion;
    }

    /** Reads a 200 body: {@code {"modelVersion": ..., "vector": [...]}} of 1024 finite numbers (a local model's own length). */
    Answer vector(byte[] bytes, Headers headers, String operation, String source) {
        String requestId = requestId(headers);
        JsonNode root;
        try {
            root = JSON.readTree(bytes);
        } catch (IOException e) {
            root = null;
        }
        if (root == null || !root.isObject() || !root.path("vector").isArray()) {
            throw new VisionApiException(redact("Azure AI Vision " + operation + " for " + source
                    + " answered HTTP 200 but the body is not the expected JSON {\"modelVersion\": ..., \"vector\": [...]}"
                    + requestIdNote(requestId) + "; body starts: " + prefix(bytes)
                    + "; check VISION_ENDPOINT points at an Azure AI Vision resource"),
                    200, null, null, requestId, false, null);
        }
        JsonNode vectorNode = root.get("vector");
        String answeredModel = root.path("modelVersion").isTextual() ? root.get("modelVersion").textValue().strip() : "";
        // A local model served over Azure's API (vision-search emulator): its own id and dimension.
        int expected = answeredModel.contains(":") ? vectorNode.size() : AzureVisionEmbedder.DIMENSIONS;
        if (vectorNode.size() != expected || expected == 0) {
            throw new VisionApiException("Azure AI Vision " + operation + " for " + source + " answered a vector of "
                    + vectorNode.size() + " values: expected " + AzureVisionEmbedder.DIMENSIONS + requestIdNote(requestId),
                    200, null, null, requestId, false, null);
        }
        float[] vector = new float[expected];
        for (int i = 0; i < expected; i++) {
            JsonNode n = vectorNode.get(i);
            double d = n.isNumber() ? n.doubleValue()
                    : n.isTextual() ? parseDoubleOrNaN(n.textValue()) : Double.NaN;
            float f = (float) d;
            if (!Float.isFinite(f)) {
                throw new VisionApiException("Azure AI Vision " + operation + " for " + source
                        + " answered a vector with a non-finite value at index " + i + " (" + n + "): expected "
                        + expected + " finite numbers" + requestIdNote(requestId), 200, null, null, requestId, false, null);
            }
            vector[i] = f;
        }
        return new Answer(vector, answeredModel, requestId);
    }

    private static double parseDoubleOrNaN(String s) {
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    /** Turns a non-200 answer into an exception with Azure's codes, the request id and advice. */
    VisionApiException httpError(int status, Headers headers, byte[] bytes, String operation, String source) {
        String requestId = requestId(headers);
        String code = headers.get("x-ms-error-code");
        String message = null;
        String innerCode = null;
        String innerMessage = null;
        boolean parsed = false;
        try {
            JsonNode error = JSON.readTree(bytes).path("error");
            if (error.isObject()) {
                parsed = true;
                code = textOr(error.get("code"), code);
                message = textOr(error.get("message"), null);
                JsonNode inner = error.path("innererror");
                innerCode = textOr(inner.get("code"), null);
                innerMessage = textOr(inner.get("message"), null);
            }
        } catch (IOException | RuntimeException ignored) {
            // not JSON: shown as a prefix below
        }
        StringBuilder m = new StringBuilder("Azure AI Vision ").append(operation).append(" for ").append(source)
                .append(" failed: HTTP ").append(status);
        // Azure's 401, 404 and 429 bodies repeat the status as their code ("401"): say it once.
        if (code != null && !code.equals(Integer.toString(status))) {
            m.append(" ").append(code);
        }
        if (innerCode != null) {
            m.append("/").append(innerCode);
        }
        if (message != null) {
            m.append(": ").append(withoutFinalPeriod(message));
        }
        if (innerMessage != null && !innerMessage.equals(message)) {
            m.append(" (").append(withoutFinalPeriod(innerMessage)).append(")");
        }
        if (!parsed && bytes.length > 0) {
            m.append(": body starts: ").append(prefix(bytes));
        }
        m.append(requestIdNote(requestId));
        String advice = advice(status, code, innerCode);
        if (advice != null) {
            m.append(". ").append(advice);
        }
        return new VisionApiException(redact(m.toString()), status, code, innerCode, requestId,
                retryableStatus(status), null);
    }

    private String advice(int status, String code, String innerCode) {
        if (status == 410 || "Gone".equalsIgnoreCase(code)) {
            return "api-version " + apiVersion + " is retired (Azure retired all Image Analysis 4.0 previews on"
                    + " 2025-03-31): set VISION_API_VERSION=" + AzureVisionEmbedder.API_VERSION_GA
                    + " and VISION_MODEL_VERSION=" + AzureVisionEmbedder.MODEL_VERSION_DEFAULT
                    + " (builder: apiVersion(\"" + AzureVisionEmbedder.API_VERSION_GA + "\"))";
        }
        if (status == 401) {
            return (key != null
                    ? "Check that VISION_KEY is a key of the resource at " + endpoint
                            + " (Azure portal > your resource > Keys and Endpoint) and that the endpoint is right"
                    : "Check the Entra ID token: scope https://cognitiveservices.azure.com/.default, a custom-subdomain"
                            + " endpoint (not a regional one) and the 'Cognitive Services User' role on the resource");
        }
        if (status == 403) {
            return "The resource refused the call: a free (F0) resource out of its call quota, a disabled or"
                    + " network-restricted resource, or a token without access; wait for the quota to reset,"
                    + " move to tier S1, or check the resource's networking and roles";
        }
        if (status == 404) {
            return "Check VISION_ENDPOINT (" + endpoint + ", expected https://<resource>.cognitiveservices.azure.com),"
                    + " VISION_API_VERSION (" + apiVersion + ", expected " + AzureVisionEmbedder.API_VERSION_GA
                    + ") and that the resource is in a region with multimodal embeddings: "
                    + String.join(", ", AzureVisionEmbedder.REGIONS);
        }
        if (status == 429) {
            return "The resource's rate limit was exceeded; lower VISION_TIER (F0 = 20 calls/minute,"
                    + " S1 = 20 calls/s, or a number of calls per second) or retry later";
        }
        if (status == 400 && innerCode != null) {
            switch (innerCode) {
                case "InvalidImageFormat":
                    return "Azure could not decode the image; re-save it as JPEG or PNG";
                case "InvalidImageSize":
                    return "the image must be under 20 MB with width and height between 10 and 16,000 px";
                case "InvalidImageUrl":
                case "InvalidImageURL":
                    return "the image URL must be publicly reachable by Azure (not localhost, not behind a login)";
                default:
                    return null;
            }
        }
        return null;
    }

    /** A connection fault or timeout of one attempt (retryable). */
    VisionApiException ioError(String operation, String source, IOException e) {
        String what = e instanceof SocketTimeoutException ? "timed out" : "connection fault";
        return new VisionApiException(redact("Azure AI Vision " + operation + " for " + source + ": " + what + " ("
                + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ") talking to "
                + endpoint + "; check the network and VISION_ENDPOINT"), 0, null, null, null, true, e);
    }

    /** Whether an I/O fault means the endpoint cannot be reached at all (a retry in a second rarely helps). */
    static boolean unreachable(IOException e) {
        return e instanceof UnknownHostException || e instanceof ConnectException || e instanceof NoRouteToHostException;
    }

    /** An unknown host or a refused connection: not retryable, with what to check. */
    VisionApiException unreachableError(String operation, String source, IOException e) {
        String what = e instanceof UnknownHostException
                ? "the host name of " + endpoint + " is unknown (" + e.getClass().getSimpleName() + ")"
                : "nothing accepts connections at " + endpoint + " (" + e.getClass().getSimpleName()
                        + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")";
        return new VisionApiException(redact("Azure AI Vision " + operation + " for " + source + ": cannot reach the"
                + " service: " + what + "; check VISION_ENDPOINT (expected https://<resource>.cognitiveservices.azure.com,"
                + " or the address of a running `vision-search emulator`) and the network (DNS, proxy, VPN, firewall)"),
                0, null, null, null, false, e);
    }

    static VisionApiException deadlineExceeded(String operation, String source, int attempts,
                                               VisionApiException last, String why) {
        String m = "Azure AI Vision " + operation + " for " + source + ": gave up after " + attempts
                + " attempt(s): " + why + (last == null ? "" : "; last error: " + last.getMessage());
        return last == null
                ? new VisionApiException(m, 0, null, null, null, true, null)
                : new VisionApiException(m, last.status(), last.errorCode(), last.innerCode(), last.requestId(), true,
                        last.getCause());
    }

    static VisionApiException withSuffix(VisionApiException e, String suffix) {
        return new VisionApiException(e.getMessage() + suffix, e.status(), e.errorCode(), e.innerCode(),
                e.requestId(), e.retryable(), e.getCause());
    }

    static VisionApiException interrupted(String operation, Exception e) {
        Thread.currentThread().interrupt();
        return new VisionApiException("interrupted during Azure AI Vision " + operation, 0, null, null, null, false, e);
    }

    /** Reads x-ms-retry-after-ms, then retry-after-ms, then Retry-After (seconds or HTTP date); -1 if none. */
    static long retryAfterMillis(Headers headers) {
        for (String name : List.of("x-ms-retry-after-ms", "retry-after-ms")) {
            String v = headers.get(name);
            if (v != null) {
                try {
                    return Math.max(0, (long) Double.parseDouble(v.trim()));
                } catch (NumberFormatException ignored) {
                    // fall through to the next header
                }
            }
        }
        String v = headers.get("Retry-After");
        if (v != null) {
            v = v.trim();
            try {
                return Math.max(0, (long) (Double.parseDouble(v) * 1000));
            } catch (NumberFormatException notSeconds) {
                try {
                    ZonedDateTime at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME);
                    return Math.max(0, Duration.between(ZonedDateTime.now(at.getZone()), at).toMillis());
                } catch (DateTimeParseException ignored) {
                    return -1;
                }
            }
        }
        return -1;
    }

    static boolean retryableStatus(int status) {
        return status == 408 || status == 429 || (status >= 500 && status <= 599 && status != 501 && status != 505);
    }

    static String requestIdNote(String requestId) {
        return requestId == null ? "" : " (request id " + requestId + ")";
    }

    private static String requestId(Headers headers) {
        String id = headers.get("apim-request-id");
        return id != null ? id : headers.get("x-ms-request-id");
    }

    private static String textOr(JsonNode node, String fallback) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return fallback;
        }
        return node.isValueNode() ? node.asText() : node.toString();
    }

    private static String withoutFinalPeriod(String text) {
        String t = text.strip();
        return t.endsWith(".") ? t.substring(0, t.length() - 1) : t;
    }

    private static String prefix(byte[] bytes) {
        String s = new String(bytes, 0, Math.min(bytes.length, BODY_PREFIX * 4), StandardCharsets.UTF_8);
        s = s.replaceAll("\\s+", " ").strip();
        if (s.isEmpty()) {
            return "(empty)";
        }
        return "'" + (s.length() > BODY_PREFIX ? s.substring(0, BODY_PREFIX) + "..." : s) + "'";
    }

    /** Removes the key from text that may echo a server's answer. */
    String redact(String text) {
        if (key != null && !key.isEmpty() && text.contains(key)) {
            return text.replace(key, "***");
        }
        return text;
    }
}
