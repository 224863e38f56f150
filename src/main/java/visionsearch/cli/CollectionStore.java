package visionsearch.cli;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import visionsearch.embed.Embedder;
import visionsearch.embed.Settings;
import visionsearch.index.Indexer;
import visionsearch.index.StoreOpener;
import visionsearch.store.Distance;
import visionsearch.store.Distribution;
import visionsearch.store.InMemoryVectorStore;
import visionsearch.store.PgVectorStore;
import visionsearch.store.VectorStore;
import visionsearch.store.VectorStores;

/**
 * Opens the store a command works on: PostgreSQL when {@code DATABASE_URL} is set, else the
 * in-memory store saved in {@code .vision-search/<collection>.<model>.vec} under the working
 * directory (or the file given with {@code --store}).
 */
final class CollectionStore {
    /** The folder, under the working directory, that holds the default store files. */
    static final Path DEFAULT_DIR = Path.of(".vision-search");

    private static final Pattern COLLECTION = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    private CollectionStore() {
    }

    /** Checks a collection name (it is also a PostgreSQL table name): lower-case letters, digits, underscores. */
    static String checkCollection(String name) {
        if (!COLLECTION.matcher(name).matches()) {
            throw new IllegalArgumentException("collection name " + name + " is not valid: use lower-case letters,"
                    + " digits and underscores, not starting with a digit, at most 63 in all (e.g. images)");
        }
        return name;
    }

    /** Returns the default store file for {@code collection} and the embedder's model, e.g. {@code .vision-search/images.clip_ViT-B-32.vec}. */
    static Path defaultFile(String collection, String modelId) {
        return DEFAULT_DIR.resolve(collection + "." + modelId.replaceAll("[^A-Za-z0-9._-]", "_") + ".vec");
    }

    /**
     * Returns where {@code store}'s collection is kept, and whether Citus distributes it, for messages (never the
     * database password).
     */
    static String describe(Settings settings, String collection, String modelId, Path file, VectorStore store) {
        if (store instanceof PgVectorStore pg) {
            return "PostgreSQL (DATABASE_URL), collection " + collection
                    + (pg.distributed() ? ", distributed by Citus in " + pg.shardCount() + " shards" : "");
        }
        return "in-memory store file " + (file != null ? file : defaultFile(collection, modelId));
    }

    private static String otherModels(String collection, String modelId) {
        List<String> found = new ArrayList<>();
        if (Files.isDirectory(DEFAULT_DIR)) {
            try (DirectoryStream<Path> files = Files.newDirectoryStream(DEFAULT_DIR, collection + ".*.vec")) {
                files.forEach(f -> found.add(f.toString()));
            } catch (IOException e) {
                return "";
            }
        }
        return found.isEmpty() ? "" : "; this collection was indexed with another embedder (" + String.join(", ", found)
                + "): set VISION_EMBEDDER to the one that made it, or index again with this one";
    }
    /**
     * The store an index run writes to: open already when the collection exists, else created when the
     * first answer arrives, for that answer's model (an endpoint may say its model only by answering).
     */
    static final class Target implements AutoCloseable {
        private final StoreOpener opener;
        private final String description;
        private VectorStore store;

        private Target(VectorStore store, StoreOpener opener, String description) {
            this.store = store;
            this.opener = opener;
            this.description = description;
        }

        /** Returns an indexer builder writing to this target. */
        Indexer.Builder indexer(Embedder embedder) {
            return store != null ? Indexer.builder(embedder, store) : Indexer.builder(embedder, (modelId, dimensions) -> {
                store = opener.open(modelId, dimensions);
                return store;
            });
        }

        /** The store, or null while none was opened. */
        VectorStore store() {
            return store;
        }

        /** Where the collection is kept (and, once open, whether Citus distributes it), for messages. */
        String description(Settings settings, String collection, Path file) {
            return store == null ? description : describe(settings, collection, store.modelId(), file, store);
        }

        @Override
        public void close() {
            if (store != null) {
                store.close();
            }
        }
    }

    /**
     * Finds the store an index run writes to, making no embedding: an existing collection is opened with
     * the model it holds; a new one is left to the first answer. {@code modelId} is the model the
     * embedder is expected to answer with (it names the default store file).
     */
    static Target forIndexing(Settings settings, String collection, Path file, String modelId,
                              Distribution distribution) {
        checkCollection(collection);
        Optional<String> url = settings.get("DATABASE_URL");
        if (url.isPresent() && file == null) {
            String where = "PostgreSQL (DATABASE_URL), collection " + collection;
            Optional<VectorStores.StoredModel> held = VectorStores.collectionModel(url.get(), collection);
            StoreOpener opener = (m, d) -> VectorStores.open(url.get(), collection, m, d, Distance.COSINE, distribution);
            if (held.isEmpty()) {
                return new Target(null, opener, where + " (created on the first answer)");
            }
            VectorStore store = opener.open(held.get().modelId(), held.get().dimensions());
            return new Target(store, null, describe(settings, collection, held.get().modelId(), file, store));
        }
        Path path = file != null ? file : defaultFile(collection, modelId);
        if (Files.isRegularFile(path)) {
            return new Target(InMemoryVectorStore.load(path), null, "in-memory store file " + path);
        }
        StoreOpener opener = (m, d) -> InMemoryVectorStore.open(file != null ? file : defaultFile(collection, m), m, d,
                Distance.COSINE);
        return new Target(null, opener, "in-memory store file " + (file != null ? file
                : DEFAULT_DIR.resolve(collection + ".<model>.vec")) + " (created on the first answer)");
    }

    /**
     * Opens the existing store a search reads, with the model it holds; {@code modelId} (the model the
     * embedder is expected to answer with) names the default store file.
     *
     * @throws IllegalArgumentException if the collection does not exist or is empty, saying to index first
     */
    static VectorStore forSearch(Settings settings, String collection, Path file, String modelId) {
        checkCollection(collection);
        String indexFirst = "run `vision-search index <folder>" + (collection.equals("images") ? "" : " --collection "
                + collection) + "` first";
        Optional<String> url = settings.get("DATABASE_URL");
        if (url.isPresent() && file == null) {
            VectorStores.StoredModel held = VectorStores.collectionModel(url.get(), collection).orElseThrow(() ->
                    new IllegalArgumentException("collection " + collection + " is not in PostgreSQL (DATABASE_URL): "
                            + indexFirst));
            VectorStore store = VectorStores.open(url.get(), collection, held.modelId(), held.dimensions(),
                    Distance.COSINE);
            if (store.count() == 0) {
                store.close();
                throw new IllegalArgumentException("collection " + collection + " in PostgreSQL (DATABASE_URL) is empty: "
                        + indexFirst);
            }
            return store;
        }
        Path path = file != null ? file : defaultFile(collection, modelId);
        if (!Files.isRegularFile(path)) {
            throw new IllegalArgumentException("no index at " + path + " for model " + modelId + ": " + indexFirst
                    + otherModels(collection, modelId));
        }
        return InMemoryVectorStore.load(path);
    }
}
