package visionsearch.embed.azure;

import java.util.Objects;
import visionsearch.embed.Embedder;
import visionsearch.embed.Embedders;
import visionsearch.embed.Settings;

/**
 * The Azure AI Vision endpoint a lesson talks to: Azure itself when {@code VISION_KEY} is set, else an
 * {@link AzureVisionEmulator} started in this process over the best local embedder (CLIP when a model
 * is downloaded, else image features), so the same client code runs offline. Closing it stops the
 * emulator.
 *
 * <pre>{@code
 * try (AzureEndpoint service = AzureEndpoint.open(Settings.load())) {
 *     AzureVisionEmbedder azure = AzureVisionEmbedder.fromSettings(service.settings());
 * }
 * }</pre>
 */
public final class AzureEndpoint implements AutoCloseable {
    private final Settings settings;
    private final AzureVisionEmulator emulator;
    private final Embedder local;
    private final boolean textWorks;
    private final String description;

    private AzureEndpoint(Settings settings, AzureVisionEmulator emulator, Embedder local, boolean textWorks,
                          String description) {
        this.settings = settings;
        this.emulator = emulator;
        this.local = local;
        this.textWorks = textWorks;
        this.description = description;
    }

    /** Uses Azure if {@code settings} has a {@code VISION_KEY}, else starts the emulator on a free loopback port. */
    public static AzureEndpoint open(Settings settings) {
        Objects.requireNonNull(settings, "settings");
        if (settings.get("VISION_KEY").isPresent()) {
            String where = settings.get("VISION_ENDPOINT", "(VISION_ENDPOINT unset)");
            boolean loopback = where.matches("https?://(127\\.|localhost|\\[::1]).*");
            return new AzureEndpoint(settings, null, null, !loopback || probeText(settings),
                    (loopback ? "a local server speaking Azure's API at " : "Azure AI Vision at ") + where
                            + " (VISION_KEY is set)");
        }
        // No key: Embedders picks CLIP when a model is downloaded, else image features; the emulator serves either.
        Embedder local = Embedders.select(settings).embedder();
        AzureVisionEmulator emulator = AzureVisionEmulator.start(local);
        // The emulator started without a key accepts any; the client still sends one, as to Azure.
        Settings emulated = settings.with("VISION_ENDPOINT", emulator.endpoint()).with("VISION_KEY", "emulator-accepts-any-key");
        return new AzureEndpoint(emulated, emulator, local, local.supportsText(),
                "the emulator, in this process, over " + local.modelId() + " (no VISION_KEY: set one in .env to call Azure)");
    }

    private static boolean probeText(Settings settings) {
        try (AzureVisionEmbedder probe = AzureVisionEmbedder.fromSettings(settings)) {
            probe.embedText("a photo");
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Returns the settings to build clients with: {@code VISION_ENDPOINT} and {@code VISION_KEY} point here. */
    public Settings settings() {
        return settings;
    }

    /** Returns the endpoint URL. */
    public String endpoint() {
        return settings.get("VISION_ENDPOINT").orElseThrow();
    }

    /** Returns whether this is the in-process emulator. */
    public boolean emulated() {
        return emulator != null;
    }

    /** Returns whether the model behind the endpoint embeds text (the emulator over image features does not). */
    public boolean textWorks() {
        return textWorks;
    }

    /** Returns which endpoint this is and why, in one line (never the key). */
    @Override
    public String toString() {
        return description;
    }

    /** Stops the emulator (if one was started) and closes its embedder. */
    @Override
    public void close() {
        if (emulator != null) {
            try {
                emulator.close();
            } finally {
                local.close();
            }
        }
    }
}
