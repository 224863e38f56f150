package visionsearch.embed;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Objects;
import visionsearch.embed.azure.AzureVisionEmbedder;
import visionsearch.embed.clip.ClipEmbedder;
import visionsearch.embed.features.ImageFeatureEmbedder;

/**
 * Picks an embedder from {@link Settings}: {@code VISION_EMBEDDER} when set ({@code azure},
 * {@code clip}, {@code features}); otherwise Azure when {@code VISION_KEY} is set, else CLIP when a
 * model folder is present, else image features.
 */
public final class Embedders {
    private Embedders() {
    }

    /**
     * The chosen embedder and a sentence saying why it was chosen.
     *
     * @param embedder the embedder, ready to use; close it when done
     * @param reason   why this one, in words for the user
     */
    public record Selection(Embedder embedder, String reason) {
        /** Checks both are set. */
        public Selection {
            Objects.requireNonNull(embedder, "embedder");
            Objects.requireNonNull(reason, "reason");
        }
    }

    /** Returns the configured embedder. */
    public static Embedder fromSettings(Settings settings) {
        return select(settings).embedder();
    }

    /** Returns the configured embedder and the reason it was chosen. */
    public static Selection select(Settings settings) {
        Objects.requireNonNull(settings, "settings");
        String explicit = settings.get("VISION_EMBEDDER").map(s -> s.toLowerCase(Locale.ROOT)).orElse(null);
        Path clipDir = ClipEmbedder.modelDir(settings);
        if (explicit != null) {
            switch (explicit) {
                case "azure":
                    return new Selection(AzureVisionEmbedder.fromSettings(settings),
                            "VISION_EMBEDDER=azure");
                case "clip":
                    return new Selection(ClipEmbedder.open(clipDir), "VISION_EMBEDDER=clip (model in " + clipDir + ")");
                case "features":
                    return new Selection(ImageFeatureEmbedder.create(), "VISION_EMBEDDER=features");
                default:
                    throw new IllegalArgumentException("VISION_EMBEDDER=" + explicit
                            + " is not known: expected one of [azure, clip, features]");
            }
        }
        if (settings.get("VISION_KEY").isPresent()) {
            return new Selection(AzureVisionEmbedder.fromSettings(settings),
                    "VISION_KEY is set, so Azure AI Vision at " + settings.get("VISION_ENDPOINT", "(VISION_ENDPOINT unset)"));
        }
        if (ClipEmbedder.isModelDir(clipDir)) {
            return new Selection(ClipEmbedder.open(clipDir),
                    "no VISION_KEY; a CLIP model is present in " + clipDir);
        }
        return new Selection(ImageFeatureEmbedder.create(),
                "no VISION_KEY and no CLIP model in " + clipDir
                        + " (run `vision-search model download` or set CLIP_MODEL_DIR), so classical image features:"
                        + " image-to-image search only");
    }
}
