package visionsearch.cli;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import visionsearch.embed.clip.ClipEmbedder;
import visionsearch.embed.Embedder;
import visionsearch.embed.Embedders;
import visionsearch.embed.Settings;
import visionsearch.embed.azure.AzureVisionEmulator;

/**
 * {@code vision-search emulator}: serves Azure AI Vision's vectorize API on localhost over a local
 * embedder, until stopped with Ctrl-C.
 */
@Command(name = "emulator", mixinStandardHelpOptions = true,
        description = {"Serve Azure AI Vision's retrieval:vectorizeImage / retrieval:vectorizeText API on localhost"
                + " over a local embedder, so code written for Azure runs offline.",
            "Point VISION_ENDPOINT at it (e.g. http://127.0.0.1:5000); VISION_KEY can be any value unless --key is set."})
final class EmulatorCommand implements Callable<Integer> {
    @Option(names = "--port", defaultValue = "5000", description = "port to listen on, 0 for any free one (default ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "address to listen on (default ${DEFAULT-VALUE})")
    String host;

    @Option(names = "--embedder", description = "features or clip (default: clip when a model is present, else features)")
    String embedder;

    @Option(names = "--key", description = "require this Ocp-Apim-Subscription-Key (default: accept any); Bearer tokens are always accepted")
    String key;

    @Option(names = "--rate", defaultValue = "0", description = "calls per second before answering 429 with Retry-After (default: no limit)")
    double rate;

    @Option(names = "--quiet", description = "do not print a line per request")
    boolean quiet;

    @Override
    public Integer call() throws InterruptedException {
        Embedders.Selection selection = select(Settings.load(), embedder);
        try (Embedder local = selection.embedder();
             AzureVisionEmulator emulator = AzureVisionEmulator.start(local, host, port, key, rate,
                     quiet ? null : System.out)) {
            System.out.println("Azure AI Vision emulator listening on " + emulator.endpoint());
            System.out.println("  embedder: " + local.modelId() + " (" + local.dimensions() + "-d, "
                    + (local.supportsText() ? "images and text" : "images only") + "): " + selection.reason());
            System.out.println("  answers modelVersion=" + local.modelId() + "; api-version " + AzureVisionEmulator.API_VERSION_GA
                    + ", model-version " + String.join(" or ", AzureVisionEmulator.MODEL_VERSIONS)
                    + (key == null ? "; any key accepted" : "; key required")
                    + (rate > 0 ? String.format(Locale.ROOT, "; at most %.3g calls/s, then 429", rate) : ""));
            System.out.println("  use it: export VISION_ENDPOINT=" + emulator.endpoint() + " VISION_KEY="
                    + (key == null ? "any-value" : "<the --key value>") + "   (Ctrl-C stops)");
            new CountDownLatch(1).await();
        }
        return 0;
    }

    /** Picks the local embedder: {@code features}, {@code clip}, or the best local one when {@code name} is null. */
    static Embedders.Selection select(Settings settings, String name) {
        String choice = name == null ? null : name.strip().toLowerCase(Locale.ROOT);
        if (choice != null && !choice.equals("features") && !choice.equals("clip")) {
            throw new IllegalArgumentException("--embedder " + name + " is not known: expected one of [features, clip]");
        }
        // Never Azure: the emulator stands in for it. Without a choice, the configured local one, else the best local one.
        String reason = "--embedder " + choice;
        if (choice == null) {
            String configured = settings.get("VISION_EMBEDDER").map(s -> s.toLowerCase(Locale.ROOT)).orElse("");
            if (configured.equals("features") || configured.equals("clip")) {
                choice = configured;
                reason = "VISION_EMBEDDER=" + configured;
            } else {
                Path dir = ClipEmbedder.modelDir(settings);
                choice = ClipEmbedder.isModelDir(dir) ? "clip" : "features";
                reason = choice.equals("clip") ? "a CLIP model is present in " + dir
                        : "no CLIP model in " + dir + " (run `vision-search model download`), so image features";
            }
        }
        Embedders.Selection picked = Embedders.select(settings.with("VISION_EMBEDDER", choice));
        return new Embedders.Selection(picked.embedder(), reason);
    }
}
