package visionsearch.index;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import visionsearch.embed.CallPlan;
import visionsearch.embed.Embedder;
import visionsearch.embed.Embedding;
import visionsearch.embed.EmbeddingCache;
import visionsearch.embed.ImageInput;
import visionsearch.embed.features.ImageFeatureEmbedder;
import visionsearch.store.Distance;
import visionsearch.store.InMemoryVectorStore;
import visionsearch.store.PgVectorStore;
import visionsearch.store.TestDatabase;
import visionsearch.store.VectorStore;

/**
 * The indexer in a child JVM, for {@link KillAndResumeTest}: indexes FOLDER into STORE (a store
 * file path, or {@code pg:COLLECTION} in the test database), slowed by SLEEP_MS per image, appending
 * "batch INDEXED" to SIGNAL_FILE after each group is written and "done INDEXED SKIPPED DUPLICATES"
 * at the end.
 *
 * <p>With CACHE_FILE and ANSWERS_FILE the embedder sits behind an {@link EmbeddingCache}, four
 * calls in flight, and each answer the embedder makes (a call paid for) is appended to ANSWERS_FILE
 * as "answer SHA256" before the cache sees it; store writes are then rare (groups of 1,000 or 30 s),
 * so what survives a kill is what the cache kept.
 *
 * <p>Usage: {@code IndexingChild FOLDER STORE BATCH SLEEP_MS SIGNAL_FILE [CACHE_FILE ANSWERS_FILE]}
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
        Path cacheFile = args.length > 6 ? Path.of(args[5]) : null;
        Path answers = args.length > 6 ? Path.of(args[6]) : null;
        try (CountingEmbedder counting = cacheFile == null ? new CountingEmbedder(ImageFeatureEmbedder.create(), sleepMillis)
                     : new AnswerLog(sleepMillis, answers);
             EmbeddingCache cache = cacheFile == null ? null : EmbeddingCache.open(cacheFile);
             VectorStore store = openStore(storeSpec, counting.modelId(), counting.dimensions())) {
            Embedder embedder = cache == null ? counting : cache.wrap(counting);
            Indexer.Builder builder = Indexer.builder(embedder, store).batchSize(batch).quiet(true)
                    .onBatchWritten(soFar -> append(signal, "batch " + soFar.indexed()));
            if (cache != null) {
                builder.writeInterval(Duration.ofSeconds(30));
            }
            IndexSummary summary = builder.build().index(folder);
            append(signal, "done " + summary.indexed() + " " + summary.skipped() + " " + summary.duplicates());
        }
    }

    /** The slowed image-features embedder, four calls at once, logging each answer it makes. */
    private static final class AnswerLog extends CountingEmbedder {
        private final Path answers;

        AnswerLog(long sleepMillis, Path answers) {
            super(ImageFeatureEmbedder.create(), sleepMillis, new CallPlan(1, 4));
            this.answers = answers;
        }

        @Override
        public Embedding embedImage(ImageInput image) {
            Embedding e = super.embedImage(image);
            synchronized (this) {
                append(answers, "answer " + image.sha256());
            }
            return e;
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

    private static void append(Path file, String line) {
        try {
            Files.writeString(file, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND, StandardOpenOption.SYNC);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
