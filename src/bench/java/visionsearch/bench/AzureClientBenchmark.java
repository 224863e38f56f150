package visionsearch.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.MockWebServer;
import visionsearch.embed.azure.AzureStandIn;
import visionsearch.embed.azure.AzureVisionEmbedder;
import visionsearch.embed.BatchProgress;
import visionsearch.embed.EmbeddingResult;
import visionsearch.embed.ImageInput;

/**
 * Embeds N small generated images through {@link AzureVisionEmbedder#embedImages} against a local
 * stand-in of Azure AI Vision (MockWebServer + {@link AzureStandIn}): 150 ms latency, a 20 req/s
 * server limit (token bucket), 5 % random 429s (Retry-After: 1) and 2 % random 503s. The client runs
 * with its defaults (tier S1 = 20 calls/s, 3 retries, backoff 0.8 s .. 8 s, concurrency 8).
 *
 * <p>A warm-up of 50 items on a separate fault-free server runs first, unmeasured. Prints the achieved request rate and item rate as ratios of the limit, the retries, and items
 * lost (no result), failed (an error result), duplicated (served more than once by the server) or
 * wrong (a vector other than the one the server derived from that image's bytes).
 *
 * <p>Run: {@code scripts/bench.sh AzureClientBenchmark [items] [seed] [concurrency]} (defaults 1000, 42,
 * the client's default).
 */
public final class AzureClientBenchmark {
    private AzureClientBenchmark() {
    }

    /** Loads and JIT-compiles the client, OkHttp and the stand-in on a separate fault-free server, unmeasured. */
    private static void warmUp(String key) throws Exception {
        try (MockWebServer server = new MockWebServer()) {
            server.setDispatcher(AzureStandIn.reliable(key));
            server.start();
            List<ImageInput> images = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                images.add(ImageInput.of(AzureStandIn.png(-1 - i)));
            }
            try (AzureVisionEmbedder azure = AzureVisionEmbedder.builder().endpoint(server.url("/").toString())
                    .key(key).ratePerSecond(Double.POSITIVE_INFINITY).build()) {
                azure.embedImages(images, BatchProgress.NONE);
            }
        }
    }

    /** Runs the benchmark. */
    public static void main(String[] args) throws Exception {
        System.setProperty("org.slf4j.simpleLogger.log.visionsearch", "warn");
        int items = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        long seed = args.length > 1 ? Long.parseLong(args[1]) : 42;
        Integer concurrency = args.length > 2 ? Integer.valueOf(args[2]) : null;
        double limit = 20;
        String key = "bench-key";

        List<ImageInput> images = new ArrayList<>(items);
        for (int i = 0; i < items; i++) {
            images.add(ImageInput.of(AzureStandIn.png(i), "img-" + i + ".png"));
        }
        warmUp(key);
        AzureStandIn standIn = AzureStandIn.faulty(key, 150, limit, 0.05, 0.02, seed);
        try (MockWebServer server = new MockWebServer()) {
            server.setDispatcher(standIn);
            server.start();
            AtomicInteger lastProgress = new AtomicInteger();
            List<EmbeddingResult> results;
            long start = System.nanoTime();
            AzureVisionEmbedder.Builder builder = AzureVisionEmbedder.builder()
                    .endpoint(server.url("/").toString()).key(key).tier("S1");
            if (concurrency != null) {
                builder.concurrency(concurrency);
            }
            try (AzureVisionEmbedder azure = builder.build()) {
                System.out.println("client: " + azure);
                BatchProgress progress = (done, total) -> {
                    lastProgress.set(done);
                    if (done % 200 == 0) {
                        System.out.printf("  %d / %d after %.1f s%n", done, total, (System.nanoTime() - start) / 1e9);
                    }
                };
                results = azure.embedImages(images, progress);
            }
            double seconds = (System.nanoTime() - start) / 1e9;

            int lost = 0;
            int failed = 0;
            int wrong = 0;
            Set<Integer> indices = new HashSet<>();
            for (int i = 0; i < items; i++) {
                EmbeddingResult r = i < results.size() ? results.get(i) : null;
                if (r == null || r.index() != i || !indices.add(r.index())) {
                    lost++;
                    continue;
                }
                if (!r.ok()) {
                    failed++;
                    System.out.println("  failed item " + i + ": " + r.error().getMessage());
                } else if (!Arrays.equals(AzureStandIn.vectorFor(images.get(i).bytes()), r.embedding().vector())) {
                    wrong++;
                }
            }
            int duplicated = 0;
            for (var count : standIn.servedByContent().values()) {
                duplicated += Math.max(0, count.get() - 1);
            }
            List<Long> arrivals = standIn.arrivals();
            int requests = arrivals.size();
            double requestSpan = (arrivals.get(requests - 1) - arrivals.get(0)) / 1e9;
            double requestRate = (requests - 1) / requestSpan;
            double itemRate = (items - failed - lost) / seconds;

            System.out.println();
            System.out.printf("items: %d in %.2f s; server: 150 ms latency, %.0f req/s limit, 5 %% 429s, 2 %% 503s%n",
                    items, seconds, limit);
            System.out.printf("requests: %d (retries %d): %d x 200, %d x 429 (%d over the server's limit), %d x 503%n",
                    requests, requests - items, standIn.served(), standIn.throttled(), standIn.overLimit(),
                    standIn.unavailable());
            System.out.printf("first request %.2f s after start, last answer used %.2f s after the last request%n",
                    (arrivals.get(0) - start) / 1e9, seconds - (arrivals.get(requests - 1) - start) / 1e9);
            System.out.printf("request rate: %.2f req/s = %.3f of the limit (the pacing margin of 50 ms caps it at 0.952)%n",
                    requestRate, requestRate / limit);
            System.out.printf("item rate:    %.2f items/s = %.3f of the limit (bounded by 1 - fault share = %.3f)%n",
                    itemRate, itemRate / limit, (double) standIn.served() / requests);
            System.out.printf("items lost: %d, failed: %d, duplicated: %d, wrong vector: %d (goal 0 each); progress reached %d%n",
                    lost, failed, duplicated, wrong, lastProgress.get());
        }
    }
}
