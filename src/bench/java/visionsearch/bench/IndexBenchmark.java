package visionsearch.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import mockwebserver3.MockWebServer;
import visionsearch.embed.EmbeddingCache;
import visionsearch.embed.ImageInput;
import visionsearch.embed.azure.AzureStandIn;
import visionsearch.samples.SampleScenes;
import visionsearch.store.InMemoryVectorStore;
import visionsearch.store.SearchHit;

/**
 * {@code vision-search index} end to end, as a child process, against a faulty local stand-in of
 * Azure AI Vision ({@link SlidingWindowStandIn}: 150 ms latency, at most 20 requests admitted in any
 * sliding 1-second window, 5 % random 429 with {@code Retry-After: 1}, 2 % random 503), over 1,000
 * generated sample images; then the same folder with {@code kill -9} at three random moments and a
 * rerun; then a rerun with everything stored; and a local-embedder line: a model with CLIP ViT-B/32's
 * architecture and random weights ({@code scripts/make-bench-clip.py}, generated into target/ on first
 * use) through {@code index} against bare ONNX Runtime inference on the same preprocessed batches.
 *
 * <p>Run: {@code scripts/bench.sh IndexBenchmark [IMAGES] [SEED] [CLIP_IMAGES]} (defaults 1000, 42, 200), or
 * {@code scripts/bench.sh IndexBenchmark clip [CLIP_IMAGES]} for the local-embedder line alone.
 * Goals (issue 10): items/s at least 0.88 of the limit; 0 server-side 429s caused by the client's
 * pacing; 0 lost, 0 duplicated; after the kills the exact count and at most the in-flight window
 * (16 calls) paid twice per kill; 0 calls on the rerun; CLIP through {@code index} at least 0.9 of bare inference.
 */
public final class IndexBenchmark {
    static final int LIMIT = 20;
    static final int IN_FLIGHT = 16;
    static final String KEY = "bench-key";
    private static final Pattern SUMMARY = Pattern.compile("indexed (\\d+), skipped (\\d+).* in ([\\d.]+) s");

    /** Kept so that the setting sticks: a killed child leaves connections that made no request, which is expected. */
    private static final java.util.logging.Logger QUIET = java.util.logging.Logger.getLogger(MockWebServer.class.getName());

    private IndexBenchmark() {
    }

    /** Runs the benchmark. */
    public static void main(String[] args) throws Exception {
        QUIET.setLevel(java.util.logging.Level.SEVERE);
        Path base = Path.of("target/index-bench").toAbsolutePath();
        if (args.length > 0 && args[0].equals("clip")) {
            System.out.println("IndexBenchmark, the local-embedder line only");
            ClipLine.run(base, args.length > 1 ? Integer.parseInt(args[1]) : 200);
            return;
        }
        if (args.length > 0 && args[0].equals("once")) {
            int n = args.length > 1 ? Integer.parseInt(args[1]) : 1000;
            int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 1;
            boolean photos = args.length > 3 && args[3].equals("photos");
            Path folder = base.resolve(photos ? "photos" : "images");
            Map<String, byte[]> images = photos ? photoSized(folder, n) : sampleImages(folder, n);
            long bytes = images.values().stream().mapToLong(b -> b.length).sum();
            System.out.printf(Locale.ROOT, "IndexBenchmark, part 1 only, %d rounds of %d images, %.2f MB each on average"
                    + " (load average %s)%n", rounds, images.size(), bytes / 1e6 / images.size(),
                    AzurePacingBenchmark.loadAverage());
            for (int round = 1; round <= rounds; round++) {
                try (MockWebServer server = new MockWebServer()) {
                    SlidingWindowStandIn standIn = new SlidingWindowStandIn(KEY, 150, LIMIT, 0.05, 0.02, 42 + round);
                    server.setDispatcher(standIn);
                    server.start(InetAddress.getLoopbackAddress(), 0);
                    System.out.println("round " + round);
                    oneRun(clean(base.resolve("run-once")), folder, images, standIn,
                            server.url("/").toString());
                }
            }
            return;
        }
        int count = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        long seed = args.length > 1 ? Long.parseLong(args[1]) : 42;
        int clipCount = args.length > 2 ? Integer.parseInt(args[2]) : 200;
        Path images = base.resolve("images");
        Map<String, byte[]> expected = sampleImages(images, count);
        System.out.printf(Locale.ROOT, "IndexBenchmark: %d generated images in %s; stand-in: 150 ms latency, at most %d"
                + " requests in any sliding 1 s (429 beyond), 5 %% random 429 (Retry-After: 1), 2 %% random 503%n%n",
                expected.size(), images, LIMIT);

        Path runA = clean(base.resolve("run-a"));
        try (MockWebServer server = new MockWebServer()) {
            SlidingWindowStandIn standIn = new SlidingWindowStandIn(KEY, 150, LIMIT, 0.05, 0.02, seed);
            server.setDispatcher(standIn);
            server.start(InetAddress.getLoopbackAddress(), 0);
            String endpoint = server.url("/").toString();

            System.out.println("1. one run, start to end");
            oneRun(runA, images, expected, standIn, endpoint);

            System.out.println();
            System.out.println("3. a rerun with everything stored");
            int before = standIn.requests();
            Child rerun = Child.index(runA, images, endpoint).waitFor();
            Matcher r = rerun.summary();
            System.out.printf(Locale.ROOT, "   indexed %s, skipped %s in %s s; calls on the endpoint: %d (goal 0)%n",
                    r.group(1), r.group(2), r.group(3), standIn.requests() - before);
        }

        System.out.println();
        System.out.println("2. kill -9 at three random moments, then a rerun (a new store and cache)");
        Path runB = clean(base.resolve("run-b"));
        try (MockWebServer server = new MockWebServer()) {
            SlidingWindowStandIn standIn = new SlidingWindowStandIn(KEY, 150, LIMIT, 0.05, 0.02, seed + 1);
            server.setDispatcher(standIn);
            server.start(InetAddress.getLoopbackAddress(), 0);
            String endpoint = server.url("/").toString();
            Random random = new Random(seed);
            long[] starts = new long[4];
            long[] kills = new long[3];
            for (int k = 0; k < 3; k++) {
                long after = 2000 + random.nextInt(Math.max(1, (int) (count / (double) LIMIT * 1000 / 4) - 2000));
                starts[k] = System.nanoTime();
                Child child = Child.index(runB, images, endpoint);
                Thread.sleep(after);
                child.kill();
                kills[k] = System.nanoTime();
                long inStore = Files.exists(runB.resolve("bench.vec")) ? storedHashes(runB).size() : 0;
                long inCache;
                try (EmbeddingCache cache = EmbeddingCache.open(runB.resolve(".vision-search/embeddings.cache"))) {
                    inCache = cache.size();
                }
                System.out.printf(Locale.ROOT, "   kill %d after %.1f s: %d records in the store file, %d vectors in the"
                        + " cache, %d answers (200) so far%n", k + 1, after / 1000.0, inStore, inCache, standIn.served());
            }
            starts[3] = System.nanoTime();
            Child last = Child.index(runB, images, endpoint).waitFor();
            Matcher l = last.summary();
            Set<String> stored = storedHashes(runB);
            boolean exact = stored.equals(expected.keySet());
            int[] twice = new int[3];
            int total = 0;
            for (String sha : expected.keySet()) {
                List<Long> at = new ArrayList<>(standIn.servedAt().getOrDefault(sha, List.of()));
                at.sort(Comparator.naturalOrder());
                for (int i = 0; i + 1 < at.size(); i++) {
                    total++;
                    for (int k = 0; k < 3; k++) {
                        if (at.get(i) >= starts[k] && at.get(i) <= kills[k]) {
                            twice[k]++;
                        }
                    }
                }
            }
            System.out.printf(Locale.ROOT, "   the rerun: indexed %s, skipped %s in %s s%n", l.group(1), l.group(2), l.group(3));
            System.out.printf(Locale.ROOT, "   store: %d records, %s (goal: exactly the %d images)%n", stored.size(),
                    exact ? "exactly one per image" : "NOT the expected set", expected.size());
            System.out.printf(Locale.ROOT, "   calls paid twice: %d in all; by kill %d, %d, %d (goal <= %d, the calls in"
                    + " flight); requests over the sliding-window limit: %d%n", total, twice[0], twice[1], twice[2],
                    IN_FLIGHT, standIn.overLimit());
        }

        if (clipCount > 0) {
            System.out.println();
            System.out.println("4. a local embedder at real cost: CLIP ViT-B/32's architecture, random weights");
            ClipLine.run(base, clipCount);
        }
    }

    /** Part 1: one {@code index} run in {@code run} against {@code standIn}; prints rate, 429s, lost, duplicated. */
    private static void oneRun(Path run, Path images, Map<String, byte[]> expected, SlidingWindowStandIn standIn,
                               String endpoint) throws Exception {
        Child full = Child.index(run, images, endpoint).waitFor();
        Matcher m = full.summary();
        int indexed = Integer.parseInt(m.group(1));
        double seconds = Double.parseDouble(m.group(3));
        double rate = indexed / seconds;
        Set<String> stored = storedHashes(run);
        int lost = 0;
        for (String sha : expected.keySet()) {
            lost += stored.contains(sha) ? 0 : 1;
        }
        int duplicated = 0;
        for (String sha : expected.keySet()) {
            duplicated += Math.max(0, standIn.servedAt().getOrDefault(sha, List.of()).size() - 1);
        }
        int wrong = wrongVectors(run, expected);
        System.out.printf(Locale.ROOT, "   indexed %d in %.1f s (child process %.1f s): %.2f items/s = %.3f of the"
                + " limit (goal >= 0.88)%n", indexed, seconds, full.seconds, rate, rate / LIMIT);
        System.out.printf(Locale.ROOT, "   requests %d: %d x 200, %d x 429 random, %d x 503 random, %d x 429 over the"
                + " sliding-window limit (the client's pacing; goal 0), %d other; at most %d requests arrived in"
                + " any 1 s (429s included)%n", standIn.requests(), standIn.served(), standIn.random429(), standIn.random503(),
                standIn.overLimit(), standIn.others(), standIn.busiestSecond());
        System.out.printf(Locale.ROOT, "   lost %d, duplicated %d (paid twice), wrong vector %d (goal 0 each)%n",
                lost, duplicated, wrong);
        List<Long> arrivals = standIn.arrivals();
        double span = (arrivals.get(arrivals.size() - 1) - arrivals.get(0)) / 1e9;
        System.out.printf(Locale.ROOT, "   first to last request %.1f s: %.2f requests/s = %.3f of the limit; the other %.1f s"
                + " are the start (JVM excluded) and the last answers and retries%n", span, (arrivals.size() - 1) / span,
                (arrivals.size() - 1) / span / LIMIT, seconds - span);
        List<long[]> gaps = new ArrayList<>(); // {gap, its end after the first request}
        for (int i = 1; i < arrivals.size(); i++) {
            gaps.add(new long[] {arrivals.get(i) - arrivals.get(i - 1), arrivals.get(i) - arrivals.get(0)});
        }
        gaps.sort(Comparator.comparingLong((long[] g) -> g[0]).reversed());
        long over = gaps.stream().filter(g -> g[0] > 80_000_000L).count();
        if (standIn.overLimit() > 0) {
            System.out.println("   the requests over the limit arrived at (s after the first): " + standIn.overLimitSeconds());
        }
        System.out.printf(Locale.ROOT, "   gaps between requests over 80 ms: %d; the longest (ms, at s): %s%n", over,
                gaps.stream().limit(4).map(g -> String.format(Locale.ROOT, "%d at %.1f", g[0] / 1_000_000, g[1] / 1e9))
                        .toList());
    }

    /**
     * Writes {@code count} photo-sized JPEGs (once): sample scenes drawn at 2048 x 1536 with per-pixel noise, so
     * that each is about as large as a camera photo (1 to 2 MB); returns their bytes by SHA-256.
     */
    private static Map<String, byte[]> photoSized(Path dir, int count) throws IOException {
        if (!Files.isDirectory(dir) || list(dir).size() != count) {
            clean(dir);
            Random noise = new Random(1);
            int perTheme = (count + SampleScenes.Theme.values().length - 1) / SampleScenes.Theme.values().length;
            for (SampleScenes.Scene scene : SampleScenes.collection(SampleScenes.DEFAULT_SEED, perTheme).subList(0, count)) {
                java.awt.image.BufferedImage big = new java.awt.image.BufferedImage(2048, 1536,
                        java.awt.image.BufferedImage.TYPE_INT_RGB);
                java.awt.Graphics2D g = big.createGraphics();
                g.drawImage(scene.image(), 0, 0, 2048, 1536, null);
                g.dispose();
                for (int y = 0; y < 1536; y++) {
                    for (int x = 0; x < 2048; x++) {
                        int rgb = big.getRGB(x, y);
                        int d = noise.nextInt(25) - 12;
                        int r = Math.max(0, Math.min(255, ((rgb >> 16) & 255) + d));
                        int gr = Math.max(0, Math.min(255, ((rgb >> 8) & 255) + d));
                        int b = Math.max(0, Math.min(255, (rgb & 255) + d));
                        big.setRGB(x, y, (r << 16) | (gr << 8) | b);
                    }
                }
                javax.imageio.ImageIO.write(big, "jpg", dir.resolve(scene.file().replace(".png", ".jpg")).toFile());
            }
        }
        Map<String, byte[]> out = new HashMap<>();
        for (Path p : list(dir)) {
            byte[] bytes = Files.readAllBytes(p);
            out.put(ImageInput.sha256Hex(bytes), bytes);
        }
        return out;
    }

    /** Writes {@code count} sample images (once) and returns their bytes by SHA-256. */
    private static Map<String, byte[]> sampleImages(Path dir, int count) throws IOException {
        List<Path> existing = Files.isDirectory(dir) ? list(dir) : List.of();
        if (existing.size() != count) {
            clean(dir);
            int perTheme = (count + SampleScenes.Theme.values().length - 1) / SampleScenes.Theme.values().length;
            SampleScenes.write(dir, SampleScenes.collection(SampleScenes.DEFAULT_SEED, perTheme).subList(0, count));
            existing = list(dir);
        }
        Map<String, byte[]> out = new HashMap<>();
        for (Path p : existing) {
            byte[] bytes = Files.readAllBytes(p);
            out.put(ImageInput.sha256Hex(bytes), bytes);
        }
        return out;
    }

    static List<Path> list(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.toString().endsWith(".png") || p.toString().endsWith(".jpg")).sorted().toList();
        }
    }

    static Path clean(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (Stream<Path> walk = Files.walk(dir)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
        return Files.createDirectories(dir);
    }

    private static Set<String> storedHashes(Path work) {
        try (InMemoryVectorStore store = InMemoryVectorStore.load(work.resolve("bench.vec"))) {
            return new HashSet<>(store.contentHashes());
        }
    }

    /** Images whose record is not the stand-in's vector for their bytes (searched with that vector, the top hit must be the image). */
    private static int wrongVectors(Path work, Map<String, byte[]> expected) {
        int wrong = 0;
        try (InMemoryVectorStore store = InMemoryVectorStore.load(work.resolve("bench.vec"))) {
            for (Map.Entry<String, byte[]> e : expected.entrySet()) {
                List<SearchHit> top = store.search(AzureStandIn.vectorFor(e.getValue()), 1);
                if (top.isEmpty() || !top.get(0).id().equals(e.getKey()) || top.get(0).score() < 0.99999) {
                    wrong++;
                }
            }
        }
        return wrong;
    }

    /** A {@code vision-search} child JVM with a clean environment, its output in a log file. */
    static final class Child {
        final Process process;
        final Path log;
        final long started = System.nanoTime();
        double seconds;

        private Child(Process process, Path log) {
            this.process = process;
            this.log = log;
        }

        /** Starts {@code vision-search index IMAGES --store bench.vec -q} in {@code work} against the stand-in. */
        static Child index(Path work, Path images, String endpoint) throws IOException {
            return start(work, Map.of("VISION_EMBEDDER", "azure", "VISION_ENDPOINT", endpoint, "VISION_KEY", KEY),
                    "index", images.toString(), "--store", "bench.vec", "-q");
        }

        static Child start(Path work, Map<String, String> env, String... args) throws IOException {
            List<String> java = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                    .toString(), "-Djava.awt.headless=true", "-Xmx2g", "-Dorg.slf4j.simpleLogger.log.visionsearch=warn",
                    "-cp", absoluteClasspath(), "visionsearch.cli.Main"));
            java.addAll(List.of(args));
            // bash's `times` prints the CPU time of its children (the JVM) at the end; see kill() for kill -9.
            List<String> command = new ArrayList<>(List.of("bash", "-c", "\"$@\"; status=$?; times; exit $status",
                    "child"));
            command.addAll(java);
            Path log = Files.createTempFile(work, "child-", ".log");
            ProcessBuilder pb = new ProcessBuilder(command).directory(work.toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            pb.environment().keySet().removeIf(k -> k.startsWith("VISION_") || k.startsWith("CLIP_")
                    || k.equals("DATABASE_URL"));
            pb.environment().putAll(env);
            return new Child(pb.start(), log);
        }

        /** This JVM's class path with every entry absolute (bench.sh gives relative ones; the child runs elsewhere). */
        private static String absoluteClasspath() {
            List<String> out = new ArrayList<>();
            for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
                out.add(Path.of(entry).toAbsolutePath().toString());
            }
            return String.join(java.io.File.pathSeparator, out);
        }

        Child waitFor() throws Exception {
            if (!process.waitFor(30, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new IllegalStateException("the child did not finish within 30 minutes: " + output());
            }
            seconds = (System.nanoTime() - started) / 1e9;
            if (process.exitValue() != 0) {
                throw new IllegalStateException("the child failed (exit " + process.exitValue() + "): " + output());
            }
            return this;
        }

        /** Sends SIGKILL to the child JVM (and the bash around it) and waits for it to end. */
        void kill() throws InterruptedException {
            List<ProcessHandle> jvm = process.descendants().toList();
            jvm.forEach(ProcessHandle::destroyForcibly);
            for (ProcessHandle h : jvm) {
                h.onExit().join();
            }
            process.destroyForcibly();
            process.waitFor();
        }

        /** The child JVM's CPU seconds (user + system), from bash's {@code times}. */
        double cpuSeconds() throws IOException {
            Matcher m = Pattern.compile("(\\d+)m([\\d.]+)s (\\d+)m([\\d.]+)s\\s*$").matcher(output().strip());
            if (!m.find()) {
                throw new IllegalStateException("no CPU times in the child's output: " + output());
            }
            return Integer.parseInt(m.group(1)) * 60 + Double.parseDouble(m.group(2))
                    + Integer.parseInt(m.group(3)) * 60 + Double.parseDouble(m.group(4));
        }

        String output() throws IOException {
            return Files.readString(log, StandardCharsets.UTF_8);
        }

        Matcher summary() throws IOException {
            Matcher m = SUMMARY.matcher(output());
            if (!m.find()) {
                throw new IllegalStateException("no summary line in the child's output: " + output());
            }
            return m;
        }
    }
}
