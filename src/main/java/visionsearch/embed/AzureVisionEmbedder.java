package visionsearch.embed;

/**
 * Azure AI Vision multimodal embeddings ({@code retrieval:vectorizeImage} / {@code retrieval:vectorizeText}).
 * STUB: the foundation issue fills this in.
 */
public final class AzureVisionEmbedder implements Embedder {
    private AzureVisionEmbedder() {
    }

    /** Builds a client from {@code VISION_ENDPOINT}, {@code VISION_KEY} and the other {@code VISION_*} settings. */
    public static AzureVisionEmbedder fromSettings(Settings settings) {
        throw new UnsupportedOperationException("AzureVisionEmbedder is not implemented yet");
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
        return "azure-vision:2023-04-15";
    }

    @Override
    public int dimensions() {
        return 1024;
    }
}
