package visionsearch.index;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import visionsearch.embed.Embedding;
import visionsearch.embed.InvalidImageException;
import visionsearch.store.InMemoryVectorStore;
import visionsearch.store.VectorRecord;
import visionsearch.store.VectorStore;

/**
 * The last stage of an {@link IndexRun}, on its own thread: takes answers as they arrive, in any
 * order, and writes them to the store in groups (by count or by time), each followed by the
 * checkpoint. Opens the store on the first answer when none was given, and checks every answer's
 * model against the store's. When the run stops for another reason it still writes the answers of
 * the calls in flight; after the store itself failed it keeps taking answers (so that no embedding
 * thread waits on it) but writes nothing more.
 */
final class StoreWriter implements Runnable {
    /** One image's outcome: its vector or its error. */
    record Arrival(Path file, String relativePath, String sha256, Embedding embedding, RuntimeException error) {
    }

    /** Put after the last arrival. */
    static final Arrival END = new Arrival(null, null, null, null, null);

    private final IndexRun run;
    private final BlockingQueue<Arrival> queue;
    private final StoreOpener opener;
    private final Runnable givenCheckpoint;
    private final int groupSize;
    private final long intervalNanos;
    private final Consumer<IndexSummary> listener;
    private final int stopAfter;
    private final Set<String> written = new HashSet<>();
    private final List<VectorRecord> group = new ArrayList<>();
    private VectorStore store;
    private Runnable checkpoint;
    private long groupStarted;
    private int serviceFailuresInARow;
    private int answers;
    private String firstServiceFailure;
    private RuntimeException firstServiceError;
    private boolean failed;

    StoreWriter(IndexRun run, BlockingQueue<Arrival> queue, VectorStore store, StoreOpener opener, Runnable checkpoint,
                int groupSize, long intervalNanos, Consumer<IndexSummary> listener, int stopAfter) {
        this.run = run;
        this.queue = queue;
        this.store = store;
        this.opener = opener;
        this.givenCheckpoint = checkpoint;
        this.checkpoint = store == null ? null : checkpointFor(store);
        this.groupSize = groupSize;
        this.intervalNanos = intervalNanos;
        this.listener = listener;
        this.stopAfter = stopAfter;
    }

    /** The store written to, or null if none was given and no answer arrived. */
    VectorStore store() {
        return store;
    }

    /** Runs the checkpoint once more (after the run deleted stale records). */
    void checkpoint() {
        checkpoint.run();
    }

    /**
     * Stops the run if no answer came back at all and the embedder failed for a reason other than
     * the images (every image sent failed: a wrong key, a service that is down); called after the END.
     */
    void stopIfNothingAnswered() {
        if (!failed && answers == 0 && firstServiceFailure != null) {
            run.stop("every image sent to the embedder failed, e.g. " + firstServiceFailure, firstServiceError);
        }
    }

    /** The ids written in this run. */
    Set<String> written() {
        return written;
    }

    @Override
    public void run() {
        boolean interrupted = false;
        while (true) {
            Arrival a;
            try {
                a = group.isEmpty() ? queue.take()
                        : queue.poll(groupStarted + intervalNanos - System.nanoTime(), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                interrupted = true; // the run ends this thread with END, never by interrupting it
                continue;
            }
            if (a == END) {
                break;
            }
            boolean settled = a == null;
            try {
                if (a != null && !(!failed && take(a))) {
                    run.released(1);
                }
                settled = true;
                if (!group.isEmpty() && (a == null || group.size() >= groupSize
                        || System.nanoTime() - groupStarted >= intervalNanos)) {
                    write();
                }
            } catch (RuntimeException | Error e) {
                if (!settled) {
                    run.released(1);
                }
                storeFailed("writing to the store failed: " + e.getMessage(), e);
            }
        }
        if (!failed && !group.isEmpty()) {
            try {
                write();
            } catch (RuntimeException | Error e) {
                storeFailed("writing to the store failed: " + e.getMessage(), e);
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Adds an answer to the group, or counts a failure; returns true if the answer joined the group. */
    private boolean take(Arrival a) {
        if (a.error() != null) {
            if (run.cancelled()) {
                return false; // abandoned by the cancel, not the image's fault: tried again next time
            }
            run.tally().failed(failure(a.relativePath(), a.error()));
            run.step(1);
            if (!(a.error() instanceof InvalidImageException) && firstServiceFailure == null) {
                firstServiceFailure = a.relativePath() + ": " + a.error().getMessage();
                firstServiceError = a.error();
            }
            if (!(a.error() instanceof InvalidImageException) && ++serviceFailuresInARow >= stopAfter) {
                run.stop(serviceFailuresInARow + " images in a row failed, e.g. " + a.relativePath() + ": "
                        + a.error().getMessage(), a.error());
            }
            return false;
        }
        serviceFailuresInARow = 0;
        answers++;
        Embedding e = a.embedding();
        if (store == null) {
            store = opener.open(e.modelId(), e.dimensions());
            checkpoint = checkpointFor(store);
            run.storeOpened(store.items());
        }
        if (!e.modelId().equals(store.modelId()) || e.dimensions() != store.dimensions()) {
            run.stop("the embedder answered with model " + e.modelId() + " (" + e.dimensions() + " dimensions), but the"
                    + " store holds model " + store.modelId() + " (" + store.dimensions() + " dimensions); nothing of"
                    + " that model was written. Index into another collection or store file for " + e.modelId()
                    + ", or use the embedder that filled this store", null);
            return false;
        }
        if (group.isEmpty()) {
            groupStarted = System.nanoTime();
        }
        group.add(new VectorRecord(a.sha256(), a.file().toString(), metadata(a), a.sha256(), e.vector()));
        return true;
    }

    private void write() {
        store.upsert(group);
        checkpoint.run();
        for (VectorRecord r : group) {
            written.add(r.id());
        }
        int n = group.size();
        group.clear();
        run.tally().indexed(n);
        run.released(n);
        run.step(n);
        listener.accept(run.tally().summary());
    }

    /** After the store failed nothing more is written: what it holds stays as it was after the last good write. */
    private void storeFailed(String why, Throwable cause) {
        if (!failed) {
            failed = true;
            run.released(group.size());
            group.clear();
            run.stop(why, cause);
        }
    }

    private Runnable checkpointFor(VectorStore s) {
        if (givenCheckpoint != null) {
            return givenCheckpoint;
        }
        return s instanceof InMemoryVectorStore memory && memory.file() != null ? memory::save : () -> { };
    }

    private Map<String, String> metadata(Arrival a) {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("relative_path", a.relativePath());
        meta.put("file_name", a.file().getFileName().toString());
        int slash = a.relativePath().lastIndexOf('/');
        if (slash > 0) {
            meta.put("folder", a.relativePath().substring(0, slash));
        }
        meta.putAll(run.captions().of(a.file()));
        return meta;
    }

    static IndexSummary.Failure failure(String path, RuntimeException e) {
        String reason = e instanceof InvalidImageException ie ? ie.reason() + ": " + e.getMessage()
                : e.getClass().getSimpleName() + ": " + e.getMessage();
        return new IndexSummary.Failure(path, reason);
    }
}
