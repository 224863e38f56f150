package visionsearch.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import visionsearch.embed.CachedEmbedder;
import visionsearch.embed.CallPlan;
import visionsearch.embed.Embedder;
import visionsearch.embed.EmbeddingCache;
import visionsearch.embed.Embedders;
import visionsearch.embed.Settings;
import visionsearch.embed.azure.AzureVisionEmbedder;
import visionsearch.index.IndexSummary;
import visionsearch.index.Indexer;
import visionsearch.index.IndexingStoppedException;
import visionsearch.store.Distribution;
import visionsearch.store.VectorStore;
import visionsearch.store.VectorStores;

/** {@code vision-search index <folder>}: embeds every new image of a folder into a collection. */
@Command(name = "index", mixinStandardHelpOptions = true,
        description = {"Index a folder of images (recursively; images recognised by content) into a collection.",
            "Images already in the collection (same SHA-256) are skipped without any call, so an interrupted run can"
                    + " simply be run again.",
            "Store: PostgreSQL when DATABASE_URL is set, else the file .vision-search/<collection>.<model>.vec.",
            "On a server with Citus (Azure Cosmos DB for PostgreSQL) a new collection is distributed by id; see docs/citus.md."})
final class IndexCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "FOLDER", description = "the folder of images")
    Path folder;

    @Option(names = "--collection", defaultValue = "images", description = "collection name (default ${DEFAULT-VALUE})")
    String collection;

    @Option(names = "--batch", defaultValue = "" + Indexer.DEFAULT_BATCH_SIZE,
            description = "records written to the store together (default ${DEFAULT-VALUE}; a group is also written"
                    + " after 2 s); embedding does not wait for it")
    int batch;

    @Option(names = "--in-flight", paramLabel = "N",
            description = "embedding calls in flight at once (default: 16 for Azure, 2 batches for CLIP, one per core"
                    + " for image features)")
    Integer inFlight;

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
            description = "with Azure, do not keep vectors in .vision-search/embeddings.cache (by default every vector"
                    + " is kept the moment it arrives, so it is never paid for twice: not after a crash, nor when"
                    + " indexing into another store)")
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
        AzureVisionEmbedder azure = selection.embedder() instanceof AzureVisionEmbedder a ? a : null;
        // An Azure endpoint tells its model with its answers (the emulator serves a local one): use what it said last.
        Optional<VectorStores.StoredModel> remembered = azure == null ? Optional.empty()
                : ServedModels.get(ServedModels.key(azure));
        String expected = remembered.map(VectorStores.StoredModel::modelId).orElseGet(() -> selection.embedder().modelId());
        boolean cached = !noCache && azure != null;
        CountDownLatch finished = new CountDownLatch(1);
        try (EmbeddingCache cache = cached ? EmbeddingCache.open(CACHE_FILE) : null;
             Embedder embedder = cached ? cache.wrap(selection.embedder(), expected) : selection.embedder();
             CollectionStore.Target target = CollectionStore.forIndexing(settings, collection, storeFile, expected,
                     settings.get("DATABASE_URL").isPresent() && storeFile == null ? distribution() : Distribution.auto())) {
            System.out.println("embedder: " + (azure == null ? expected + " (" + selection.reason() + ")"
                    : remembered.isPresent() ? expected + " (as " + azure.endpoint() + " answered last time; "
                    + selection.reason() + ")" : selection.reason() + "; the model is taken from its first answer")
                    + (cached ? "; vectors cached in " + CACHE_FILE : ""));
            System.out.println("store:    " + target.description(settings, collection, storeFile) + (target.store() == null ? ""
                    : " (" + target.store().count() + " images before)"));
            Indexer.Builder builder = target.indexer(embedder).batchSize(batch).quiet(quiet);
            if (inFlight != null) {
                builder.callPlan(new CallPlan(embedder.callPlan().imagesPerCall(), inFlight));
            }
            Indexer indexer = builder.build();
            Thread onCtrlC = new Thread(() -> {
                indexer.cancel();
                try {
                    finished.await(30, TimeUnit.SECONDS); // let the answers in flight be written
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "vision-search-cancel");
            Runtime.getRuntime().addShutdownHook(onCtrlC);
            IndexSummary summary;
            try {
                summary = indexer.index(folder);
            } catch (IndexingStoppedException e) {
                System.out.println(e.summary().describe());
                report(embedder);
                if (e.cancelled()) {
                    remember(azure, target.store());
                    System.out.println(e.getMessage());
                    return 130;
                }
                throw e;
            } finally {
                removeHook(onCtrlC);
            }
            remember(azure, target.store());
            System.out.println(summary.describe());
            report(embedder);
            VectorStore store = target.store();
            if (azure != null && remembered.isEmpty() && store != null) {
                System.out.println("embedder: " + store.modelId() + " (its first answer)");
            }
            System.out.println("the collection now holds " + (store == null ? 0 : store.count()) + " images"
                    + (store == null ? "" : " of model " + store.modelId() + " (" + target.description(settings,
                    collection, storeFile) + ")") + "; search it with"
                    + " `vision-search search --image FILE` (or --text \"...\" if the embedder reads text)");
            return 0;
        } finally {
            finished.countDown();
        }
    }

    private static void report(Embedder embedder) {
        if (embedder instanceof CachedEmbedder c) {
            System.out.println("cache: " + c.hits() + " images answered from " + CACHE_FILE + ", " + c.misses()
                    + " sent to Azure");
        }
    }

    /** Notes the model the Azure endpoint answered with, so that the next run finds the collection without a call. */
    private static void remember(AzureVisionEmbedder azure, VectorStore store) {
        if (azure != null && store != null) {
            ServedModels.put(ServedModels.key(azure), store.modelId(), store.dimensions());
        }
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // the JVM is shutting down (Ctrl-C): the hook is running
        }
    }
}
