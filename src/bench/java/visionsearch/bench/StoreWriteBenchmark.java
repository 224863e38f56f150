package visionsearch.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import visionsearch.store.Distance;
import visionsearch.store.InMemoryVectorStore;
import visionsearch.store.VectorRecord;

/**
 * What saving the in-memory store costs on disk: records added in groups through the public API
 * ({@code upsert}, then {@code save()}, as the indexer does after every batch), counting the bytes the
 * process writes ({@code wchar} and {@code write_bytes} of {@code /proc/self/io}) and the time. For each
 * size and group size it prints bytes written per record added against one record's size in a snapshot
 * (goal: about 1), the same for a second pass that replaces every record (compactions included), the time
 * to open the result, and the cost of the old whole-file rewrite after every group: computed from the
 * snapshot sizes for every case, and measured for real (a whole snapshot written after every group, the
 * write path {@code save()} took before the log) for the cases given with {@code --old}.
 *
 * <pre>
 * scripts/bench.sh StoreWriteBenchmark [--sizes 10000,100000] [--groups 16,256] [--dims 1024] [--old 10000x256]
 * </pre>
 * Files go to a temporary folder that is removed at the end. Linux only for the byte counts.
 */
public final class StoreWriteBenchmark {
    private static final String MODEL = "bench:store-write";

    private StoreWriteBenchmark() {
    }

    /** Runs the benchmark; arguments as in the class comment. */
    public static void main(String[] args) throws IOException {
        int[] sizes = {10_000, 100_000};
        int[] groups = {16, 256};
        int dims = 1024;
        List<String> old = new ArrayList<>(List.of("10000x256"));
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--sizes" -> sizes = ints(args[++i]);
                case "--groups" -> groups = ints(args[++i]);
                case "--dims" -> dims = Integer.parseInt(args[++i]);
                case "--old" -> old = List.of(args[++i].split(","));
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + "; expected --sizes, --groups, --dims or --old");
            }
        }
        if (!Files.isReadable(Path.of("/proc/self/io"))) {
            throw new IllegalStateException("/proc/self/io is not readable: this benchmark counts bytes written on Linux");
        }
        Path dir = Files.createTempDirectory("store-write-bench");
        System.out.printf(Locale.ROOT, "StoreWriteBenchmark: %d-d vectors (cosine) with indexer-like ids, paths and "
                + "metadata, added in groups, save() after each; files in %s; %d CPUs, JVM %s%n", dims, dir,
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
        System.out.printf(Locale.ROOT, "%-16s %9s %8s %10s %10s %9s %12s %10s %12s %9s %7s %7s%n", "case", "record B",
                "fill s", "B/record", "/record", "device", "old rewrite", "old/new", "update B/rec", "/record",
                "open s", "1 file");
        try {
            for (int n : sizes) {
                for (int g : groups) {
                    run(dir, n, g, dims, old.contains(n + "x" + g));
                }
            }
        } finally {
            delete(dir);
        }
        System.out.println();
        System.out.println("record B: one record's bytes in a snapshot (a snapshot of the final store / N); B/record: bytes "
                + "written (wchar) per record added, /record: that over record B (goal: about 1); device: write_bytes "
                + "per record over record B; old rewrite: what writing the whole file after every group writes, "
                + "computed from the snapshot sizes (measured: see the lines below the table); update: two more passes "
                + "replacing every record, per record replaced, compactions included (the first pass fills the log to "
                + "twice the records, each later one pays one compaction); open s: opening the store (snapshot + log) "
                + "after the fill, best of 4; 1 file: opening the same records from one snapshot, best of 3.");
    }

    private static void run(Path dir, int n, int group, int dims, boolean measureOld) throws IOException {
        Path file = dir.resolve(n + "x" + group + ".vec");
        Random rnd = new Random(n * 31L + group);
        long[] io0 = io();
        long t0 = System.nanoTime();
        try (InMemoryVectorStore store = InMemoryVectorStore.open(file, MODEL, dims, Distance.COSINE)) {
            for (int from = 0; from < n; from += group) {
                store.upsert(records(from, Math.min(n, from + group), dims, rnd, 0));
                store.save();
            }
        }
        double fill = seconds(t0);
        long[] io1 = io();
        String filled = sizes(dir, file);
        long t1 = System.nanoTime();
        try (InMemoryVectorStore store = InMemoryVectorStore.open(file, MODEL, dims, Distance.COSINE)) {
            double open = seconds(t1); // the first open, then the best of three more
            if (store.count() != n) {
                throw new IllegalStateException("the store holds " + store.count() + " records, expected " + n);
            }
            Path export = dir.resolve("export.vec");
            store.save(export);
            long snapshot = Files.size(export);
            // Then the best of three more opens of each, alternating, against JIT warm-up and machine noise.
            double openSnapshot = Double.MAX_VALUE;
            for (int round = 0; round < 3; round++) {
                for (Path p : List.of(file, export)) {
                    long t2 = System.nanoTime();
                    try (InMemoryVectorStore ignored = InMemoryVectorStore.open(p, MODEL, dims, Distance.COSINE)) {
                        double s = seconds(t2);
                        if (p == file) {
                            open = Math.min(open, s);
                        } else {
                            openSnapshot = Math.min(openSnapshot, s);
                        }
                    }
                }
            }
            long empty;
            try (InMemoryVectorStore none = InMemoryVectorStore.create(MODEL, dims, Distance.COSINE)) {
                none.save(export);
                empty = Files.size(export);
            }
            Files.delete(export);

            long[] io2 = io();
            long t3 = System.nanoTime();
            for (int pass = 1; pass <= 2; pass++) {
                for (int from = 0; from < n; from += group) {
                    store.upsert(records(from, Math.min(n, from + group), dims, rnd, pass));
                    store.save();
                }
            }
            double update = seconds(t3);
            long[] io3 = io();

            double record = (snapshot - empty) / (double) n;
            double added = (io1[0] - io0[0]) / (double) n;
            double device = (io1[1] - io0[1]) / (double) n;
            double replaced = (io3[0] - io2[0]) / (2.0 * n);
            double oldBytes = oldRewrite(n, group, empty, snapshot);
            System.out.printf(Locale.ROOT, "%-16s %9.0f %8.2f %10.0f %10.3f %9.3f %12s %10.0f %12.0f %9.3f %7.2f %7.2f%n",
                    String.format(Locale.ROOT, "%,d / %d", n, group), record, fill, added, added / record,
                    device / record, gb(oldBytes), oldBytes / (io1[0] - io0[0]), replaced, replaced / record, open,
                    openSnapshot);
            System.out.printf(Locale.ROOT, "%-16s fill: %,d saves wrote %s (%.0f saves/s), files then %s; two update "
                    + "passes %.2f s, files then %s%n", "", (n + group - 1) / group, gb(io1[0] - io0[0]),
                    ((n + group - 1) / group) / fill, filled, update, sizes(dir, file));
            deleteStore(file);
            if (measureOld) {
                measureOld(dir, n, group, dims, empty, snapshot);
            }
        }
    }

    /** The old save: the whole store written as one new file (temporary file, fsync, rename) after every group. */
    private static void measureOld(Path dir, int n, int group, int dims, long empty, long snapshot) throws IOException {
        Path file = dir.resolve("old.vec");
        Random rnd = new Random(n * 31L + group);
        long[] io0 = io();
        long t0 = System.nanoTime();
        try (InMemoryVectorStore store = InMemoryVectorStore.create(MODEL, dims, Distance.COSINE)) {
            for (int from = 0; from < n; from += group) {
                store.upsert(records(from, Math.min(n, from + group), dims, rnd, 0));
                store.save(file);
            }
        }
        double s = seconds(t0);
        long[] io1 = io();
        double computed = oldRewrite(n, group, empty, snapshot);
        System.out.printf(Locale.ROOT, "%-16s old whole-file rewrite measured: %s written in %.2f s (computed %s, "
                        + "measured/computed %.3f)%n", String.format(Locale.ROOT, "%,d / %d", n, group),
                gb(io1[0] - io0[0]), s, gb(computed), (io1[0] - io0[0]) / computed);
        Files.delete(file);
    }

    /** Bytes the whole-file rewrite writes: after each group, a snapshot of the records so far (linear in the count). */
    private static double oldRewrite(int n, int group, long empty, long full) {
        double total = 0;
        for (int from = 0; from < n; from += group) {
            int count = Math.min(n, from + group);
            total += empty + (full - empty) * (double) count / n;
        }
        return total;
    }

    /**
     * Records like the indexer's: id and content hash 64 hex digits, an absolute path, four metadata entries;
     * {@code version} 1 gives the same ids new vectors and hashes (a pass that replaces every record).
     */
    private static List<VectorRecord> records(int from, int to, int dims, Random rnd, int version) {
        List<VectorRecord> out = new ArrayList<>(to - from);
        for (int i = from; i < to; i++) {
            float[] v = new float[dims];
            for (int d = 0; d < dims; d++) {
                v[d] = (float) rnd.nextGaussian();
            }
            String id = String.format(Locale.ROOT, "%064x", i);
            String sha = String.format(Locale.ROOT, "%056x%08x", i, version);
            String theme = "theme-" + (i % 12);
            String name = String.format(Locale.ROOT, "img-%06d.jpg", i);
            out.add(new VectorRecord(id, "/home/user/photos/" + theme + "/" + name, Map.of("relative_path",
                    theme + "/" + name, "file_name", name, "folder", theme, "caption", "a sample photo of " + theme),
                    sha, v));
        }
        return out;
    }

    /** wchar and write_bytes of this process so far. */
    private static long[] io() throws IOException {
        long[] out = new long[2];
        for (String line : Files.readAllLines(Path.of("/proc/self/io"))) {
            if (line.startsWith("wchar:")) {
                out[0] = Long.parseLong(line.substring(6).trim());
            } else if (line.startsWith("write_bytes:")) {
                out[1] = Long.parseLong(line.substring(12).trim());
            }
        }
        return out;
    }

    private static String sizes(Path dir, Path file) throws IOException {
        StringBuilder s = new StringBuilder();
        for (Path p : List.of(file, dir.resolve(file.getFileName() + ".log"))) {
            s.append(p.getFileName()).append(' ').append(Files.exists(p) ? mb(Files.size(p)) : "absent").append("; ");
        }
        return s.substring(0, s.length() - 2);
    }

    private static void deleteStore(Path file) throws IOException {
        for (String suffix : List.of("", ".log", ".lock")) {
            Files.deleteIfExists(file.resolveSibling(file.getFileName() + suffix));
        }
    }

    private static void delete(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static String gb(double bytes) {
        return bytes >= 1e9 ? String.format(Locale.ROOT, "%.2f GB", bytes / 1e9) : mb(bytes);
    }

    private static String mb(double bytes) {
        return String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
    }

    private static int[] ints(String csv) {
        return Stream.of(csv.split(",")).mapToInt(Integer::parseInt).toArray();
    }

    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }
}
