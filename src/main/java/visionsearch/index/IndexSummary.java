package visionsearch.index;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What one indexing run did.
 *
 * @param indexed    images embedded and written to the store in this run
 * @param skipped    images whose content the store already held (not embedded again)
 * @param duplicates images identical to another file seen earlier in this run (stored once)
 * @param removed    records deleted because their file under the folder was edited, moved or
 *                   deleted since it was indexed (a moved image is embedded again, under its new path)
 * @param ignored    files that are not images (recognised by content) and were left alone
 * @param failed     images that could not be indexed, each with its reason
 * @param warnings   problems that did not stop the run, e.g. an unreadable {@code captions.csv}
 * @param elapsed    the wall-clock time of the run
 */
public record IndexSummary(int indexed, int skipped, int duplicates, int removed, int ignored, List<Failure> failed,
                           List<String> warnings, Duration elapsed) {

    /**
     * One image that could not be indexed.
     *
     * @param path   the file, relative to the indexed folder
     * @param reason why, in words (e.g. {@code CORRUPT: image ... cannot be decoded})
     */
    public record Failure(String path, String reason) {
        /** Checks both are set. */
        public Failure {
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(reason, "reason");
        }
    }

    /** Checks and copies the components. */
    public IndexSummary {
        failed = List.copyOf(failed);
        warnings = List.copyOf(warnings);
        Objects.requireNonNull(elapsed, "elapsed");
    }

    /** Returns the number of images found: indexed, skipped, duplicates and failed together. */
    public int images() {
        return indexed + skipped + duplicates + failed.size();
    }

    /** Returns a few lines for people: the counts, the time, then each failure and warning. */
    public String describe() {
        StringBuilder out = new StringBuilder();
        out.append(String.format("indexed %d, skipped %d (already in the store), duplicates %d, failed %d, "
                        + "non-image files ignored %d, in %.1f s",
                indexed, skipped, duplicates, failed.size(), ignored, elapsed.toMillis() / 1000.0));
        if (indexed > 0 && elapsed.toMillis() > 0) {
            out.append(String.format(" (%.1f images/s)", indexed * 1000.0 / elapsed.toMillis()));
        }
        if (removed > 0) {
            out.append(String.format("; removed %d records of files changed, moved or deleted since indexed", removed));
        }
        for (Failure f : failed) {
            out.append(System.lineSeparator()).append("  failed: ").append(f.path()).append(": ").append(f.reason());
        }
        for (String w : warnings) {
            out.append(System.lineSeparator()).append("  warning: ").append(w);
        }
        return out.toString();
    }
}
