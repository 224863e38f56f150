package visionsearch.index;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import visionsearch.embed.features.ImageFeatureEmbedder;
import visionsearch.store.Distance;
import visionsearch.store.InMemoryVectorStore;
import visionsearch.store.PgVectorStore;
import visionsearch.store.TestDatabase;
import visionsearch.store.VectorStore;

/**
 * The indexer in a child JVM, for {@link KillAndResumeTest}: indexes FOLDER into STORE (a store
 * file path, or {@code pg:COLLECTION} in the test database), slowed by SLEEP_MS per image, appending "batch INDEXED" to SIGNAL_FILE after each
 * batch is written and "done INDEXED SKIPPED DUPLICATES" at the end.
 *
 * <p>Usage: {@code IndexingChild FOLDER STORE BATCH SLEEP_MS SIGNAL_FILE}
 */
public final class IndexingChild {
    private IndexingChild() {
    }

    /** Runs one indexing pass; see the class comment. */
    public static void main(String[] args) throws IOException {
        Path folder = Path.of(args[0]);
        String storeSpec = args[1];
        int batch = Integer.parseInt(args[2]);
        long sleepMillis = Long.parseLong(args[3]);
        Path signal = Path.of(args[4]);
        try (CountingEmbedder embedder = new CountingEmbedder(ImageFeatureEmbedder.create(), sleepMillis);
             VectorStore store = openStore(storeSpec, embedder.modelId(), embedder.dimensions())) {
            IndexSummary summary = Indexer.builder(embedder, store).batchSize(batch).quiet(true)
                    .onBatchWritten(soFar -> append(signal, "batch " + soFar.indexed()))
                    .build().index(folder);
            append(signal, "done " + summary.indexed() + " " + summary.skipped() + " " + summary.duplicates());
        }
    }

    /** Opens "pg:COLLECTION" in the database of VISION_SEARCH_TEST_DATABASE_URL, or else the store file at {@code spec}. */
    static VectorStore openStore(String spec, String modelId, int dimensions) {
        if (spec.startsWith("pg:")) {
            return PgVectorStore.builder(TestDatabase.url()).collection(spec.substring(3)).model(modelId, dimensions)
                    .distance(Distance.COSINE).build();
        }
        return InMemoryVectorStore.open(Path.of(spec), modelId, dimensions, Distance.COSINE);
    }

    private static void append(Path signal, String line) {
        try {
            Files.writeString(signal, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND, StandardOpenOption.SYNC);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
