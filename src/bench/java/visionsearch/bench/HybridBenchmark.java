package visionsearch.bench;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import visionsearch.display.NotebookSetup;
import visionsearch.display.QuerySet;
import visionsearch.embed.Embedder;
import visionsearch.embed.Settings;
import visionsearch.index.Query;
import visionsearch.index.QueryCombiner;
import visionsearch.store.DatabaseUrl;
import visionsearch.store.Distance;
import visionsearch.store.InMemoryVectorStore;
import visionsearch.store.IndexSpec;
import visionsearch.store.PgVectorStore;
import visionsearch.store.RankFusion;
import visionsearch.store.VectorRecord;
import visionsearch.store.VectorStore;
import visionsearch.store.VectorStores;

/**
 * Precision@5 of vector-only, keyword-only and hybrid ranking on the sample collection, with the query sets of
 * notebook 06 (each query image with the words a person would type, and what a right answer shows). Run:
 * {@code scripts/bench.sh HybridBenchmark [QUERY_CSV...]} (default {@code notebooks/06-detail-queries.csv} and
 * {@code notebooks/06-ambiguous-queries.csv}) on the sample records as notebook 06 makes them (ids are the file
 * names, which break keyword ties); the embedder is the configured one (offline: image features, so
 * the vector part is the query image; with a text model also the query's text prompt). The store is in memory,
 * or PostgreSQL with {@code DATABASE_URL} (collection {@code bench_hybrid}, dropped at the end). Prints one table
 * per query set and method, and the per-query lines.
 *
 * <p>{@code scripts/bench.sh HybridBenchmark load [N]} (needs {@code DATABASE_URL}) measures what the keyword column
 * costs on the write path: N (default 20,000) records of 512 dimensions with a caption and three other metadata
 * values, upserted in batches of 1,000 (binary COPY) into a collection as PgVectorStore makes it (generated
 * {@code tsvector} column and GIN index) and into one whose keyword column was dropped; best of 2 rounds each.
 */
public final class HybridBenchmark {
    private HybridBenchmark() {
    }

    /** Runs the benchmark. */
    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("load")) {
            load(args.length > 1 ? Integer.parseInt(args[1]) : 20_000);
            return;
        }
        List<Path> sets = new ArrayList<>();
        for (String a : args.length > 0 ? args : new String[] {"notebooks/06-detail-queries.csv",
            "notebooks/06-ambiguous-queries.csv"}) {
            sets.add(Path.of(a));
        }
        try (NotebookSetup setup = NotebookSetup.open(Path.of("."), "hybrid-benchmark");
             VectorStore store = setup.databaseUrl().isEmpty() ? InMemoryVectorStore.create(setup.embedder().modelId(),
                     setup.embedder().dimensions(), Distance.COSINE) : VectorStores.open(setup.databaseUrl().get(),
                     "bench_hybrid", setup.embedder().modelId(), setup.embedder().dimensions(), Distance.COSINE)) {
            Embedder embedder = setup.embedder();
            store.upsert(setup.embedSamples()); // as notebook 06: ids are the file names
            System.out.printf(Locale.ROOT, "HybridBenchmark: %s, %d images in %s%n", embedder.modelId(), store.count(),
                    store.getClass().getSimpleName());
            QueryCombiner combiner = QueryCombiner.of(embedder, store);
            for (Path csv : sets) {
                QuerySet set = QuerySet.read(csv);
                List<QuerySet.Method> methods = new ArrayList<>(List.of(
                        QuerySet.method("vector only", q -> combiner.search(Query.image(q.image()), 5)),
                        QuerySet.method("keywords only", q -> combiner.search(Query.image(q.image()).keywords(q.keywords()),
                                5, Map.of(), RankFusion.rrf().withWeights(0, 1))),
                        QuerySet.method("hybrid", q -> combiner.search(Query.image(q.image()).keywords(q.keywords()), 5)),
                        QuerySet.method("hybrid k=10", q -> combiner.search(Query.image(q.image()).keywords(q.keywords()),
                                5, Map.of(), RankFusion.rrf().withK(10))),
                        QuerySet.method("hybrid keyword weight 0.5", q -> combiner.search(
                                Query.image(q.image()).keywords(q.keywords()), 5, Map.of(), RankFusion.rrf().withWeights(1, 0.5)))));
                if (embedder.supportsText()) {
                    methods.add(QuerySet.method("text only", q -> combiner.search(Query.text(q.prompt()), 5)));
                    methods.add(QuerySet.method("text hybrid", q -> combiner.search(Query.text(q.prompt()).keywords(q.keywords()), 5)));
                }
                System.out.println();
                System.out.println(csv + ":");
                for (QuerySet.Method m : methods) {
                    System.out.printf(Locale.ROOT, "  precision@5 %-26s %.2f%n", m.name(), set.meanPrecisionAt(5, m));
                }
                System.out.println(set.precisionAt(5, methods.toArray(QuerySet.Method[]::new)).print());
            }
            if (store instanceof PgVectorStore pg) {
                pg.drop();
            }
        }
    }

    private static void load(int n) throws SQLException {
        String url = Settings.load().get("DATABASE_URL").orElseThrow(() -> new IllegalArgumentException(
                "load needs DATABASE_URL (e.g. eval $(scripts/pg.sh env))"));
        Random rnd = new Random(1);
        List<VectorRecord> records = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            float[] v = new float[512];
            for (int d = 0; d < v.length; d++) {
                v[d] = (float) rnd.nextGaussian();
            }
            String file = "theme-" + i + ".png";
            records.add(new VectorRecord("r" + i, "images/" + file, Map.of("caption", "a sunset over the sea and a sandy beach, "
                    + "a pink and orange sky, the sun low on the horizon, " + (i % 7) + " palm trees", "theme", "beach",
                    "file_name", file, "relative_path", file), "", v));
        }
        System.out.printf(Locale.ROOT, "HybridBenchmark load: %d records of 512 dimensions, batches of 1000, best of 2%n", n);
        double plain = loadSeconds(url, records, false);
        double keywords = loadSeconds(url, records, true);
        System.out.printf(Locale.ROOT, "  without the keyword column: %.2f s (%.0f records/s)%n", plain, n / plain);
        System.out.printf(Locale.ROOT, "  with tsvector column + GIN: %.2f s (%.0f records/s)%n", keywords, n / keywords);
        System.out.printf(Locale.ROOT, "  ratio: %.2fx the time, +%.0f us per record%n", keywords / plain,
                (keywords - plain) / n * 1e6);
    }

    private static double loadSeconds(String url, List<VectorRecord> records, boolean keywords) throws SQLException {
        double best = Double.MAX_VALUE;
        for (int round = 0; round < 2; round++) {
            try (PgVectorStore pg = PgVectorStore.builder(url).collection("bench_load_" + round + (keywords ? "_kw" : ""))
                    .model("bench:load", 512).index(IndexSpec.none()).build()) {
                if (!keywords) {
                    try (Connection c = DatabaseUrl.parse(url).connect(); Statement st = c.createStatement()) {
                        st.execute("ALTER TABLE " + pg.collection() + " DROP COLUMN keywords");
                    }
                }
                long t0 = System.nanoTime();
                for (int i = 0; i < records.size(); i += 1000) {
                    pg.upsert(records.subList(i, Math.min(records.size(), i + 1000)));
                }
                best = Math.min(best, (System.nanoTime() - t0) / 1e9);
                pg.drop();
            }
        }
        return best;
    }
}
