package visionsearch.index;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import visionsearch.embed.CallPlan;
import visionsearch.embed.Embedder;
import visionsearch.embed.ImageFormat;
import visionsearch.store.InMemoryVectorStore;
import visionsearch.store.VectorStore;

/**
 * Indexes a folder of images into a {@link VectorStore} as one streaming pipeline: the walk feeds the
 * readers, the readers feed the embedder with a bounded number of calls in flight, and answers are
 * written to the store in groups as they arrive, in whatever order they come. No stage waits for a
 * whole batch: a slow or retried image never holds the others back.
 *
 * <p>How it decides and why it can be interrupted at any moment:
 * <ul>
 *   <li>The folder is walked recursively, following symbolic links; hidden folders (name starting
 *       with {@code .}) are not entered. A file is an image if its first bytes are a known
 *       {@link ImageFormat}, whatever its extension; other files are counted as ignored. Empty files
 *       (other than hidden ones such as {@code .gitkeep}) and unreadable ones are failures, each named.</li>
 *   <li>Every image is identified by the SHA-256 of its bytes, which is also the record id. Images
 *       whose hash the store already holds are skipped without any call, and identical files within a
 *       run are stored once (under the first path in walk order). Because the id is the content hash,
 *       a run that is killed and started again ends with exactly one record per distinct image.</li>
 *   <li>The collection follows the folder: at the end of a complete run, the records this indexer
 *       made for files under the folder that were edited, moved, renamed or deleted since (the file
 *       at the record's path is missing, not an image any more, or holds other bytes) are deleted,
 *       and a moved image is embedded again under its new path. Records of files that could not be
 *       read this time, and records outside the folder, are left alone.</li>
 *   <li>The embedder is called as its {@link Embedder#callPlan()} says (or {@link Builder#callPlan}):
 *       for a remote service one image per call with up to 16 calls in flight (the service paces
 *       them), for CLIP its batches with two calls overlapping (decoding the next batch while the
 *       model runs). Answers are written in groups of {@link Builder#batchSize(int)} records, or
 *       whatever arrived within {@link Builder#writeInterval(Duration)}; after each group the
 *       checkpoint runs (an in-memory store with a file saves itself).</li>
 *   <li>Memory is bounded by back-pressure: the readers stay a few files ahead, a call starts only
 *       when one of the in-flight slots is free, and a slot is freed only when the writer has room
 *       for the call's answers. Lists of paths and hashes grow with the folder; images and vectors
 *       do not.</li>
 *   <li>A corrupt or unreadable image is an {@link IndexSummary.Failure} with its reason, never an
 *       exception. The run stops with {@link IndexingStoppedException} when the embedder fails for
 *       many images in a row for a reason other than the image (a wrong key, an outage), when every
 *       image sent failed so, when the store fails, when an answer's model is not the store's, or when
 *       it is cancelled; what was written before stays.</li>
 * </ul>
 * Metadata of each record: {@code relative_path}, {@code file_name}, {@code folder} (the relative
 * sub-folder, absent at the top) and, from a {@code captions.csv} in the image's folder,
 * {@code caption} and {@code theme}. The record's path is the absolute file path.
 *
 * <p>Put an {@link visionsearch.embed.EmbeddingCache} in front of a paid service
 * ({@code cache.wrap(embedder)}): it keeps every answer durably the moment it arrives, so a crash
 * loses at most the calls in flight. {@link Embedder#embedImages} stays for small lists.
 */
public final class Indexer {
    /** The default number of records per store write. */
    public static final int DEFAULT_BATCH_SIZE = 64;
    /** The default longest time an answer waits before its group is written. */
    public static final Duration DEFAULT_WRITE_INTERVAL = Duration.ofSeconds(2);

    private final Builder settings;
    private final AtomicReference<IndexRun> current = new AtomicReference<>();

    private Indexer(Builder b) {
        this.settings = b;
    }

    /**
     * Starts a builder for indexing with {@code embedder} into {@code store}. Every answer's model and
     * dimension must be the store's; the first one that is not stops the run, naming both.
     */
    public static Builder builder(Embedder embedder, VectorStore store) {
        Builder b = new Builder(embedder);
        b.store = Objects.requireNonNull(store, "store");
        return b;
    }

    /**
     * Starts a builder for indexing into a store that {@code opener} opens (or creates) when the first
     * embedding arrives, for its model and dimension: for a new collection of an embedder that learns
     * its model from its first answer. The opened store is the caller's to close.
     */
    public static Builder builder(Embedder embedder, StoreOpener opener) {
        Builder b = new Builder(embedder);
        b.opener = Objects.requireNonNull(opener, "opener");
        return b;
    }

    /** Settings of an {@link Indexer}; {@link #build()} checks them and fills defaults. */
    public static final class Builder {
        final Embedder embedder;
        VectorStore store;
        StoreOpener opener;
        int batchSize = DEFAULT_BATCH_SIZE;
        Duration writeInterval = DEFAULT_WRITE_INTERVAL;
        CallPlan callPlan;
        boolean quiet;
        PrintStream console = System.err;
        Runnable checkpoint;
        Consumer<IndexSummary> onBatchWritten = s -> { };
        int readThreads = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
        IndexRun.Stats stats;

        private Builder(Embedder embedder) {
            this.embedder = Objects.requireNonNull(embedder, "embedder");
        }

        /** Sets how many records are written to the store together (default {@value #DEFAULT_BATCH_SIZE}). */
        public Builder batchSize(int batchSize) {
            if (batchSize < 1) {
                throw new IllegalArgumentException("batchSize must be at least 1, got " + batchSize);
            }
            this.batchSize = batchSize;
            return this;
        }

        /** Sets the longest time an answer waits for its group to fill before it is written (default 2 s). */
        public Builder writeInterval(Duration interval) {
            if (Objects.requireNonNull(interval, "interval").isNegative() || interval.isZero()) {
                throw new IllegalArgumentException("writeInterval must be positive, got " + interval);
            }
            this.writeInterval = interval;
            return this;
        }

        /** Overrides the embedder's {@link Embedder#callPlan()}: images per call and calls in flight. */
        public Builder callPlan(CallPlan plan) {
            this.callPlan = Objects.requireNonNull(plan, "plan");
            return this;
        }

        /** With true, prints nothing (no progress bar, no scan line): for tests and notebooks. */
        public Builder quiet(boolean quiet) {
            this.quiet = quiet;
            return this;
        }

        /** Sets where the progress bar and the scan line go (default {@code System.err}). */
        public Builder console(PrintStream console) {
            this.console = Objects.requireNonNull(console, "console");
            return this;
        }

        /**
         * Sets what runs after each group is written. Default: an {@link InMemoryVectorStore} opened
         * from a file saves the group (appended to the log beside the file); other stores persist their
         * own writes.
         */
        public Builder checkpoint(Runnable checkpoint) {
            this.checkpoint = Objects.requireNonNull(checkpoint, "checkpoint");
            return this;
        }

        /** Sets a listener told, on the writing thread after each group is written and checkpointed, the summary so far. */
        public Builder onBatchWritten(Consumer<IndexSummary> listener) {
            this.onBatchWritten = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /** Sets how many threads read and hash files (default: up to 4). */
        public Builder readThreads(int threads) {
            if (threads < 1) {
                throw new IllegalArgumentException("readThreads must be at least 1, got " + threads);
            }
            this.readThreads = threads;
            return this;
        }

        /** For tests: the counters a run fills (images held at once, calls in flight). */
        Builder stats(IndexRun.Stats stats) {
            this.stats = stats;
            return this;
        }

        /** Builds the indexer. */
        public Indexer build() {
            return new Indexer(this);
        }
    }

    /**
     * Indexes every image under {@code folder} that the store does not hold yet, then deletes the
     * records of images under it that were edited, moved or deleted since they were indexed. One run
     * at a time per indexer.
     *
     * <p>Interrupting the calling thread cancels the run and abandons the calls in flight; see {@link #cancel()}.
     *
     * @return what was indexed, skipped and why anything failed
     * @throws IllegalArgumentException  if {@code folder} is not a readable folder
     * @throws IndexingStoppedException if the run stopped early (see the class comment); what was
     *                                   written before stays
     */
    public IndexSummary index(Path folder) {
        Objects.requireNonNull(folder, "folder");
        Path root = folder.toAbsolutePath().normalize();
        if (!Files.isDirectory(root)) {
            throw new IllegalArgumentException("not a folder: " + folder + " (" + root
                    + "); give the folder that holds the images");
        }
        FolderFiles files = FolderFiles.walk(root);
        if (!settings.quiet) {
            settings.console.printf("found %d files in %s%s%n", files.files.size(), root, settings.store == null ? ""
                    : "; the store holds " + settings.store.count() + " images");
        }
        ProgressBar bar = settings.quiet || files.files.isEmpty() ? null
                : new ProgressBarBuilder().setTaskName("indexing").setInitialMax(files.files.size())
                        .setUnit(" files", 1).showSpeed().setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(250)
                        .setConsumer(new ConsoleProgressBarConsumer(settings.console)).build();
        IndexRun run = new IndexRun(settings, files, bar);
        if (!current.compareAndSet(null, run)) {
            throw new IllegalStateException("this indexer is already running; use one indexer per run at a time");
        }
        try {
            return run.run();
        } finally {
            current.set(null);
            if (bar != null) {
                bar.close();
            }
        }
    }

    /**
     * Cancels the run in progress, if any, from any thread: no new image is read or sent; the calls
     * in flight finish and their answers are written; then {@link #index(Path)} throws an
     * {@link IndexingStoppedException} whose {@link IndexingStoppedException#cancelled()} is true.
     */
    public void cancel() {
        IndexRun run = current.get();
        if (run != null) {
            run.cancel();
        }
    }
}
