package visionsearch.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.ArgGroup;
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
import visionsearch.store.Distribution;
import visionsearch.store.VectorStore;

/** {@code vision-search index <folder>}: embeds every new image of a folder into a collection. */
@Command(name = "index", mixinStandardHelpOptions = true,
        description = {"Index a folder of images (recursively; images recognised by content) into a collection.",
            "Images already in the collection (same SHA-256) are skipped, so an interrupted run can simply be run again.",
            "Store: PostgreSQL when DATABASE_URL is set, else the file .vision-search/<collection>.<model>.vec.",
            "On a server with Citus (Azure Cosmos DB for PostgreSQL) a new collection is distributed by id; see docs/citus.md."})
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

    @ArgGroup(exclusive = true)
    Layout layout = new Layout();

    /** How a new PostgreSQL collection is laid out on Citus. */
    static final class Layout {
        @Option(names = "--local", description = "on Citus, keep a new collection an ordinary table on the coordinator")
        boolean local;

        @Option(names = "--distributed", description = "require Citus and distribute the collection (an existing"
                + " local one too: its rows move to the shards)")
        boolean distributed;
    }

    @Option(names = "--shards", paramLabel = "N", defaultValue = "0",
            description = "Citus shards for a new distributed collection (default: one per worker, one more per worker"
                    + " for every million images on it, counted from FOLDER)")
    int shards;

    @Option(names = {"-q", "--quiet"}, description = "no progress bar")
    boolean quiet;

    @Option(names = "--no-cache", negatable = false,
            description = "with Azure, do not keep vectors in .vision-search/embeddings.cache (by default a vector"
                    + " Azure made once is never paid for again, e.g. when indexing into another store)")
    boolean noCache;

    /** The cache of Azure vectors, one file per working directory. */
    static final Path CACHE_FILE = CollectionStore.DEFAULT_DIR.resolve("embeddings.cache");

    /** What --local, --distributed and --shards ask for; the folder's file count is the expected size. */
    Distribution distribution() {
        Distribution d = layout.local ? Distribution.local() : layout.distributed ? Distribution.distributed()
                : Distribution.auto();
        if (shards < 0 || shards > Distribution.MAX_SHARDS) {
            throw new IllegalArgumentException("--shards must be 1.." + Distribution.MAX_SHARDS + " (Citus's limit), got "
                    + shards + "; leave it out to choose by the folder's size");
        }
        if (shards != 0) {
            return d.withShardCount(shards);
        }
        return layout.local ? d : d.withExpectedRows(files(folder));
    }

    /** Regular files under {@code folder}: an upper bound of its images, cheap to count. */
    static long files(Path folder) {
        try (Stream<Path> all = Files.walk(folder)) {
            return all.filter(Files::isRegularFile).count();
        } catch (IOException | UncheckedIOException e) {
            return 0; // the indexer reports an unreadable folder itself
        }
    }

    @Override
    public Integer call() {
        Settings settings = Settings.load();
        Embedders.Selection selection = Embedders.select(settings);
        boolean cached = !noCache && selection.embedder() instanceof AzureVisionEmbedder;
        try (EmbeddingCache cache = cached ? EmbeddingCache.open(CACHE_FILE) : null;
             Embedder embedder = cached ? cache.wrap(selection.embedder()) : selection.embedder()) {
            // Azure's API names the serving model only in its answers (the emulator's is a local one): ask first.
            FirstAnswer.learnModel(embedder, folder);
            long hitsBefore = embedder instanceof CachedEmbedder c ? c.hits() : 0;
            try (VectorStore store = CollectionStore.open(settings, collection, embedder, storeFile, false,
                    settings.get("DATABASE_URL").isPresent() && storeFile == null ? distribution() : Distribution.auto())) {
                System.out.println("embedder: " + embedder.modelId() + " (" + selection.reason() + ")"
                        + (cached ? "; vectors cached in " + CACHE_FILE : ""));
                System.out.println("store:    " + CollectionStore.describe(settings, collection, embedder, storeFile, store)
                        + " (" + store.count() + " images before)");
                IndexSummary summary = Indexer.builder(embedder, store).batchSize(batch).quiet(quiet).build().index(folder);
                System.out.println(summary.describe());
                if (embedder instanceof CachedEmbedder c) {
                    System.out.println("cache: " + (c.hits() - hitsBefore) + " images answered from " + CACHE_FILE + ", "
                            + c.misses() + " sent to Azure");
                }
                System.out.println("the collection now holds " + store.count() + " images; search it with"
                        + " `vision-search search --image FILE`" + (embedder.supportsText() ? " or --text \"...\"" : ""));
            }
        }
        return 0;
    }
}
