package visionsearch.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import mockwebserver3.MockWebServer;
import visionsearch.embed.BatchProgress;
import visionsearch.embed.EmbeddingResult;
import visionsearch.embed.ImageInput;
import visionsearch.embed.azure.AzureStandIn;
import visionsearch.embed.azure.AzureVisionEmbedder;
import visionsearch.embed.azure.AzureVisionEmulator;
import visionsearch.embed.features.ImageFeatureEmbedder;

/**
 * The client's pacing as a server that counts calls in any sliding 1-second window sees it: N
 * generated images through {@link AzureVisionEmbedder#embedImages} with the client's defaults
 * (tier S1 = 20 calls/s, concurrency 8), no random faults, so every 429 is the client's own doing.
 *
 * <ol>
 *   <li>Against {@link AzureStandIn} on MockWebServer (latency as given, a strict limit of 20 calls
 *       admitted in any sliding second): the most arrivals in any 1-second window, the 429s for
 *       going over the limit, and the request rate as a share of the limit.</li>
 *   <li>Against {@code vision-search emulator}'s server ({@link AzureVisionEmulator} over image
 *       features, {@code --rate 20}, also a strict sliding window): the 429s and the rate.</li>
 * </ol>
 *
 * <p>Run: {@code scripts/bench.sh AzurePacingBenchmark [calls] [latencyMs] [concurrency] [marginMs] [endpoint]}
 * (defaults 1000, 150, 8, the client's 50). With an endpoint (e.g. a {@code vision-search emulator --rate 20}
 * in another process, whose log counts the 429s) only that endpoint is run, and only the rate is printed.
 */
public final class AzurePacingBenchmark {
    private static final double LIMIT = 20;

    private AzurePacingBenchmark() {
    }

    /** Runs the benchmark. */
    public static void main(String[] args) throws Exception {
        System.setProperty("org.slf4j.simpleLogger.log.visionsearch", "warn");
        int calls = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        long latencyMs = args.length > 1 ? Long.parseLong(args[1]) : 150;
        int concurrency = args.length > 2 ? Integer.parseInt(args[2]) : 8;
        Duration margin = Duration.ofMillis(args.length > 3 ? Long.parseLong(args[3]) : 50);
        System.out.printf("client: tier S1 (%.0f calls/s), concurrency %d, pacing margin %d ms; machine load average %s%n",
                LIMIT, concurrency, margin.toMillis(), loadAverage());
        List<ImageInput> images = new ArrayList<>(calls);
        for (int i = 0; i < calls; i++) {
            images.add(ImageInput.of(AzureStandIn.png(i), "img-" + i + ".png"));
        }
        if (args.length > 4) {
            long start = System.nanoTime();
            List<EmbeddingResult> results = embed(args[4], images, concurrency, margin);
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("%s: %d items ok of %d in %.1f s = %.3f of the limit%n", args[4], ok(results), calls,
                    seconds, calls / seconds / LIMIT);
            return;
        }

        AzureStandIn standIn = AzureStandIn.faulty("k", latencyMs, LIMIT, 0, 0, 1);
        try (MockWebServer server = new MockWebServer()) {
            server.setDispatcher(standIn);
            server.start();
            long start = System.nanoTime();
            List<EmbeddingResult> results = embed(server.url("/").toString(), images, concurrency, margin);
            double seconds = (System.nanoTime() - start) / 1e9;
            List<Long> arrivals = new ArrayList<>(standIn.arrivals());
            arrivals.sort(null);
            double span = (arrivals.get(arrivals.size() - 1) - arrivals.get(0)) / 1e9;
            System.out.printf("stand-in (MockWebServer, %d ms latency, at most %.0f calls admitted in any sliding second):%n",
                    latencyMs, LIMIT);
            System.out.printf("  %d items ok of %d in %.1f s; %d requests%n", ok(results), calls, seconds, arrivals.size());
            System.out.printf("  most requests in any 1-s window at the server: %d (limit %.0f)%n",
                    AzureStandIn.maxInAnySecond(arrivals), LIMIT);
            System.out.printf("  429s for going over the limit: %d (goal 0)%n", standIn.overLimit());
            System.out.printf("  request rate: %.2f/s = %.3f of the limit (the pacing's ceiling: 1 / (1 + margin) = %.3f)%n",
                    (arrivals.size() - 1) / span, (arrivals.size() - 1) / span / LIMIT, 1 / (1 + margin.toMillis() / 1000.0));
            System.out.printf("  machine load average now %s%n", loadAverage());
        }

        try (ImageFeatureEmbedder features = ImageFeatureEmbedder.create();
             AzureVisionEmulator emulator = AzureVisionEmulator.start(features, "127.0.0.1", 0, null, LIMIT, null)) {
            long start = System.nanoTime();
            List<EmbeddingResult> results = embed(emulator.endpoint(), images, concurrency, margin);
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("emulator (image features, --rate %.0f, a sliding 1-s window):%n", LIMIT);
            System.out.printf("  %d items ok of %d in %.1f s; served %d, 429s for going over the limit: %d (goal 0)%n",
                    ok(results), calls, seconds, emulator.served(), emulator.throttled());
            System.out.printf("  item rate: %.2f/s = %.3f of the limit%n", calls / seconds, calls / seconds / LIMIT);
        }
    }

    private static List<EmbeddingResult> embed(String endpoint, List<ImageInput> images, int concurrency,
                                               Duration margin) {
        try (AzureVisionEmbedder azure = AzureVisionEmbedder.builder().endpoint(endpoint).key("k").tier("S1")
                .concurrency(concurrency).pacingMargin(margin).build()) {
            return azure.embedImages(images, BatchProgress.NONE);
        }
    }

    static String loadAverage() {
        return String.format(java.util.Locale.ROOT, "%.1f",
                java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    }

    private static long ok(List<EmbeddingResult> results) {
        return results.stream().filter(EmbeddingResult::ok).count();
    }
}
