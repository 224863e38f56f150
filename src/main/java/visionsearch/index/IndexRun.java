package visionsearch.index;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import me.tongfei.progressbar.ProgressBar;
import visionsearch.embed.BatchProgress;
import visionsearch.embed.CallPlan;
import visionsearch.embed.Embedder;
import visionsearch.embed.Embedding;
import visionsearch.embed.EmbeddingResult;
import visionsearch.embed.ImageInput;
import visionsearch.embed.InvalidImageException;
import visionsearch.store.VectorStore;

/**
 * One indexing run: a pipeline with no barrier between its stages.
 *
 * <pre>
 * walk (sorted) -> readers (read, hash; a bounded window ahead, consumed in walk order)
 *   -> this thread (skip what the store holds, drop duplicates, group by the embedder's call plan)
 *   -> embedding threads (at most inFlight calls; a permit is freed when a call's answers are queued)
 *   -> a bounded queue -> the store writer (groups by count or time, then the checkpoint)
 * </pre>
 *
 * Each stage blocks when the next one is full, so what is held at once is bounded whatever the size
 * of the folder: the read window, the calls in flight, the queue and one write group.
 */
final class IndexRun {
    /** Counters that tests read to check the bounds; the run fills them. */
    static final class Stats {
        final AtomicInteger held = new AtomicInteger();
        final AtomicInteger maxHeld = new AtomicInteger();
        final AtomicInteger calls = new AtomicInteger();
        final AtomicInteger maxCalls = new AtomicInteger();

        int heldBound(CallPlan plan, int readAhead, int queue, int group) {
            return readAhead + plan.inFlight() * plan.imagesPerCall() + queue + group;
        }

        private static void raise(AtomicInteger max, int value) {
            max.accumulateAndGet(value, Math::max);
        }
    }

    /** What the run found and did; thread-safe. */
    static final class Tally {
        private final long start = System.nanoTime();
        private final Captions captions;
        private final List<IndexSummary.Failure> failed = new ArrayList<>();
        private int indexed;
        private int skipped;
        private int duplicates;
        private int removed;
        private int ignored;

        Tally(FolderFiles folder) {
            this.captions = folder.captions;
            failed.addAll(folder.failures);
        }

        synchronized void failed(IndexSummary.Failure f) {
            failed.add(f);
        }

        synchronized void indexed(int n) {
            indexed += n;
        }

        synchronized void skipped() {
            skipped++;
        }

        synchronized void duplicate() {
            duplicates++;
        }

        synchronized void ignored() {
            ignored++;
        }

        synchronized void removed(int n) {
            removed += n;
        }

        synchronized IndexSummary summary() {
            return new IndexSummary(indexed, skipped, duplicates, removed, ignored, failed, captions.warnings(),
                    Duration.ofNanos(System.nanoTime() - start));
        }
    }

    private record Item(Path file, String relativePath, String sha256, byte[] bytes) {
    }

    private final Embedder embedder;
    private final CallPlan plan;
    private final FolderFiles folder;
    private final StoredRecords stored;
    private final Tally tally;
    private final ProgressBar bar;
    private final int readThreads;
    private final int readAhead;
    private final Stats stats;
    private final BlockingQueue<StoreWriter.Arrival> arrivals;
    private final StoreWriter writer;
    private final Set<String> seen = new HashSet<>();
    /** Records of a store the writer opened on the first answer, for this thread to take in. */
    private volatile List<VectorStore.StoredItem> openedItems;
    private volatile boolean stopping;
    private volatile boolean cancelled;
    private volatile String stopReason;
    private volatile Throwable stopCause;

    IndexRun(Indexer.Builder b, FolderFiles folder, ProgressBar bar) {
        this.embedder = b.embedder;
        this.plan = b.callPlan != null ? b.callPlan : b.embedder.callPlan();
        this.folder = folder;
        this.stored = new StoredRecords(folder);
        this.tally = new Tally(folder);
        this.bar = bar;
        this.readThreads = b.readThreads;
        this.readAhead = Math.max(4 * b.readThreads, plan.imagesPerCall());
        this.stats = b.stats != null ? b.stats : new Stats();
        int queue = Math.max(16, plan.inFlight() * plan.imagesPerCall());
        this.arrivals = new ArrayBlockingQueue<>(queue);
        int stopAfter = Math.max(8, plan.inFlight() * plan.imagesPerCall());
        this.writer = new StoreWriter(this, arrivals, b.store, b.opener, b.checkpoint, b.batchSize,
                b.writeInterval.toNanos(), b.onBatchWritten, stopAfter);
        if (b.store != null) {
            stored.load(b.store.items());
        }
    }

    /** The bound on images held at once (read, in flight, queued or in the write group) that {@link Stats} checks. */
    int heldBound(int groupSize) {
        return stats.heldBound(plan, readAhead, arrivals.remainingCapacity() + arrivals.size(), groupSize);
    }

    /** Stops starting new work; calls in flight finish and what arrives is written. */
    void cancel() {
        cancelled = true;
        stop("cancelled", null);
    }

    /** Runs the pipeline to the end or to a stop; see {@link Indexer#index(Path)}. */
    IndexSummary run() {
        ExecutorService readers = pool(readThreads, "vision-search-read");
        ExecutorService workers = pool(plan.inFlight(), "vision-search-embed");
        Thread writerThread = new Thread(writer, "vision-search-store-writer");
        writerThread.setDaemon(true);
        writerThread.start();
        Semaphore calls = new Semaphore(plan.inFlight());
        boolean interrupted = false;
        try {
            ArrayDeque<Future<FolderFiles.Read>> window = new ArrayDeque<>();
            List<Item> group = new ArrayList<>(plan.imagesPerCall());
            int next = 0;
            while (!stopping) {
                while (window.size() < readAhead && next < folder.files.size()) {
                    Path file = folder.files.get(next++);
                    window.add(readers.submit(() -> read(file)));
                }
                if (window.isEmpty()) {
                    break;
                }
                FolderFiles.Read read = window.poll().get();
                Item item = decide(read);
                if (item != null) {
                    group.add(item);
                    if (group.size() == plan.imagesPerCall()) {
                        dispatch(group, workers, calls);
                        group = new ArrayList<>(plan.imagesPerCall());
                    }
                }
            }
            if (!group.isEmpty()) {
                dispatch(group, workers, calls);
            }
            calls.acquire(plan.inFlight()); // every call has queued its answers
        } catch (InterruptedException e) {
            interrupted = true;
            cancelled = true;
            stop("interrupted", null);
            workers.shutdownNow(); // abandon the calls in flight
        } catch (ExecutionException e) {
            stop("reading the folder failed: " + e.getCause(), e.getCause());
        } finally {
            readers.shutdownNow();
            workers.shutdown();
            interrupted |= awaitQuietly(workers, writerThread);
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (!stopping) {
            writer.stopIfNothingAnswered();
        }
        if (!stopping) {
            removeStale();
        }
        IndexSummary summary = tally.summary();
        if (stopping) {
            throw stopped(summary);
        }
        return summary;
    }

    /** Waits for the embedding threads, then ends the writer with END and waits for it; returns true if interrupted. */
    private boolean awaitQuietly(ExecutorService workers, Thread writerThread) {
        boolean interrupted = false;
        while (true) {
            try {
                if (workers.awaitTermination(1, TimeUnit.DAYS)) {
                    break;
                }
            } catch (InterruptedException e) {
                interrupted = true;
                workers.shutdownNow();
            }
        }
        while (true) {
            try {
                arrivals.put(StoreWriter.END);
                writerThread.join();
                return interrupted;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
    }

    private FolderFiles.Read read(Path file) {
        FolderFiles.Read read = FolderFiles.read(folder.root, file, true);
        if (read.bytes() != null) {
            Stats.raise(stats.maxHeld, stats.held.incrementAndGet());
        }
        return read;
    }

    /** Counts a file that needs no embedding and returns null, or returns the image to embed. */
    private Item decide(FolderFiles.Read read) {
        List<VectorStore.StoredItem> opened = openedItems;
        if (opened != null) {
            openedItems = null;
            stored.load(opened);
        }
        stored.noteRead(read);
        Item item = null;
        if (read.failure() != null) {
            tally.failed(read.failure());
        } else if (!read.isImage()) {
            tally.ignored();
        } else if (stored.holds(read.sha256())) {
            tally.skipped();
        } else if (!seen.add(read.sha256())) {
            tally.duplicate();
        } else {
            item = new Item(read.file(), read.relativePath(), read.sha256(), read.bytes());
        }
        if (item == null) {
            if (read.bytes() != null) {
                released(1);
            }
            step(1);
        }
        return item;
    }

    private void dispatch(List<Item> group, ExecutorService workers, Semaphore calls) throws InterruptedException {
        calls.acquire(); // back-pressure: at most inFlight calls
        if (stopping) {
            calls.release();
            released(group.size());
            return;
        }
        workers.execute(() -> {
            try {
                embed(group);
            } finally {
                calls.release();
            }
        });
    }

    /** Validates and embeds one group, queueing each answer for the writer as it comes. */
    private void embed(List<Item> group) {
        List<ImageInput> inputs = new ArrayList<>(group.size());
        List<Item> valid = new ArrayList<>(group.size());
        for (Item item : group) {
            try {
                inputs.add(ImageInput.of(item.bytes(), item.relativePath()));
                valid.add(item);
            } catch (InvalidImageException e) {
                arrive(item, null, e);
            }
        }
        if (inputs.isEmpty()) {
            return;
        }
        Stats.raise(stats.maxCalls, stats.calls.incrementAndGet());
        try {
            if (plan.imagesPerCall() == 1) {
                for (int i = 0; i < inputs.size(); i++) {
                    try {
                        arrive(valid.get(i), embedder.embedImage(inputs.get(i)), null);
                    } catch (RuntimeException e) {
                        arrive(valid.get(i), null, e);
                    }
                }
                return;
            }
            List<EmbeddingResult> results;
            try {
                results = embedder.embedImages(inputs, BatchProgress.NONE);
            } catch (RuntimeException e) {
                valid.forEach(item -> arrive(item, null, e));
                return;
            }
            for (int i = 0; i < valid.size(); i++) {
                EmbeddingResult r = i < results.size() ? results.get(i) : null;
                arrive(valid.get(i), r == null ? null : r.embedding(), r == null
                        ? new IllegalStateException("the embedder returned " + results.size() + " results for "
                                + inputs.size() + " images; expected one per image") : r.error());
            }
        } finally {
            stats.calls.decrementAndGet();
        }
    }

    private void arrive(Item item, Embedding embedding, RuntimeException error) {
        try {
            arrivals.put(new StoreWriter.Arrival(item.file(), item.relativePath(), item.sha256(), embedding, error));
        } catch (InterruptedException e) {
            released(1); // abandoned by an interrupt: the writer never sees it
            Thread.currentThread().interrupt();
        }
    }

    /** Deletes the records that went stale, after a complete run (never one written in this run). */
    private void removeStale() {
        VectorStore store = writer.store();
        if (store == null) {
            return;
        }
        List<VectorStore.StoredItem> opened = openedItems;
        if (opened != null) {
            stored.load(opened);
        }
        // A stale record whose id was written again in this run (a moved image) was replaced, not deleted.
        List<String> stale = stored.staleIds();
        int deleted = 0;
        for (String id : stale) {
            if (!writer.written().contains(id)) {
                store.delete(id);
                deleted++;
            }
        }
        if (deleted > 0) {
            writer.checkpoint();
        }
        tally.removed(stale.size());
    }

    private IndexingStoppedException stopped(IndexSummary summary) {
        String done = summary.indexed() + " images were written in this run and are kept";
        String message = cancelled
                ? "indexing " + stopReason + ": " + done + "; run again to continue (stored images are skipped)"
                : "indexing stopped: " + stopReason + ". " + done + "; fix the cause and run again (stored images"
                        + " are skipped)";
        return new IndexingStoppedException(message, stopCause, summary, cancelled);
    }

    // ---- called by the writer and the embedding threads

    void stop(String reason, Throwable cause) {
        synchronized (this) {
            if (stopping) {
                return;
            }
            stopReason = reason;
            stopCause = cause;
            stopping = true;
        }
    }

    boolean cancelled() {
        return cancelled;
    }

    Tally tally() {
        return tally;
    }

    Captions captions() {
        return folder.captions;
    }

    void storeOpened(List<VectorStore.StoredItem> items) {
        openedItems = items;
    }

    void released(int images) {
        stats.held.addAndGet(-images);
    }

    void step(int files) {
        if (bar != null) {
            bar.stepBy(files);
        }
    }

    private static ExecutorService pool(int threads, String name) {
        return Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }
}
