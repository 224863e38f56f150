package visionsearch.index;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import visionsearch.embed.BatchProgress;
import visionsearch.embed.CallPlan;
import visionsearch.embed.Embedder;
import visionsearch.embed.Embedding;
import visionsearch.embed.EmbeddingResult;
import visionsearch.embed.ImageInput;

/**
 * Wraps a real embedder, counting the images it is asked to embed (and the embedImages calls) and
 * optionally sleeping per image (to be killable). Its call plan is the wrapped embedder's unless given.
 */
class CountingEmbedder implements Embedder {
    final Embedder inner;
    final AtomicInteger images = new AtomicInteger();
    final AtomicInteger batches = new AtomicInteger();
    private final long sleepMillis;
    private final CallPlan plan;

    CountingEmbedder(Embedder inner, long sleepMillis) {
        this(inner, sleepMillis, inner.callPlan());
    }

    CountingEmbedder(Embedder inner, long sleepMillis, CallPlan plan) {
        this.inner = inner;
        this.sleepMillis = sleepMillis;
        this.plan = plan;
    }

    @Override
    public CallPlan callPlan() {
        return plan;
    }

    @Override
    public Embedding embedImage(ImageInput image) {
        images.incrementAndGet();
        if (sleepMillis > 0) {
            try {
                Thread.sleep(sleepMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        return inner.embedImage(image);
    }

    @Override
    public List<EmbeddingResult> embedImages(List<ImageInput> images, BatchProgress progress) {
        batches.incrementAndGet();
        return Embedder.super.embedImages(images, progress);
    }

    @Override
    public Embedding embedText(String text) {
        return inner.embedText(text);
    }

    @Override
    public String modelId() {
        return inner.modelId();
    }

    @Override
    public int dimensions() {
        return inner.dimensions();
    }

    @Override
    public boolean supportsText() {
        return inner.supportsText();
    }

    @Override
    public void close() {
        inner.close();
    }
}
