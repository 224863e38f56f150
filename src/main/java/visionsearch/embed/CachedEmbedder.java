package visionsearch.embed;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An {@link Embedder} that answers from an {@link EmbeddingCache} and calls the wrapped embedder
 * only for misses, storing each answer the moment it arrives (durably: see {@link EmbeddingCache#put}).
 * Made by {@link EmbeddingCache#wrap(Embedder)}.
 *
 * <p>Which model's entries are served: the model of the wrapped embedder's last answer; before the
 * first answer, the model given to {@link EmbeddingCache#wrap(Embedder, String)} (what this endpoint
 * answered last time), else the wrapped embedder's {@link Embedder#modelId()}. Every vector is stored
 * and served under the model id it carries, so vectors of different models never mix. Asking for a
 * hit makes no call at all, not even to learn the model.
 *
 * <p>{@link #embedImages} answers hits at once; the misses go to the wrapped embedder as its
 * {@link Embedder#callPlan()} says (one image per call from several threads for a remote service,
 * its own batches for a local model), and each answer is stored as it arrives; results stay in input
 * order. URL image inputs always go to the wrapped embedder. {@link #close()} closes the wrapped
 * embedder but not the cache.
 */
public final class CachedEmbedder implements Embedder {
    private final EmbeddingCache cache;
    private final Embedder delegate;
    private final AtomicLong hits = new AtomicLong();
    private final AtomicLong misses = new AtomicLong();
    /** The model whose entries are served (see the class comment), or null: ask the wrapped embedder. */
    private volatile String model;
    private volatile int dimensions;

    CachedEmbedder(EmbeddingCache cache, Embedder delegate, String expectedModel) {
        this.cache = Objects.requireNonNull(cache, "cache");
        this.delegate = Objects.requireNonNull(delegate, "embedder");
        this.model = expectedModel;
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
        learn(e);
        cache.putImage(image, e);
        return e;
    }

    /** Returns the cached embedding of the text, or embeds and stores it. */
    @Override
    public Embedding embedText(String text) {
        Objects.requireNonNull(text, "text");
        Optional<Embedding> cached = cache.getText(servedModel(), text);
        if (cached.isPresent()) {
            hits.incrementAndGet();
            return cached.get();
        }
        misses.incrementAndGet();
        Embedding e = delegate.embedText(text);
        learn(e);
        cache.putText(text, e);
        return e;
    }

    /** Returns the cached embedding of the image's bytes, if any, without calling the wrapped embedder. */
    public Optional<Embedding> cached(ImageInput image) {
        return lookup(Objects.requireNonNull(image, "image"));
    }

    /**
     * Answers hits from the cache; sends the misses to the wrapped embedder as its call plan says and
     * stores each answer as it arrives. Input order is kept.
     */
    @Override
    public List<EmbeddingResult> embedImages(List<ImageInput> images, BatchProgress progress) {
        Objects.requireNonNull(images, "images");
        Objects.requireNonNull(progress, "progress");
        int total = images.size();
        EmbeddingResult[] results = new EmbeddingResult[total];
        List<Integer> missedAt = new ArrayList<>();
        for (int i = 0; i < total; i++) {
            ImageInput image = images.get(i);
            Optional<Embedding> cached = image == null ? Optional.empty() : lookup(image);
            if (cached.isPresent()) {
                hits.incrementAndGet();
                results[i] = EmbeddingResult.success(i, image.source(), cached.get());
            } else if (image == null) {
                results[i] = EmbeddingResult.failure(i, "null", new IllegalArgumentException("images[" + i + "] is null"));
            } else {
                missedAt.add(i);
            }
        }
        AtomicInteger done = new AtomicInteger(total - missedAt.size());
        if (done.get() > 0) {
            progress.update(done.get(), total);
        }
        if (!missedAt.isEmpty()) {
            misses.addAndGet(missedAt.size());
            CallPlan plan = delegate.callPlan();
            if (plan.imagesPerCall() == 1 && missedAt.size() > 1) {
                oneByOne(images, missedAt, Math.min(plan.inFlight(), missedAt.size()), results, done, progress);
            } else {
                List<ImageInput> missed = new ArrayList<>(missedAt.size());
                missedAt.forEach(i -> missed.add(images.get(i)));
                List<EmbeddingResult> fresh = delegate.embedImages(missed, BatchProgress.NONE);
                for (EmbeddingResult r : fresh) {
                    int i = missedAt.get(r.index());
                    results[i] = r.ok() ? stored(i, images.get(i), r.embedding()) : EmbeddingResult.failure(i, r.source(), r.error());
                    progress.update(done.incrementAndGet(), total);
                }
            }
        }
        List<EmbeddingResult> out = new ArrayList<>(total);
        for (int i = 0; i < total; i++) {
            out.add(results[i] != null ? results[i] : EmbeddingResult.failure(i, images.get(i).source(),
                    new EmbeddingException("the wrapped embedder returned no result for item " + i, false, null)));
        }
        return out;
    }

    /** Embeds the misses one per call from {@code threads} threads, storing each answer as it arrives. */
    private void oneByOne(List<ImageInput> images, List<Integer> missedAt, int threads, EmbeddingResult[] results,
                          AtomicInteger done, BatchProgress progress) {
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "vision-search-cached-batch");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int i : missedAt) {
                futures.add(pool.submit(() -> {
                    ImageInput image = images.get(i);
                    try {
                        Embedding e = delegate.embedImage(image);
                        results[i] = stored(i, image, e);
                    } catch (RuntimeException e) {
                        results[i] = EmbeddingResult.failure(i, image.source(), e);
                    }
                    progress.update(done.incrementAndGet(), images.size());
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EmbeddingException("interrupted while embedding " + missedAt.size() + " images", false, e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    private EmbeddingResult stored(int index, ImageInput image, Embedding e) {
        learn(e);
        cache.putImage(image, e);
        return EmbeddingResult.success(index, image.source(), e);
    }

    /** Returns the model whose entries are served: see the class comment. */
    @Override
    public String modelId() {
        return servedModel();
    }

    /** Returns the dimension of the served model's vectors once one was seen, else the wrapped embedder's. */
    @Override
    public int dimensions() {
        int d = dimensions;
        return d > 0 ? d : delegate.dimensions();
    }

    /** Returns whether the wrapped embedder embeds text. */
    @Override
    public boolean supportsText() {
        return delegate.supportsText();
    }

    /** Returns the wrapped embedder's call plan. */
    @Override
    public CallPlan callPlan() {
        return delegate.callPlan();
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

    private String servedModel() {
        String m = model;
        return m != null ? m : delegate.modelId();
    }

    private Optional<Embedding> lookup(ImageInput image) {
        Optional<Embedding> hit = cache.getImage(servedModel(), image);
        hit.ifPresent(e -> dimensions = e.dimensions());
        return hit;
    }

    /** From now on serve the model of this answer (an endpoint tells its model with every answer). */
    private void learn(Embedding e) {
        model = e.modelId();
        dimensions = e.dimensions();
    }
}
