package visionsearch.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import visionsearch.embed.Embedder;
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

    @Override
    public Integer call() {
        Settings settings = Settings.load();
        Embedders.Selection selection = Embedders.select(settings);
        try (Embedder embedder = selection.embedder();
             VectorStore store = CollectionStore.open(settings, collection, embedder, storeFile, false)) {
            System.out.println("embedder: " + embedder.modelId() + " (" + selection.reason() + ")");
            System.out.println("store:    " + CollectionStore.describe(settings, collection, embedder, storeFile)
                    + " (" + store.count() + " images before)");
            IndexSummary summary = Indexer.builder(embedder, store).batchSize(batch).quiet(quiet).build().index(folder);
            System.out.println(summary.describe());
            System.out.println("the collection now holds " + store.count() + " images; search it with"
                    + " `vision-search search --image FILE`" + (embedder.supportsText() ? " or --text \"...\"" : ""));
        }
        return 0;
    }
}
