package visionsearch.index;

import visionsearch.store.VectorStore;

/**
 * Opens or creates the store for the model of the first embedding that arrives, for an
 * {@link Indexer} made with {@link Indexer#builder(visionsearch.embed.Embedder, StoreOpener)}.
 *
 * <p>Some embedders learn their model only from their first answer (the Azure client behind the
 * emulator, which serves a local model): a new store must not be bound to a guess. The store opened
 * is the caller's to close; the opener may keep a reference to it.
 */
@FunctionalInterface
public interface StoreOpener {
    /** Opens (or creates) the store for vectors of {@code modelId} with {@code dimensions} components. */
    VectorStore open(String modelId, int dimensions);
}
