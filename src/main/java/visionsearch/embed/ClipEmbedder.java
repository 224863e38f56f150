package visionsearch.embed;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Local CLIP ViT-B/32 on ONNX Runtime. STUB: the offline issue fills this in.
 */
public final class ClipEmbedder implements Embedder {
    private ClipEmbedder() {
    }

    /** Returns the model folder: {@code CLIP_MODEL_DIR}, else the default download folder. */
    public static Path modelDir(Settings settings) {
        return settings.get("CLIP_MODEL_DIR").map(Path::of)
                .orElse(Path.of(System.getProperty("user.home"), ".cache", "vision-search", "clip-vit-base-patch32"));
    }

    /** Returns true if {@code dir} holds a usable model export. */
    public static boolean isModelDir(Path dir) {
        return Files.isRegularFile(dir.resolve("vision_model.onnx"));
    }

    /** Loads the model export in {@code dir}. */
    public static ClipEmbedder open(Path dir) {
        throw new UnsupportedOperationException("ClipEmbedder is not implemented yet");
    }

    @Override
    public Embedding embedImage(ImageInput image) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    @Override
    public Embedding embedText(String text) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    @Override
    public String modelId() {
        return "clip:ViT-B-32";
    }

    @Override
    public int dimensions() {
        return 512;
    }
}
