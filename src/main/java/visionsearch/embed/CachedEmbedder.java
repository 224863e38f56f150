package visionsearch.embed;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An {@link Embedder} that answers from an {@link EmbeddingCache} and calls the wrapped embedder
 * only for misses, storing what it returns. Made by {@link EmbeddingCache#wrap(Embedder)}.
 *
 * <p>Only entries of the wrapped embedder's {@link #modelId()} and {@link #dimensions()} are served.
 * {@link #embedImages} answers hits at once and sends the misses to the wrapped embedder as one
 * batch (so Azure's concurrency and rate limit apply to them); results stay in input order.
 * URL image inputs always go to the wrapped embedder. {@link #close()} closes the wrapped embedder
 * but not the cache.
 */
public final class CachedEmbedder implements Embedder {
    private final EmbeddingCache cache;
    private final Embedder delegate;
    private final AtomicLong hits = new AtomicLong();
    private final AtomicLong misses = new AtomicLong();

    CachedEmbedder(EmbeddingCache cache, Embedder delegate) {
        this.cache = Objects.requireNonNull(cache, "cache");
        this.delegate = Objects.requireNonNull(delegate, "embedder");
    }

    /** Returns the cached embedding of the image's bytes, or embeds and stores it. */
    @Override
    public Embedding embedImage(ImageInput image) {
        Objects.requireNonNull(image, "image");
        Optional<Embedding> cached = lookup(image);
        if (cached.isPresent()) {
            hits.incrementAndGet();
            return cached.get();
        }
        misses.incrementAndGet();
        Embedding e = delegate.embedImage(image);
        store(image, e);
        return e;
    }

    /** Returns the cached embedding of the text, or embeds and stores it. */
    @Override
    public Embedding embedText(String text) {
        Objects.requireNonNull(text, "text");
        Optional<Embedding> cached = cache.getText(delegate.modelId(), text).filter(this::fits);
        if (cached.isPresent()) {
            hits.incrementAndGet();
            return cached.get();
        }
        misses.incrementAndGet();
        Embedding e = delegate.embedText(text);
        if (fits(e)) {
            cache.putText(text, e);
        }
        return e;
    }

    /** Answers hits from the cache and sends the misses to the wrapped embedder as one batch; input order is kept. */
    @Override
    public List<EmbeddingResult> embedImages(List<ImageInput> images, BatchProgress progress) {
        Objects.requireNonNull(images, "images");
        Objects.requireNonNull(progress, "progress");
        int total = images.size();
        EmbeddingResult[] results = new EmbeddingResult[total];
        List<ImageInput> missed = new ArrayList<>();
        List<Integer> missedAt = new ArrayList<>();
        for (int i = 0; i < total; i++) {
            ImageInput image = images.get(i);
            Optional<Embedding> cached = image == null ? Optional.empty() : lookup(image);
            if (cached.isPresent()) {
                hits.incrementAndGet();
                results[i] = EmbeddingResult.success(i, image.source(), cached.get());
            } else {
                missed.add(image);
                missedAt.add(i);
            }
        }
        int hitCount = total - missed.size();
        if (hitCount > 0) {
            progress.update(hitCount, total);
        }
        if (!missed.isEmpty()) {
            misses.addAndGet(missed.size());
            List<EmbeddingResult> fresh = delegate.embedImages(missed,
                    (done, missedTotal) -> progress.update(hitCount + done, total));
            for (int j = 0; j < fresh.size(); j++) {
                EmbeddingResult r = fresh.get(j);
                int i = missedAt.get(r.index());
                if (r.ok()) {
                    store(missed.get(r.index()), r.embedding());
                    results[i] = EmbeddingResult.success(i, r.source(), r.embedding());
                } else {
                    results[i] = EmbeddingResult.failure(i, r.source(), r.error());
                }
            }
        }
        List<EmbeddingResult> out = new ArrayList<>(total);
        for (int i = 0; i < total; i++) {
            out.add(results[i] != null ? results[i] : EmbeddingResult.failure(i, source(images.get(i)),
                    new EmbeddingException("the wrapped embedder returned no result for item " + i, false, null)));
        }
        return out;
    }

    /** Returns the wrapped embedder's model id. */
    @Override
    public String modelId() {
        return delegate.modelId();
    }

    /** Returns the wrapped embedder's dimensions. */
    @Override
    public int dimensions() {
        return delegate.dimensions();
    }

    /** Returns whether the wrapped embedder embeds text. */
    @Override
    public boolean supportsText() {
        return delegate.supportsText();
    }

    /** Returns the wrapped embedder. */
    public Embedder delegate() {
        return delegate;
    }

    /** Returns how many items were answered from the cache. */
    public long hits() {
        return hits.get();
    }

    /** Returns how many items went to the wrapped embedder. */
    public long misses() {
        return misses.get();
    }

    /** Closes the wrapped embedder (not the cache). */
    @Override
    public void close() {
        delegate.close();
    }

    @Override
    public String toString() {
        return "CachedEmbedder[" + delegate + ", " + cache + ", hits=" + hits + ", misses=" + misses + "]";
    }

    private Optional<Embedding> lookup(ImageInput image) {
        return cache.getImage(delegate.modelId(), image).filter(this::fits);
    }

    private void store(ImageInput image, Embedding e) {
        if (fits(e)) {
            cache.putImage(image, e);
        }
    }

    /** Only vectors of the wrapped model's id and size are served or stored. */
    private boolean fits(Embedding e) {
        return e.modelId().equals(delegate.modelId()) && e.dimensions() == delegate.dimensions();
    }

    private static String source(ImageInput image) {
        return image == null ? "null" : image.source();
    }
}
