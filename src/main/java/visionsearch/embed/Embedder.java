package visionsearch.embed;

import java.net.URI;
import java.nio.file.Path;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Turns images and text into vectors of one model.
 *
 * <p>Implementations: {@link visionsearch.embed.azure.AzureVisionEmbedder} (Azure AI Vision multimodal embeddings, 1024-d),
 * {@link visionsearch.embed.clip.ClipEmbedder} (local CLIP on ONNX Runtime, 512-d) and {@link visionsearch.embed.features.ImageFeatureEmbedder}
 * (a classical colour / texture descriptor, image-to-image only). {@link Embedders#fromSettings}
 * picks one from configuration. Every {@link Embedding} carries {@link #modelId()}.
 *
 * <p>Embedders are thread-safe and {@link AutoCloseable}; use after close throws
 * {@link IllegalStateException}.
 */
public interface Embedder extends AutoCloseable {

    /** Embeds a validated image. */
    Embedding embedImage(ImageInput image);

    /**
     * Embeds a text prompt.
     *
     * @throws UnsupportedOperationException if this embedder has no text model ({@link #supportsText()} is false);
     *     the message says which embedder to configure instead
     */
    Embedding embedText(String text);

    /** Returns the id of the model, e.g. {@code azure-vision:2023-04-15}; every embedding carries it. */
    String modelId();

    /** Returns the number of dimensions of every vector this embedder makes. */
    int dimensions();

    /** Returns true if {@link #embedText(String)} is supported. */
    default boolean supportsText() {
        return true;
    }

    /** Reads, validates and embeds the image file at {@code path}. */
    default Embedding embedImage(Path path) {
        return embedImage(ImageInput.of(path));
    }

    /** Validates and embeds image bytes. */
    default Embedding embedImage(byte[] bytes) {
        return embedImage(ImageInput.of(bytes));
    }

    /** Reads (at most 20 MB), validates and embeds an image stream; the stream is not closed. */
    default Embedding embedImage(InputStream in) {
        return embedImage(ImageInput.of(in));
    }

    /** Embeds the image at a public http(s) URL. */
    default Embedding embedImage(URI url) {
        return embedImage(ImageInput.ofUrl(url.toString()));
    }

    /**
     * Embeds many images; one {@link EmbeddingResult} per input, in input order. A bad image gives
     * a failed result and never fails the batch. The default runs one at a time; remote embedders
     * run concurrently within their rate limit. Meant for small lists: the results come back together
     * at the end; to index a folder use {@code visionsearch.index.Indexer}, which streams.
     *
     * @param progress called after each item with (done, total); may be {@link BatchProgress#NONE}
     */
    default List<EmbeddingResult> embedImages(List<ImageInput> images, BatchProgress progress) {
        Objects.requireNonNull(images, "images");
        Objects.requireNonNull(progress, "progress");
        List<EmbeddingResult> results = new ArrayList<>(images.size());
        for (int i = 0; i < images.size(); i++) {
            try {
                results.add(EmbeddingResult.success(i, images.get(i).source(), embedImage(images.get(i))));
            } catch (RuntimeException e) {
                results.add(EmbeddingResult.failure(i, images.get(i).source(), e));
            }
            progress.update(i + 1, images.size());
        }
        return results;
    }

    /**
     * Returns how a pipeline (the indexer) should call this embedder to keep it busy. The default,
     * {@link CallPlan#REMOTE}, suits a service that paces its own calls; local models say how many
     * images they run at once and how many calls overlap (decoding the next batch while the model runs).
     */
    default CallPlan callPlan() {
        return CallPlan.REMOTE;
    }

    /** Releases native or network resources; the default does nothing. */
    @Override
    default void close() {
    }
}
