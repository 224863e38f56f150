package visionsearch.index;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.FileSystemLoopException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import visionsearch.embed.Embedder;
import visionsearch.embed.EmbeddingException;
import visionsearch.embed.EmbeddingResult;
import visionsearch.embed.ImageFormat;
import visionsearch.embed.ImageInput;
import visionsearch.embed.InvalidImageException;
import visionsearch.store.InMemoryVectorStore;
import visionsearch.store.VectorRecord;
import visionsearch.store.VectorStore;

/**
 * Indexes a folder of images into a {@link VectorStore}: finds the images, skips those already
 * stored, embeds the rest in batches and writes each batch.
 *
 * <p>How it decides and why it can be interrupted at any moment:
 * <ul>
 *   <li>The folder is walked recursively, following symbolic links; hidden folders (name
 *       starting with {@code .}) are not entered. A file is an image if its first bytes are a known {@link ImageFormat}, whatever
 *       its extension; other files are counted as ignored.</li>
 *   <li>Every image is identified by the SHA-256 of its bytes, which is also the record id. Images
 *       whose hash the store already holds are skipped, and identical files within a run are
 *       stored once. Because the id is the content hash, a run that is killed and started again
 *       ends with exactly one record per distinct image: nothing lost, nothing duplicated.</li>
 *   <li>The collection follows the folder: before embedding, the records this indexer made for
 *       files under the folder that were edited, moved, renamed or deleted since (the file at the
 *       record's path is missing, not an image any more, or holds other bytes) are deleted, and a
 *       moved image is embedded again under its new path. Records of files that could not be read
 *       this time, and records outside the folder, are left alone.</li>
 *   <li>Images are embedded through {@link Embedder#embedImages} in batches of
 *       {@link Builder#batchSize(int)} (remote embedders run a batch concurrently within their
 *       rate limit); each batch is upserted as a whole, then the checkpoint runs (an in-memory
 *       store with a file saves it).</li>
 *   <li>A corrupt or unreadable image is a {@link IndexSummary.Failure} with its reason, never an
 *       exception. Only when every image of a batch fails for a reason other than the image
 *       itself (a wrong key, a service outage) does the run stop, with that error.</li>
 * </ul>
 * Metadata of each record: {@code relative_path}, {@code file_name}, {@code folder} (the relative
 * sub-folder, absent at the top) and, from a {@code captions.csv} in the image's folder,
 * {@code caption} and {@code theme}. The record's path is the absolute file path.
 */
public final class Indexer {
    /** The default number of images per batch. */
    public static final int DEFAULT_BATCH_SIZE = 16;

    private final Embedder embedder;
    private final VectorStore store;
    private final int batchSize;
    private final boolean quiet;
    private final PrintStream console;
    private final Runnable checkpoint;
    private final Consumer<IndexSummary> onBatchWritten;
    private final int scanThreads;

    private Indexer(Builder b) {
        this.embedder = b.embedder;
        this.store = b.store;
        this.batchSize = b.batchSize;
        this.quiet = b.quiet;
        this.console = b.console;
        this.checkpoint = b.checkpoint;
        this.onBatchWritten = b.onBatchWritten;
        this.scanThreads = b.scanThreads;
    }

    /** Starts a builder for indexing with {@code embedder} into {@code store} (model and dimension must match). */
    public static Builder builder(Embedder embedder, VectorStore store) {
        return new Builder(embedder, store);
    }

    /** Settings of an {@link Indexer}; {@link #build()} checks them and fills defaults. */
    public static final class Builder {
        private final Embedder embedder;
        private final VectorStore store;
        private int batchSize = DEFAULT_BATCH_SIZE;
        private boolean quiet;
        private PrintStream console = System.err;
        private Runnable checkpoint;
        private Consumer<IndexSummary> onBatchWritten = s -> { };
        private int scanThreads = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));

        private Builder(Embedder embedder, VectorStore store) {
            this.embedder = Objects.requireNonNull(embedder, "embedder");
            this.store = Objects.requireNonNull(store, "store");
        }

        /** Sets how many images are embedded and written together (default {@value #DEFAULT_BATCH_SIZE}). */
        public Builder batchSize(int batchSize) {
            if (batchSize < 1) {
                throw new IllegalArgumentException("batchSize must be at least 1, got " + batchSize);
            }
            this.batchSize = batchSize;
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
         * Sets what runs after each batch is written. Default: an {@link InMemoryVectorStore} opened
         * from a file saves the batch (one group appended to the log beside the file); other stores persist
         * their own writes.
         */
        public Builder checkpoint(Runnable checkpoint) {
            this.checkpoint = Objects.requireNonNull(checkpoint, "checkpoint");
            return this;
        }

        /** Sets a listener told, after each batch is written and checkpointed, the summary so far. */
        public Builder onBatchWritten(Consumer<IndexSummary> listener) {
            this.onBatchWritten = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /** Sets how many threads read and hash files while scanning (default: up to 4). */
        public Builder scanThreads(int threads) {
            if (threads < 1) {
                throw new IllegalArgumentException("scanThreads must be at least 1, got " + threads);
            }
            this.scanThreads = threads;
            return this;
        }

        /**
         * Builds the indexer.
         *
         * @throws IllegalArgumentException if the embedder's model id or dimension differs from the store's
         */
        public Indexer build() {
            ImageSearch.requireSameModel(embedder, store);
            if (checkpoint == null) {
                checkpoint = store instanceof InMemoryVectorStore memory && memory.file() != null
                        ? memory::save : () -> { };
            }
            return new Indexer(this);
        }
    }

    /**
     * Indexes every image under {@code folder} that the store does not hold yet, after deleting the
     * records of images under it that were edited, moved or deleted since they were indexed.
     *
     * @return what was indexed, skipped and why anything failed
     * @throws IllegalArgumentException if {@code folder} is not a readable folder
     * @throws EmbeddingException if the embedder fails for every image of a batch (the batches before are kept)
     */
    public IndexSummary index(Path folder) {
        Objects.requireNonNull(folder, "folder");
        long start = System.nanoTime();
        Path root = folder.toAbsolutePath().normalize();
        if (!Files.isDirectory(root)) {
            throw new IllegalArgumentException("not a folder: " + folder + " (" + root
                    + "); give the folder that holds the images");
        }
        Run run = new Run(root, start);
        List<Path> files = walk(root, run);
        List<Scanned> scanned = scan(root, files);
        // One read of the store: what to remove, and the content hashes it holds afterwards.
        Set<String> known = removeStale(root, scanned, run);
        Set<String> seen = new HashSet<>();
        List<Scanned> toEmbed = new ArrayList<>();
        for (Scanned s : scanned) {
            if (s.failure != null) {
                run.failed.add(s.failure);
            } else if (s.sha256 == null) {
                run.ignored++;
            } else if (known.contains(s.sha256)) {
                run.skipped++;
            } else if (!seen.add(s.sha256)) {
                run.duplicates++;
            } else {
                toEmbed.add(s);
            }
        }
        if (!quiet) {
            console.printf("found %d images in %s: %d to embed, %d already in the store, %d duplicates, %d failed;"
                            + " %d other files ignored%s%n", scanned.size() - run.ignored, root, toEmbed.size(),
                    run.skipped, run.duplicates, run.failed.size(), run.ignored, run.removed == 0 ? ""
                            : "; removed " + run.removed + " records of files changed, moved or deleted since indexed");
        }
        ProgressBar bar = quiet || toEmbed.isEmpty() ? null : bar("embedding", toEmbed.size(), " img");
        try {
            for (int from = 0; from < toEmbed.size(); from += batchSize) {
                List<Scanned> batch = toEmbed.subList(from, Math.min(toEmbed.size(), from + batchSize));
                embedAndWrite(batch, from, bar, run);
                if (bar != null) {
                    bar.stepTo(from + batch.size());
                }
            }
        } finally {
            if (bar != null) {
                bar.close();
            }
        }
        return run.summary();
    }

    /**
     * Deletes the records this indexer made (id = content hash) for files under {@code root} that
     * are gone or changed, counts them in {@code run.removed}, and returns the content hashes of the
     * records that stay. See the class comment for which records stay.
     */
    private Set<String> removeStale(Path root, List<Scanned> scanned, Run run) {
        Map<String, String> current = new HashMap<>();
        Set<String> unreadable = new HashSet<>();
        for (Scanned s : scanned) {
            if (s.failure != null) {
                unreadable.add(s.file.toString());
            } else if (s.sha256 != null) {
                current.put(s.file.toString(), s.sha256);
            }
        }
        List<String> stale = new ArrayList<>();
        Set<String> kept = new HashSet<>();
        for (VectorStore.StoredItem item : store.items()) {
            if (item.id().equals(item.contentSha256()) && !item.id().equals(current.get(item.path()))
                    && !unreadable.contains(item.path()) && isUnder(root, item.path(), run.unvisited)) {
                stale.add(item.id());
            } else if (!item.contentSha256().isEmpty()) {
                kept.add(item.contentSha256());
            }
        }
        for (String id : stale) {
            store.delete(id);
        }
        if (!stale.isEmpty()) {
            checkpoint.run();
        }
        run.removed = stale.size();
        return kept;
    }

    /** True if {@code path} is a file path under {@code root} and not under a folder the walk could not enter. */
    private static boolean isUnder(Path root, String path, List<Path> unvisited) {
        Path p;
        try {
            p = Path.of(path);
        } catch (InvalidPathException e) {
            return false; // a URL or some other kind of path: not a file of this folder
        }
        if (!p.isAbsolute() || !p.normalize().startsWith(root)) {
            return false;
        }
        for (Path u : unvisited) {
            if (p.startsWith(u)) {
                return false;
            }
        }
        return true;
    }

    private void embedAndWrite(List<Scanned> batch, int done, ProgressBar bar, Run run) {
        List<ImageInput> inputs = new ArrayList<>(batch.size());
        List<Scanned> valid = new ArrayList<>(batch.size());
        for (Scanned s : batch) {
            try {
                inputs.add(ImageInput.of(Files.readAllBytes(s.file), s.relativePath));
                valid.add(s);
            } catch (IOException e) {
                run.failed.add(new IndexSummary.Failure(s.relativePath, "UNREADABLE: cannot read the file: " + e));
            } catch (InvalidImageException e) {
                run.failed.add(failure(s.relativePath, e));
            }
        }
        List<EmbeddingResult> results = inputs.isEmpty() ? List.of() : embedder.embedImages(inputs, (d, total) -> {
            if (bar != null) {
                bar.stepTo(done + d);
            }
        });
        if (results.size() != inputs.size()) {
            throw new IllegalStateException("embedder " + embedder.modelId() + " returned " + results.size()
                    + " results for a batch of " + inputs.size() + " images; expected one per image");
        }
        List<VectorRecord> records = new ArrayList<>(inputs.size());
        RuntimeException serviceError = null;
        String serviceErrorPath = null;
        for (int i = 0; i < results.size(); i++) {
            EmbeddingResult r = results.get(i);
            Scanned s = valid.get(i);
            ImageInput input = inputs.get(i);
            if (!r.ok()) {
                run.failed.add(failure(s.relativePath, r.error()));
                if (!(r.error() instanceof InvalidImageException) && serviceError == null) {
                    serviceError = r.error();
                    serviceErrorPath = s.relativePath;
                }
                continue;
            }
            float[] vector = r.embedding().vector();
            if (vector.length != store.dimensions()) {
                run.failed.add(new IndexSummary.Failure(s.relativePath, "embedder " + r.embedding().modelId()
                        + " made a " + vector.length + "-d vector; the store expects " + store.dimensions()));
                continue;
            }
            // The hash of the bytes actually embedded (the file may have changed since the scan).
            String sha = input.sha256();
            records.add(new VectorRecord(sha, s.file.toString(), metadata(s, run.captions), sha, vector));
        }
        if (records.isEmpty() && serviceError != null) {
            throw new EmbeddingException("indexing stopped: every image of the batch starting at "
                    + serviceErrorPath + " failed, e.g. " + serviceError.getMessage() + ". " + run.indexed
                    + " images were stored before; fix the cause and run again (stored images are skipped)",
                    serviceError instanceof EmbeddingException ee && ee.retryable(), serviceError);
        }
        if (!records.isEmpty()) {
            store.upsert(records);
            checkpoint.run();
            run.indexed += records.size();
        }
        onBatchWritten.accept(run.summary());
    }

    /** A console progress bar with rate and time left. */
    private ProgressBar bar(String task, int max, String unit) {
        return new ProgressBarBuilder().setTaskName(task).setInitialMax(max).setUnit(unit, 1).showSpeed()
                .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(250)
                .setConsumer(new ConsoleProgressBarConsumer(console)).build();
    }

    private static Map<String, String> metadata(Scanned s, Captions captions) {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("relative_path", s.relativePath);
        meta.put("file_name", s.file.getFileName().toString());
        int slash = s.relativePath.lastIndexOf('/');
        if (slash > 0) {
            meta.put("folder", s.relativePath.substring(0, slash));
        }
        meta.putAll(captions.of(s.file));
        return meta;
    }

    private static IndexSummary.Failure failure(String path, RuntimeException e) {
        String reason = e instanceof InvalidImageException ie ? ie.reason() + ": " + e.getMessage()
                : e.getClass().getSimpleName() + ": " + e.getMessage();
        return new IndexSummary.Failure(path, reason);
    }

    /** Lists regular files under {@code root} (not in hidden folders), sorted by relative path; reads captions. */
    private static List<Path> walk(Path root, Run run) {
        List<Path> files = new ArrayList<>();
        try {
            // Symbolic links are followed (a linked data set is common); a link loop is reported, not fatal.
            Files.walkFileTree(root, EnumSet.of(FileVisitOption.FOLLOW_LINKS), Integer.MAX_VALUE, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                    return !dir.equals(root) && dir.getFileName().toString().startsWith(".")
                            ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    if (attrs.isSymbolicLink()) {
                        // A link whose target cannot be read (unmounted, deleted): its records are kept.
                        run.unvisited.add(file);
                    } else if (attrs.isRegularFile()) {
                        if (file.getFileName().toString().equalsIgnoreCase(Captions.FILE_NAME)) {
                            run.captions.read(file, root);
                        } else {
                            files.add(file);
                        }
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) {
                    run.unvisited.add(file);
                    run.failed.add(new IndexSummary.Failure(relative(root, file), e instanceof FileSystemLoopException
                            ? "UNREADABLE: a symbolic link loop (the folder contains itself); not entered"
                            : "UNREADABLE: " + e));
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot walk folder " + root + ": " + e.getMessage(), e);
        }
        files.sort(Comparator.comparing(f -> relative(root, f)));
        return files;
    }

    /** Reads the head of each file to tell images from other files, and hashes the images, in parallel. */
    private List<Scanned> scan(Path root, List<Path> files) {
        ExecutorService pool = Executors.newFixedThreadPool(scanThreads, r -> {
            Thread t = new Thread(r, "vision-search-scan");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<Scanned>> futures = new ArrayList<>(files.size());
            for (Path f : files) {
                futures.add(pool.submit(() -> Scanned.of(root, f)));
            }
            List<Scanned> out = new ArrayList<>(files.size());
            // Reading and hashing a large folder takes a while: show it, but not for a handful of files.
            try (ProgressBar bar = quiet || files.size() < 1000 ? null : bar("scanning", files.size(), " files")) {
                for (Future<Scanned> future : futures) {
                    out.add(future.get());
                    if (bar != null) {
                        bar.step();
                    }
                }
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while scanning " + root, e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("scanning " + root + " failed: " + e.getCause(), e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    static String relative(Path root, Path file) {
        return root.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "/");
    }

    /** One file after the scan: an image with its hash, a failure, or (both null) not an image. */
    private static final class Scanned {
        final Path file;
        final String relativePath;
        final String sha256;
        final IndexSummary.Failure failure;

        private Scanned(Path file, String relativePath, String sha256, IndexSummary.Failure failure) {
            this.file = file;
            this.relativePath = relativePath;
            this.sha256 = sha256;
            this.failure = failure;
        }

        static Scanned of(Path root, Path file) {
            String rel = relative(root, file);
            try (InputStream in = Files.newInputStream(file)) {
                byte[] head = in.readNBytes(16);
                if (ImageFormat.detect(head).isEmpty()) {
                    return new Scanned(file, rel, null, null);
                }
                long size = Files.size(file);
                if (size >= ImageInput.MAX_BYTES) {
                    return new Scanned(file, rel, null, new IndexSummary.Failure(rel, InvalidImageException.Reason.TOO_LARGE
                            + ": the file is " + size + " bytes; images must be under " + ImageInput.MAX_BYTES
                            + " bytes (20 MB); resize or recompress it"));
                }
                MessageDigest digest = sha256();
                digest.update(head);
                byte[] buffer = new byte[64 * 1024];
                for (int n; (n = in.read(buffer)) > 0; ) {
                    digest.update(buffer, 0, n);
                }
                return new Scanned(file, rel, HexFormat.of().formatHex(digest.digest()), null);
            } catch (IOException e) {
                return new Scanned(file, rel, null, new IndexSummary.Failure(rel,
                        InvalidImageException.Reason.UNREADABLE + ": cannot read the file: " + e));
            }
        }

        private static MessageDigest sha256() {
            try {
                return MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("SHA-256 is missing from this JVM", e);
            }
        }
    }

    /** The counters of one run. */
    private static final class Run {
        final Path root;
        final long start;
        final Captions captions = new Captions();
        final List<IndexSummary.Failure> failed = new ArrayList<>();
        /** Files and folders the walk could not enter: their records are kept whatever the store holds. */
        final List<Path> unvisited = new ArrayList<>();
        int indexed;
        int skipped;
        int duplicates;
        int removed;
        int ignored;

        Run(Path root, long start) {
            this.root = root;
            this.start = start;
        }

        IndexSummary summary() {
            return new IndexSummary(indexed, skipped, duplicates, removed, ignored, failed, captions.warnings(),
                    Duration.ofNanos(System.nanoTime() - start));
        }
    }
}
