package visionsearch.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import visionsearch.embed.azure.AzureVisionEmbedder;
import visionsearch.embed.CachedEmbedder;
import visionsearch.embed.Embedder;
import visionsearch.embed.EmbeddingCache;
import visionsearch.embed.Embedders;
import visionsearch.embed.Settings;
import visionsearch.index.IndexSummary;
import visionsearch.index.Indexer;
import visionsearch.store.VectorStore;

/** {@code vision-search index <folder>}: embeds every new image of a folder into a collection. */
@Command(name = "index", mixinStandardHelpOptions = true,
        description = {"Index a folder of images (recursively; images recognised by content) into a collection.",
            "Images already in the collection (same SHA-256) are skipped, so an interrupted run can simply be run again.",
            "Store: PostgreSQL when DATABASE_URL is set, else the file .vision-search/<collection>.<model>.vec."})
final class IndexCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "FOLDER", description = "the folder of images")
    Path folder;

    @Option(names = "--collection", defaultValue = "images", description = "collection name (default ${DEFAULT-VALUE})")
    String collection;

    @Option(names = "--batch", defaultValue = "" + Indexer.DEFAULT_BATCH_SIZE,
            description = "images per batch: embedded together, then written (default ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--store", paramLabel = "FILE",
            description = "in-memory store file instead of the default .vision-search/<collection>.<model>.vec")
    Path storeFile;

    @Option(names = {"-q", "--quiet"}, description = "no progress bar")
    boolean quiet;

    @Option(names = "--no-cache", negatable = false,
            description = "with Azure, do not keep vectors in .vision-search/embeddings.cache (by default a vector"
                    + " Azure made once is never paid for again, e.g. when indexing into another store)")
    boolean noCache;

    /** The cache of Azure vectors, one file per working directory. */
    static final Path CACHE_FILE = CollectionStore.DEFAULT_DIR.resolve("embeddings.cache");

    @Override
    public Integer call() {
        Settings settings = Settings.load();
        Embedders.Selection selection = Embedders.select(settings);
        boolean cached = !noCache && selection.embedder() instanceof AzureVisionEmbedder;
        try (EmbeddingCache cache = cached ? EmbeddingCache.open(CACHE_FILE) : null;
             Embedder embedder = cached ? cache.wrap(selection.embedder()) : selection.embedder();
             VectorStore store = CollectionStore.open(settings, collection, embedder, storeFile, false)) {
            System.out.println("embedder: " + embedder.modelId() + " (" + selection.reason() + ")"
                    + (cached ? "; vectors cached in " + CACHE_FILE : ""));
            System.out.println("store:    " + CollectionStore.describe(settings, collection, embedder, storeFile)
                    + " (" + store.count() + " images before)");
            IndexSummary summary = Indexer.builder(embedder, store).batchSize(batch).quiet(quiet).build().index(folder);
            System.out.println(summary.describe());
            if (embedder instanceof CachedEmbedder c) {
                System.out.println("cache: " + c.hits() + " images answered from " + CACHE_FILE + ", " + c.misses()
                        + " sent to Azure");
            }
            System.out.println("the collection now holds " + store.count() + " images; search it with"
                    + " `vision-search search --image FILE`" + (embedder.supportsText() ? " or --text \"...\"" : ""));
        }
        return 0;
    }
}
