package visionsearch.embed.azure;

import static visionsearch.embed.azure.AzureVisionEmbedder.API_VERSION_GA;
import static visionsearch.embed.azure.AzureVisionEmbedder.API_VERSION_PREVIEW;
import static visionsearch.embed.azure.AzureVisionEmbedder.MODEL_VERSION_DEFAULT;
import static visionsearch.embed.azure.AzureVisionEmbedder.MODEL_VERSION_ENGLISH;
import static visionsearch.embed.azure.AzureVisionEmbedder.MODEL_VERSION_LATEST;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;
import okhttp3.HttpUrl;

/**
 * The checks {@link AzureVisionEmbedder.Builder#build()} runs: required settings, endpoint shape,
 * versions, tier and limits, each refused with the setting's name (the environment variable's when
 * the builder came from {@code Settings}) and what is expected.
 */
final class AzureBuilderChecks {
    private static final Pattern VERSION = Pattern.compile("\\d{4}-\\d{2}-\\d{2}(-preview)?");

    /** The derived settings: endpoint without trailing slash, its URL, calls per second and the tier's label. */
    record Checked(String endpoint, HttpUrl base, double rate, String tierLabel) {
    }

    private AzureBuilderChecks() {
    }

    /** Checks {@code b}, normalising its key, model version and endpoint; names the missing or wrong setting. */
    static Checked check(AzureVisionEmbedder.Builder b) {
        List<String> missing = new ArrayList<>();
        if (b.endpoint == null || b.endpoint.isBlank()) {
            missing.add(b.fromSettings ? "VISION_ENDPOINT" : "endpoint");
        }
        if ((b.key == null || b.key.isBlank()) && b.tokenSupplier == null) {
            missing.add(b.fromSettings ? "VISION_KEY" : "key (or tokenSupplier)");
        }
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("Azure AI Vision needs " + String.join(" and ", missing)
                    + (b.fromSettings ? "; set " + (missing.size() == 1 ? "it" : "them")
                            + " in the environment or in a .env file (see .env.sample), or choose another"
                            + " embedder with VISION_EMBEDDER=clip or features" : "; set it on the builder"));
        }
        if (b.key != null && b.tokenSupplier != null) {
            throw new IllegalArgumentException("set either key or tokenSupplier, not both");
        }
        if (b.key != null) {
            b.key = b.key.strip();
        }
        String base = b.endpoint.strip();
        while (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        String endpointName = b.fromSettings ? "VISION_ENDPOINT" : "endpoint";
        if (base.contains("<") || base.contains(">")) {
            throw new IllegalArgumentException(endpointName + "=" + base + " still holds the placeholder of"
                    + " .env.sample: put your resource's endpoint, e.g. https://my-resource.cognitiveservices.azure.com");
        }
        HttpUrl url = HttpUrl.parse(base);
        if (url == null || url.querySize() > 0) {
            throw new IllegalArgumentException(endpointName + "=" + base + " is not an http(s) URL without query:"
                    + " expected https://<resource>.cognitiveservices.azure.com");
        }
        if (!url.isHttps() && !b.allowHttp && !isLoopback(url.host())) {
            throw new IllegalArgumentException(endpointName + "=" + base + " uses http:// to " + url.host()
                    + ", which is not this machine: the " + (b.key != null ? "key" : "token") + " would travel"
                    + " unencrypted. Use https://, or, on a network you trust, opt in with "
                    + (b.fromSettings ? "VISION_ALLOW_HTTP=true" : "allowHttp(true)"));
        }
        requireVersion(b.apiVersion, b.fromSettings ? "VISION_API_VERSION" : "apiVersion");
        if (b.modelVersion == null) {
            b.modelVersion = b.apiVersion.endsWith("-preview") ? MODEL_VERSION_LATEST : MODEL_VERSION_DEFAULT;
        }
        b.modelVersion = b.modelVersion.strip();
        if (!b.modelVersion.equals(MODEL_VERSION_LATEST) && !VERSION.matcher(b.modelVersion).matches()) {
            throw new IllegalArgumentException((b.fromSettings ? "VISION_MODEL_VERSION" : "modelVersion") + "="
                    + b.modelVersion + " is not a model version: expected one of [" + MODEL_VERSION_DEFAULT + ", "
                    + MODEL_VERSION_ENGLISH + ", " + MODEL_VERSION_LATEST + " (preview only)]");
        }
        double rate;
        String tierLabel;
        if (b.ratePerSecond != null) {
            rate = b.ratePerSecond;
            tierLabel = "custom";
        } else {
            rate = tierRate(b.tier, b.fromSettings ? "VISION_TIER" : "tier");
            tierLabel = b.tier.strip().toUpperCase(Locale.ROOT);
        }
        if (!(rate > 0)) {
            throw new IllegalArgumentException("ratePerSecond must be positive, got " + rate);
        }
        if (b.maxRetries < 0) {
            throw new IllegalArgumentException("maxRetries must be 0 or more, got " + b.maxRetries);
        }
        if (b.concurrency < 1) {
            throw new IllegalArgumentException("concurrency must be 1 or more, got " + b.concurrency);
        }
        Objects.requireNonNull(b.minBackoff, "minBackoff");
        Objects.requireNonNull(b.maxBackoff, "maxBackoff");
        Objects.requireNonNull(b.deadline, "deadline");
        Objects.requireNonNull(b.pacingMargin, "pacingMargin");
        if (b.pacingMargin.isNegative() || b.pacingMargin.compareTo(java.time.Duration.ofSeconds(1)) >= 0) {
            throw new IllegalArgumentException("pacingMargin must be at least 0 and under 1 s, got " + b.pacingMargin);
        }
        if (b.minBackoff.isNegative() || b.maxBackoff.compareTo(b.minBackoff) < 0) {
            throw new IllegalArgumentException("backoff must satisfy 0 <= min <= max, got " + b.minBackoff + " .. " + b.maxBackoff);
        }
        if (b.deadline.isNegative() || b.deadline.isZero()) {
            throw new IllegalArgumentException("deadline must be positive, got " + b.deadline);
        }
        return new Checked(base, url, rate, tierLabel);
    }

    /** Whether {@code host} is this machine: {@code localhost}, {@code 127.x.x.x} or {@code ::1}. */
    static boolean isLoopback(String host) {
        return host.equalsIgnoreCase("localhost") || host.matches("127\\.\\d+\\.\\d+\\.\\d+")
                || host.equals("::1") || host.equals("0:0:0:0:0:0:0:1");
    }

    private static void requireVersion(String version, String name) {
        if (version == null || !VERSION.matcher(version.strip()).matches()) {
            throw new IllegalArgumentException(name + "=" + version + " is not an api-version: expected "
                    + API_VERSION_GA + " (or the retired " + API_VERSION_PREVIEW + ")");
        }
    }

    /** Returns calls per second for a tier name or number. */
    static double tierRate(String tier, String name) {
        String t = tier == null ? "" : tier.strip().toUpperCase(Locale.ROOT);
        switch (t) {
            case "F0":
                return 20.0 / 60.0;
            case "S1":
                return 20.0;
            default:
                try {
                    double rate = Double.parseDouble(t);
                    if (rate > 0 && !Double.isNaN(rate)) {
                        return rate;
                    }
                } catch (NumberFormatException ignored) {
                    // reported below
                }
                throw new IllegalArgumentException(name + "=" + tier + " is not known: expected one of [F0 (20 calls/minute),"
                        + " S1 (20 calls/s), a positive number of calls per second]");
        }
    }
}
