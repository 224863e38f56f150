package visionsearch.index;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import visionsearch.embed.Embedder;
import visionsearch.embed.Embedding;
import visionsearch.embed.ImageInput;
import visionsearch.store.HybridHit;
import visionsearch.store.RankFusion;
import visionsearch.store.SearchHit;
import visionsearch.store.VectorStore;

/**
 * Searches a {@link VectorStore} by text prompt or by example image, embedding the query with the
 * same model that filled the store.
 *
 * <p>An example image the store already holds (same content hash) is not embedded again: its stored
 * vector is the query, when the store can give it back ({@link VectorStore#vector(String)}); an
 * embedder with a cache in front answers the others it has seen. Every query vector's model is
 * checked against the store's. It neither owns nor closes the embedder or the store.
 */
public final class ImageSearch {
    private final Embedder embedder;
    private final VectorStore store;

    private ImageSearch(Embedder embedder, VectorStore store) {
        this.embedder = embedder;
        this.store = store;
    }

    /**
     * Searches {@code store} with queries embedded by {@code embedder}. Nothing is asked of the embedder
     * yet (an endpoint may tell its model only with its first answer); each query is checked instead.
     */
    public static ImageSearch of(Embedder embedder, VectorStore store) {
        Objects.requireNonNull(embedder, "embedder");
        Objects.requireNonNull(store, "store");
        return new ImageSearch(embedder, store);
    }

    /** Returns up to {@code k} images most similar to the text prompt, best first. */
    public List<SearchHit> byText(String text, int k) {
        return byText(text, k, Map.of());
    }

    /**
     * Returns up to {@code k} images most similar to the text prompt among those whose metadata
     * contains every entry of {@code filter}, best first.
     *
     * @throws UnsupportedOperationException if the embedder has no text model (image features)
     */
    public List<SearchHit> byText(String text, int k, Map<String, String> filter) {
        Objects.requireNonNull(text, "text");
        checkK(k);
        return nearest(embedder.embedText(text), k, filter);
    }

    /** Returns up to {@code k} images most similar to the image file, best first. */
    public List<SearchHit> byImage(Path image, int k) {
        return byImage(image, k, Map.of());
    }

    /** Returns up to {@code k} images most similar to the image file among those matching {@code filter}. */
    public List<SearchHit> byImage(Path image, int k, Map<String, String> filter) {
        Objects.requireNonNull(image, "image");
        return byImage(ImageInput.of(image), k, filter);
    }

    /**
     * Returns up to {@code k} images most similar to the image (bytes or URL) among those matching
     * {@code filter}; an image the store holds is searched with its stored vector, without a call.
     */
    public List<SearchHit> byImage(ImageInput image, int k, Map<String, String> filter) {
        Objects.requireNonNull(image, "image");
        checkK(k);
        Optional<float[]> stored = image.isUrl() ? Optional.empty() : store.vector(image.sha256());
        if (stored.isPresent() && stored.get().length == store.dimensions()) {
            return nearest(new Embedding(stored.get(), store.modelId()), k, filter);
        }
        return nearest(embedder.embedImage(image), k, filter);
    }

    /**
     * Returns up to {@code k} images most similar to an embedding made elsewhere (e.g. a text embedded
     * with options this class does not know) among those matching {@code filter}.
     *
     * @throws IllegalArgumentException if the embedding's model or dimension is not the store's
     */
    public List<SearchHit> byEmbedding(Embedding query, int k, Map<String, String> filter) {
        Objects.requireNonNull(query, "query");
        checkK(k);
        return nearest(query, k, filter);
    }

    /**
     * Returns up to {@code k} images for a query of several parts (texts, images, stored items, each weighted, plus
     * or minus) and optional keywords, among those matching {@code filter}; see {@link QueryCombiner}.
     */
    public List<HybridHit> byQuery(Query query, int k, Map<String, String> filter) {
        return QueryCombiner.of(embedder, store).search(query, k, filter, RankFusion.rrf());
    }

    /** Returns the embedder used for queries. */
    public Embedder embedder() {
        return embedder;
    }

    /** Returns the store searched. */
    public VectorStore store() {
        return store;
    }

    private static void checkK(int k) {
        if (k < 1) {
            throw new IllegalArgumentException("k must be at least 1, got " + k);
        }
    }

    private List<SearchHit> nearest(Embedding query, int k, Map<String, String> filter) {
        Objects.requireNonNull(filter, "filter");
        if (!query.modelId().equals(store.modelId()) || query.dimensions() != store.dimensions()) {
            throw new IllegalArgumentException("the embedder made a " + query.modelId() + " vector of "
                    + query.dimensions() + " dimensions, but the store holds " + store.modelId() + " vectors of "
                    + store.dimensions() + " dimensions; use the embedder that filled the store, or another"
                    + " collection or store file for this model");
        }
        return store.search(query.vector(), k, filter);
    }
}
