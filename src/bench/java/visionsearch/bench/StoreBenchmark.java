package visionsearch.bench;

import com.pgvector.PGvector;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import visionsearch.store.DatabaseUrl;
import visionsearch.store.Distance;
import visionsearch.store.InMemoryVectorStore;
import visionsearch.store.IndexSpec;
import visionsearch.store.PgVectorStore;
import visionsearch.store.SearchHit;
import visionsearch.store.SearchOptions;
import visionsearch.store.VectorRecord;

/**
 * Store benchmark on synthetic clustered vectors (default 100,000 x 1024, cosine):
 * COPY BINARY vs batched INSERT loading, HNSW build time, recall@10 and QPS over an ef_search sweep against
 * the exact scan, and the in-memory exact top-10 scan against a plain sequential float sum over an array of
 * the same size. Prints every figure and the ratios, measured in one run.
 *
 * <pre>
 * scripts/bench.sh StoreBenchmark [N] [--dims D] [--queries Q] [--insert-rows R]
 * </pre>
 * The database is DATABASE_URL, else VISION_SEARCH_TEST_DATABASE_URL, else a scratch cluster that it starts
 * with scripts/pg.sh and stops at the end. The benchmark's tables are dropped at the end.
 */
public final class StoreBenchmark {
    private static final String MODEL = "bench:synthetic";
    private static final int BATCH = 10_000;
    private static final int CLUSTERS = 100;

    private StoreBenchmark() {
    }

    /** Runs the benchmark; arguments as in the class comment. */
    public static void main(String[] args) throws Exception {
        int n = 100_000;
        int dims = 1024;
        int queries = 50;
        int insertRows = -1;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--dims" -> dims = Integer.parseInt(args[++i]);
                case "--queries" -> queries = Integer.parseInt(args[++i]);
                case "--insert-rows" -> insertRows = Integer.parseInt(args[++i]);
                default -> n = Integer.parseInt(args[i]);
            }
        }
        if (insertRows < 0) {
            insertRows = Math.min(n, 20_000); // split between the two INSERT baselines
        }
        String url = System.getenv("DATABASE_URL");
        if (url == null || url.isBlank()) {
            url = System.getenv("VISION_SEARCH_TEST_DATABASE_URL");
        }
        boolean started = false;
        if (url == null || url.isBlank()) {
            url = runScript("start");
            started = true;
        }
        try {
            run(DatabaseUrl.parse(url), n, dims, queries, insertRows);
        } finally {
            if (started) {
                runScript("stop");
            }
        }
    }

    private static void run(DatabaseUrl url, int n, int dims, int queries, int insertRows) throws Exception {
        System.out.printf(Locale.ROOT, "StoreBenchmark: %,d x %d clustered vectors (%d clusters in a 32-d latent space), cosine; %d queries; "
                + "database %s; %d CPUs, JVM %s%n", n, dims, CLUSTERS, queries, url,
                Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"));
        float[][] vectors = clustered(n, dims, 42);
        float[][] qs = new float[queries][];
        Random rnd = new Random(7);
        for (int i = 0; i < queries; i++) {
            qs[i] = vectors[rnd.nextInt(n)].clone();
            for (int j = 0; j < dims; j++) {
                qs[i][j] += (float) rnd.nextGaussian() * 0.05f;
            }
        }
        Map<String, String> settings = serverSettings(url);
        System.out.println("server: " + settings);

        // --- load: COPY BINARY (PgVectorStore.upsert) vs batched INSERT ---
        String copyTable = "bench_copy";
        String insertTable = "bench_insert";
        dropIfExists(url, copyTable, insertTable);
        // Interleaved rounds, so that a change in machine load hits both methods alike: each round COPYs
        // n / ROUNDS rows and INSERTs insertRows / ROUNDS rows; the ratio is the median of the rounds' ratios.
        int rounds = 5;
        double copySeconds = 0;
        double[] insertSeconds = new double[2];
        double hnswSeconds;
        double[][] roundRatios = new double[2][rounds];
        String[] baseline = {"text", "binary"};
        try (PgVectorStore store = PgVectorStore.builder(url).collection(copyTable).model(MODEL, dims)
                .distance(Distance.COSINE).index(IndexSpec.none()).build();
             PgVectorStore insertStore = PgVectorStore.builder(url).collection(insertTable).model(MODEL, dims)
                .distance(Distance.COSINE).index(IndexSpec.none()).build();
             Connection textConn = url.connect();
             Connection binaryConn = url.connect()) {
            textConn.setAutoCommit(false);
            binaryConn.setAutoCommit(false);
            PGvector.registerTypes(binaryConn);
            Connection[] conns = {textConn, binaryConn};
            for (int r = 0; r < rounds; r++) {
                int from = (int) ((long) n * r / rounds);
                int to = (int) ((long) n * (r + 1) / rounds);
                long t0 = System.nanoTime();
                for (int b = from; b < to; b += BATCH) {
                    store.upsert(records(vectors, b, Math.min(to, b + BATCH)));
                }
                double c = seconds(t0);
                copySeconds += c;
                StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  load round %d: COPY %,d rows %.2f s",
                        r + 1, to - from, c));
                for (int m = 0; m < 2; m++) {
                    // Both baselines write ids of their own range, as new rows, like the COPY.
                    int iFrom = (int) ((long) insertRows * (2 * r + m) / (2 * rounds));
                    int iTo = (int) ((long) insertRows * (2 * r + m + 1) / (2 * rounds));
                    double i = batchedInsert(conns[m], insertTable, vectors, iFrom, iTo, m == 1);
                    insertSeconds[m] += i;
                    roundRatios[m][r] = ((to - from) / c) / ((iTo - iFrom) / i);
                    line.append(String.format(Locale.ROOT, "; INSERT (%s) %,d rows %.2f s, COPY/INSERT %.2f",
                            baseline[m], iTo - iFrom, i, roundRatios[m][r]));
                }
                System.out.println(line);
            }
            insertStore.drop();
            int again = Math.min(n, BATCH);
            long t0 = System.nanoTime();
            store.upsert(records(vectors, 0, again));
            double s = seconds(t0);
            System.out.printf(Locale.ROOT, "re-upsert of %,d existing rows (COPY into staging + INSERT ... ON CONFLICT): "
                    + "%.2f s = %,.0f rows/s%n", again, s, again / s);
        }
        System.out.printf(Locale.ROOT, "COPY BINARY load: %,d rows in %.2f s = %,.0f rows/s (PgVectorStore.upsert of new ids: "
                + "batches of %,d COPied straight into the table, one transaction each)%n", n, copySeconds,
                n / copySeconds, BATCH);
        for (int m = 0; m < 2; m++) {
            System.out.printf(Locale.ROOT, "batched INSERT load, %s vectors: %,d rows in %.2f s = %,.0f rows/s (JDBC "
                    + "addBatch of 1,000, same ON CONFLICT, commit every %,d)%n", baseline[m], insertRows / 2,
                    insertSeconds[m], insertRows / 2 / insertSeconds[m], BATCH);
        }

        // --- exact scan, HNSW build, ef_search sweep ---
        List<Row> sweep = new ArrayList<>();
        double exactQps;
        try (PgVectorStore store = PgVectorStore.builder(url).collection(copyTable).model(MODEL, dims)
                .distance(Distance.COSINE).index(IndexSpec.none()).build()) {
            List<List<String>> truth = new ArrayList<>();
            store.search(qs[0], 10, Map.of(), SearchOptions.exactScan()); // warm the cache
            long t0 = System.nanoTime();
            for (float[] q : qs) {
                truth.add(ids(store.search(q, 10, Map.of(), SearchOptions.exactScan())));
            }
            exactQps = queries / seconds(t0);
            System.out.printf(Locale.ROOT, "exact scan (no index): %.2f QPS%n", exactQps);

            long b0 = System.nanoTime();
            store.createIndex(IndexSpec.hnsw(16, 64));
            hnswSeconds = seconds(b0);
            System.out.printf(Locale.ROOT, "HNSW build (m 16, ef_construction 64): %.1f s (maintenance_work_mem %s)%n",
                    hnswSeconds, settings.get("maintenance_work_mem"));

            for (int ef : new int[] {10, 20, 40, 80, 160, 320}) {
                SearchOptions options = SearchOptions.efSearch(ef);
                store.search(qs[0], 10, Map.of(), options);
                double recall = 0;
                long s0 = System.nanoTime();
                List<List<String>> got = new ArrayList<>();
                for (float[] q : qs) {
                    got.add(ids(store.search(q, 10, Map.of(), options)));
                }
                double qps = queries / seconds(s0);
                for (int i = 0; i < queries; i++) {
                    Set<String> t = new HashSet<>(truth.get(i));
                    recall += got.get(i).stream().filter(t::contains).count() / 10.0;
                }
                sweep.add(new Row(ef, recall / queries, qps));
            }
            store.drop();
        }

        // --- in-memory exact scan vs a plain sequential float sum over an array of the same size ---
        double scanMs;
        double sumMs;
        double sum8Ms;
        long sink = 0;
        try (InMemoryVectorStore mem = InMemoryVectorStore.create(MODEL, dims, Distance.COSINE)) {
            for (int from = 0; from < n; from += BATCH) {
                mem.upsert(records(vectors, from, Math.min(n, from + BATCH)));
            }
            float[] flat = new float[n * dims];
            for (int i = 0; i < n; i++) {
                System.arraycopy(vectors[i], 0, flat, i * dims, dims);
            }
            vectors = null; // let the generator's copy go: the two measured arrays are what stays in memory
            double[] scan = new double[15];
            double[] sum = new double[15];
            double[] sum8 = new double[15];
            for (int r = 0; r < scan.length; r++) {
                long t = System.nanoTime();
                sink += mem.search(qs[r % queries], 10).size();
                scan[r] = (System.nanoTime() - t) / 1e6;
                t = System.nanoTime();
                sink += (long) plainSum(flat);
                sum[r] = (System.nanoTime() - t) / 1e6;
                t = System.nanoTime();
                sink += (long) unrolledSum(flat);
                sum8[r] = (System.nanoTime() - t) / 1e6;
            }
            scanMs = median(Arrays.copyOfRange(scan, 5, scan.length));
            sumMs = median(Arrays.copyOfRange(sum, 5, sum.length));
            sum8Ms = median(Arrays.copyOfRange(sum8, 5, sum8.length));
        }

        System.out.println();
        System.out.printf(Locale.ROOT, "%-52s %12s %10s%n", "ef_search sweep (HNSW m 16, ef_construction 64)", "recall@10", "QPS");
        for (Row r : sweep) {
            System.out.printf(Locale.ROOT, "  ef_search = %-38d %12.3f %10.1f   (%.1fx exact)%n", r.ef, r.recall, r.qps,
                    r.qps / exactQps);
        }
        System.out.printf(Locale.ROOT, "  %-50s %12.3f %10.2f%n", "exact scan", 1.0, exactQps);
        Row best = null;
        for (Row r : sweep) {
            if (r.recall >= 0.95 && (best == null || r.qps > best.qps)) {
                best = r;
            }
        }
        System.out.println();
        System.out.printf(Locale.ROOT, "%-62s %10s %8s %s%n", "ratio", "measured", "goal", "");
        ratio("COPY BINARY / batched INSERT, text vectors (median of " + rounds + " rounds)",
                median(roundRatios[0]), 5.0);
        ratio("COPY BINARY / batched INSERT, binary PGvector parameters", median(roundRatios[1]), 5.0);
        if (best != null) {
            ratio("HNSW QPS / exact QPS at recall >= 0.95 (ef_search " + best.ef + ")", best.qps / exactQps, 10.0);
        } else {
            System.out.printf(Locale.ROOT, "%-62s %10s %8s %s%n", "HNSW QPS / exact QPS at recall >= 0.95", "n/a",
                    ">= 10", "no ef_search reached recall 0.95: MISSED");
        }
        ratio("in-memory top-10 scan speed / plain float sum speed", sumMs / scanMs, 0.5);
        System.out.printf(Locale.ROOT, "%-62s %10.2f %8s %s%n", "in-memory top-10 scan speed / 8-way unrolled sum speed",
                sum8Ms / scanMs, "(info)", "");
        System.out.printf(Locale.ROOT, "HNSW build %.1f s for %,d rows; in-memory scan %.1f ms, plain sum %.1f ms, "
                + "unrolled sum %.1f ms over %,d floats (%d MB)%s%n", hnswSeconds, n, scanMs, sumMs, sum8Ms,
                (long) n * dims, (long) n * dims * 4 / (1 << 20), sink == 42 ? "" : "");
    }

    private record Row(int ef, double recall, double qps) {
    }

    private static void ratio(String name, double value, double goal) {
        System.out.printf(Locale.ROOT, "%-62s %10.2f %8s %s%n", name, value, ">= " + goal,
                value >= goal ? "met" : "MISSED");
    }

    /** One accumulator, as a plain loop over the array is written. */
    static float plainSum(float[] a) {
        float s = 0;
        for (float x : a) {
            s += x;
        }
        return s;
    }

    /** Eight accumulators: a sum bound by memory bandwidth rather than by addition latency. */
    static float unrolledSum(float[] a) {
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
        int i = 0;
        for (; i + 7 < a.length; i += 8) {
            s0 += a[i];
            s1 += a[i + 1];
            s2 += a[i + 2];
            s3 += a[i + 3];
            s4 += a[i + 4];
            s5 += a[i + 5];
            s6 += a[i + 6];
            s7 += a[i + 7];
        }
        for (; i < a.length; i++) {
            s0 += a[i];
        }
        return s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7;
    }

    /**
     * Batched INSERT baseline. {@code binary}: pgvector-java's {@code PGvector} parameter on a connection where
     * {@code PGvector.registerTypes} ran, which makes the driver send vectors in binary; else the vector's text
     * form with a {@code ?::vector} cast, as most examples write it.
     */
    private static double batchedInsert(Connection c, String table, float[][] vectors, int from, int to, boolean binary)
            throws SQLException {
        String sql = "INSERT INTO \"" + table + "\" (id, path, metadata, content_sha256, embedding) "
                + "VALUES (?, ?, ?::jsonb, ?, ?::vector) ON CONFLICT (id) DO UPDATE SET path = EXCLUDED.path, "
                + "metadata = EXCLUDED.metadata, content_sha256 = EXCLUDED.content_sha256, "
                + "embedding = EXCLUDED.embedding";
        long t0 = System.nanoTime();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = from; i < to; i++) {
                ps.setString(1, "item-" + i);
                ps.setString(2, "images/" + i + ".png");
                ps.setString(3, "{\"cluster\": \"c" + (i % CLUSTERS) + "\"}");
                ps.setString(4, sha(i));
                if (binary) {
                    ps.setObject(5, new PGvector(vectors[i]));
                } else {
                    ps.setString(5, new PGvector(vectors[i]).getValue());
                }
                ps.addBatch();
                if ((i + 1 - from) % 1000 == 0 || i == to - 1) {
                    ps.executeBatch();
                }
                if ((i + 1 - from) % BATCH == 0 || i == to - 1) {
                    c.commit();
                }
            }
        }
        return seconds(t0);
    }

    private static List<VectorRecord> records(float[][] vectors, int from, int to) {
        List<VectorRecord> out = new ArrayList<>(to - from);
        for (int i = from; i < to; i++) {
            out.add(new VectorRecord("item-" + i, "images/" + i + ".png", Map.of("cluster", "c" + (i % CLUSTERS)),
                    sha(i), vectors[i]));
        }
        return out;
    }

    private static String sha(int i) {
        return String.format(Locale.ROOT, "%064x", i);
    }

    /**
     * Clustered vectors with a low intrinsic dimension, as real embeddings have: points around {@value #CLUSTERS}
     * centres in a 32-d latent space, projected to {@code dims} by a fixed random matrix, plus a little noise.
     * (Plain Gaussian noise in 1,024 dimensions would make every point of a cluster equally far from every other,
     * so "nearest neighbours" would be meaningless.)
     */
    static float[][] clustered(int n, int dims, long seed) {
        int latent = 32;
        Random rnd = new Random(seed);
        float[][] centres = new float[CLUSTERS][latent];
        for (float[] c : centres) {
            for (int j = 0; j < latent; j++) {
                c[j] = (float) rnd.nextGaussian() * 3;
            }
        }
        float[][] projection = new float[latent][dims];
        for (float[] row : projection) {
            for (int j = 0; j < dims; j++) {
                row[j] = (float) (rnd.nextGaussian() / Math.sqrt(latent));
            }
        }
        float[][] out = new float[n][dims];
        float[] z = new float[latent];
        for (int i = 0; i < n; i++) {
            float[] c = centres[i % CLUSTERS];
            for (int l = 0; l < latent; l++) {
                z[l] = c[l] + (float) rnd.nextGaussian();
            }
            float[] v = out[i];
            for (int l = 0; l < latent; l++) {
                float zl = z[l];
                float[] row = projection[l];
                for (int j = 0; j < dims; j++) {
                    v[j] += zl * row[j];
                }
            }
            for (int j = 0; j < dims; j++) {
                v[j] += (float) rnd.nextGaussian() * 0.05f;
            }
        }
        return out;
    }

    private static List<String> ids(List<SearchHit> hits) {
        List<String> out = new ArrayList<>(hits.size());
        for (SearchHit h : hits) {
            out.add(h.id());
        }
        return out;
    }

    private static Map<String, String> serverSettings(DatabaseUrl url) throws SQLException {
        try (Connection c = url.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT current_setting('server_version'), "
                     + "(SELECT extversion FROM pg_extension WHERE extname = 'vector'), "
                     + "current_setting('maintenance_work_mem'), current_setting('shared_buffers'), "
                     + "current_setting('max_parallel_maintenance_workers')")) {
            rs.next();
            return Map.of("server_version", rs.getString(1), "pgvector", String.valueOf(rs.getString(2)),
                    "maintenance_work_mem", rs.getString(3), "shared_buffers", rs.getString(4),
                    "max_parallel_maintenance_workers", rs.getString(5));
        }
    }

    private static void dropIfExists(DatabaseUrl url, String... tables) throws SQLException {
        try (Connection c = url.connect(); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS vision_search_collections (collection text PRIMARY KEY, "
                    + "model_id text NOT NULL, dimensions integer NOT NULL, distance text NOT NULL, "
                    + "vector_type text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())");
            for (String t : tables) {
                st.execute("DROP TABLE IF EXISTS \"" + t + "\"");
                st.execute("DELETE FROM vision_search_collections WHERE collection = '" + t + "'");
            }
        }
    }

    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    private static double median(double[] a) {
        double[] s = a.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    private static String runScript(String command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(Path.of("scripts", "pg.sh").toString(), command)
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            out = r.readLine();
        }
        if (p.waitFor() != 0) {
            throw new IllegalStateException("scripts/pg.sh " + command + " failed (exit " + p.exitValue() + ")");
        }
        return out;
    }
}
