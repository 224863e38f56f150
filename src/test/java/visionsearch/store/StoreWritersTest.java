package visionsearch.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import visionsearch.vector.Vectors;

/**
 * Real processes on one store file ({@link StoreWriterChild} in child JVMs): two writers at once lose nothing,
 * and a writer killed with SIGKILL at random moments, compactions included, leaves exactly what its last
 * completed save committed.
 */
class StoreWritersTest {
    private static final int DIMS = 512;

    @TempDir
    Path dir;

    @Test
    void twoProcessesSavingToOneFileAtOnceLoseNothing() throws Exception {
        Path file = dir.resolve("shared.vec");
        int groups = 200;
        int size = 20;
        int keys = 600; // each writer overwrites its records, so both compact along the way
        int dims = 64;
        Path go = dir.resolve("go");
        Process a = start(file, "a", 0, groups, size, keys, dims, dir.resolve("a.signal"), go);
        Process b = start(file, "b", 0, groups, size, keys, dims, dir.resolve("b.signal"), go);
        waitForLine(a, dir.resolve("a.signal"), "ready");
        waitForLine(b, dir.resolve("b.signal"), "ready");
        Files.createFile(go);
        for (Process p : List.of(a, b)) {
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the writer finishes");
            assertEquals(0, p.exitValue(), log(p == a ? "a" : "b"));
        }
        Map<String, String> expected = new HashMap<>(StoreWriterChild.expected("a", groups - 1, size, keys));
        expected.putAll(StoreWriterChild.expected("b", groups - 1, size, keys));
        assertHolds(file, expected, dims);
        // Each writer's view after a save holds the other's records too: they really wrote at the same time.
        long othersSeen = 0;
        for (String w : List.of("a", "b")) {
            for (String line : Files.readAllLines(dir.resolve(w + ".signal"))) {
                String[] f = line.split(" ");
                if (f[0].equals("saved")) {
                    int own = StoreWriterChild.expected(w, Integer.parseInt(f[1]), size, keys).size();
                    othersSeen += Long.parseLong(f[2]) > own ? 1 : 0;
                }
            }
        }
        assertTrue(othersSeen > 0, "no save saw the other writer's records");
        try (Stream<Path> files = Files.list(dir)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().contains(".tmp-")), "no temporary file left");
        }
    }

    @Test
    void aWriterKilledAtRandomMomentsOrInTheMiddleOfACompactionLeavesExactlyWhatItsLastSaveCommitted()
            throws Exception {
        Path file = dir.resolve("killed.vec");
        int groups = 400;
        int size = 40;
        int keys = 1500; // 1,500 records of 2 KB, overwritten: a compaction (3 MB) every 40 groups or so
        int dims = DIMS;
        Path signal = dir.resolve("signal");
        Random rnd = new Random();
        int next = 0;
        int leftTemporary = 0;
        for (int kill = 0; kill < 6; kill++) {
            int before = saved(signal).size();
            Process child = start(file, "k", next, groups, size, keys, dims, signal, null);
            boolean midCompaction = kill % 2 == 1;
            int wanted = 3 + rnd.nextInt(20);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (child.isAlive() && System.nanoTime() < deadline
                    && (midCompaction ? !compacting(file) : saved(signal).size() < before + wanted)) {
                Thread.sleep(midCompaction ? 0 : 1);
            }
            assertTrue(child.isAlive(), "the writer was still writing: " + log("k"));
            if (!midCompaction) {
                Thread.sleep(rnd.nextInt(15));
            }
            child.destroyForcibly();
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
            leftTemporary += compacting(file) ? 1 : 0;
            List<Integer> saved = saved(signal);
            int last = saved.get(saved.size() - 1);
            // The save in flight either committed (then its signal line was not written yet) or left nothing.
            Map<String, String> found = items(file);
            if (found.equals(StoreWriterChild.expected("k", last, size, keys))) {
                next = last + 1;
            } else {
                assertSame(StoreWriterChild.expected("k", last + 1, size, keys), found,
                        "after kill " + (kill + 1) + " the store holds the state of save " + last + " or " + (last + 1));
                next = last + 2;
            }
        }
        Process child = start(file, "k", next, groups, size, keys, dims, signal, null);
        assertTrue(child.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, child.exitValue(), log("k"));
        assertHolds(file, StoreWriterChild.expected("k", groups - 1, size, keys), dims);
        System.out.println("StoreWritersTest: " + leftTemporary + " of 6 kills stopped a compaction before its rename");
    }

    /** True while a compaction of {@code file} is writing its temporary snapshot (or a killed one left it). */
    private static boolean compacting(Path file) throws IOException {
        String prefix = "." + file.getFileName() + ".tmp-";
        try (Stream<Path> files = Files.list(file.getParent())) {
            return files.anyMatch(p -> p.getFileName().toString().startsWith(prefix));
        }
    }

    private Process start(Path file, String prefix, int from, int groups, int size, int keys, int dims, Path signal,
                          Path go) throws IOException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> command = new ArrayList<>(List.of(java.toString(), "-Xmx256m", "-cp",
                System.getProperty("java.class.path"), StoreWriterChild.class.getName(), file.toString(), prefix,
                String.valueOf(from), String.valueOf(groups), String.valueOf(size), String.valueOf(keys),
                String.valueOf(dims), signal.toString()));
        if (go != null) {
            command.add(go.toString());
        }
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve(prefix + ".log").toFile()));
        return pb.start();
    }

    private String log(String prefix) throws IOException {
        Path f = dir.resolve(prefix + ".log");
        return Files.exists(f) ? Files.readString(f, StandardCharsets.UTF_8) : "";
    }

    private static List<Integer> saved(Path signal) throws IOException {
        List<Integer> out = new ArrayList<>();
        if (Files.exists(signal)) {
            for (String line : Files.readAllLines(signal)) {
                if (line.startsWith("saved ")) {
                    out.add(Integer.parseInt(line.split(" ")[1]));
                }
            }
        }
        return out;
    }

    private void waitForLine(Process p, Path signal, String line) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!(Files.exists(signal) && Files.readAllLines(signal).contains(line))) {
            assertTrue(p.isAlive() && System.nanoTime() < deadline, "no '" + line + "' from the writer");
            Thread.sleep(5);
        }
    }

    /** Like assertEquals on the two maps, with a short message: how many records are missing, extra or other. */
    private static void assertSame(Map<String, String> expected, Map<String, String> found, String what) {
        if (expected.equals(found)) {
            return;
        }
        List<String> missing = expected.keySet().stream().filter(k -> !found.containsKey(k)).sorted().toList();
        List<String> extra = found.keySet().stream().filter(k -> !expected.containsKey(k)).sorted().toList();
        List<String> other = expected.keySet().stream().filter(k -> found.containsKey(k)
                && !found.get(k).equals(expected.get(k))).sorted().toList();
        throw new AssertionError(what + ": " + missing.size() + " records missing " + head(missing) + ", "
                + extra.size() + " extra " + head(extra) + ", " + other.size() + " in another version " + head(other));
    }

    private static List<String> head(List<String> ids) {
        return ids.subList(0, Math.min(5, ids.size()));
    }

    private static Map<String, String> items(Path file) {
        try (InMemoryVectorStore store = InMemoryVectorStore.open(file, StoreWriterChild.MODEL, DIMS, Distance.DOT)) {
            Map<String, String> out = new HashMap<>();
            for (VectorStore.StoredItem item : store.items()) {
                out.put(item.id(), item.path());
            }
            return out;
        }
    }

    /** The store holds exactly the ids and paths of {@code expected}, each record with its own vector. */
    private static void assertHolds(Path file, Map<String, String> expected, int dims) {
        try (InMemoryVectorStore store = InMemoryVectorStore.open(file, StoreWriterChild.MODEL, dims, Distance.DOT)) {
            Map<String, String> found = new HashMap<>();
            for (VectorStore.StoredItem item : store.items()) {
                found.put(item.id(), item.path());
                String prefix = item.path().substring(0, item.path().indexOf('/'));
                int n = Integer.parseInt(item.path().substring(prefix.length() + 1));
                assertEquals(prefix + "#" + n, item.contentSha256());
            }
            assertSame(expected, found, "the store");
            int checked = 0;
            for (Map.Entry<String, String> e : expected.entrySet()) {
                if (checked++ % 25 != 0) {
                    continue;
                }
                String prefix = e.getValue().substring(0, e.getValue().indexOf('/'));
                int n = Integer.parseInt(e.getValue().substring(prefix.length() + 1));
                float[] v = StoreWriterChild.vector(prefix, n, dims);
                List<SearchHit> hits = store.search(v, 1, Map.of("n", prefix + n));
                assertEquals(e.getKey(), hits.get(0).id());
                assertEquals(Vectors.dot(v, v), hits.get(0).score(), 1e-4);
            }
        }
    }
}
