package visionsearch.embed;

import java.util.Objects;

/**
 * The outcome of one item of a batch: an embedding or the error that stopped it.
 *
 * @param index     the item's position in the input list
 * @param source    the item's label (file path, URL, "bytes")
 * @param embedding the embedding, or null if it failed
 * @param error     the error, or null if it succeeded
 */
public record EmbeddingResult(int index, String source, Embedding embedding, RuntimeException error) {

    /** Checks that exactly one of embedding and error is set. */
    public EmbeddingResult {
        Objects.requireNonNull(source, "source");
        if ((embedding == null) == (error == null)) {
            throw new IllegalArgumentException("exactly one of embedding and error must be set");
        }
    }

    /** A successful item. */
    public static EmbeddingResult success(int index, String source, Embedding embedding) {
        return new EmbeddingResult(index, source, Objects.requireNonNull(embedding, "embedding"), null);
    }

    /** A failed item. */
    public static EmbeddingResult failure(int index, String source, RuntimeException error) {
        return new EmbeddingResult(index, source, null, Objects.requireNonNull(error, "error"));
    }

    /** Returns true if the item was embedded. */
    public boolean ok() {
        return embedding != null;
    }
}
