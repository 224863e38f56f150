package visionsearch.embed;

/**
 * A classical colour / texture descriptor; no model, image-to-image only. STUB: the offline issue fills this in.
 */
public final class ImageFeatureEmbedder implements Embedder {
    private ImageFeatureEmbedder() {
    }

    /** Creates the embedder. */
    public static ImageFeatureEmbedder create() {
        return new ImageFeatureEmbedder();
    }

    @Override
    public Embedding embedImage(ImageInput image) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    @Override
    public Embedding embedText(String text) {
        throw new UnsupportedOperationException("the image-features embedder has no text model: set VISION_KEY "
                + "(Azure) or download a CLIP model (`vision-search model download`) for text queries");
    }

    @Override
    public boolean supportsText() {
        return false;
    }

    @Override
    public String modelId() {
        return "features:grid-hist-v1";
    }

    @Override
    public int dimensions() {
        return 1;
    }
}
