package visionsearch.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import visionsearch.display.QuerySet;
import visionsearch.embed.Embedder;
import visionsearch.embed.Embedders;
import visionsearch.embed.Settings;
import visionsearch.index.Indexer;
import visionsearch.index.Query;
import visionsearch.index.QueryCombiner;
import visionsearch.store.Distance;
import visionsearch.store.InMemoryVectorStore;
import visionsearch.store.RankFusion;
import visionsearch.store.VectorStore;
import visionsearch.store.VectorStores;

/**
 * Precision@5 of vector-only, keyword-only and hybrid ranking on the sample collection, with the query sets of
 * notebook 06 (each query image with the words a person would type, and what a right answer shows). Run:
 * {@code scripts/bench.sh HybridBenchmark [QUERY_CSV...]} (default {@code notebooks/06-detail-queries.csv} and
 * {@code notebooks/06-ambiguous-queries.csv}); the embedder is the configured one (offline: image features, so
 * the vector part is the query image; with a text model also the query's text prompt). The store is in memory,
 * or PostgreSQL with {@code DATABASE_URL} (collection {@code bench_hybrid}, dropped at the end). Prints one table
 * per query set and method, and the per-query lines.
 */
public final class HybridBenchmark {
    private HybridBenchmark() {
    }

    /** Runs the benchmark. */
    public static void main(String[] args) {
        List<Path> sets = new ArrayList<>();
        for (String a : args.length > 0 ? args : new String[] {"notebooks/06-detail-queries.csv",
            "notebooks/06-ambiguous-queries.csv"}) {
            sets.add(Path.of(a));
        }
        Settings settings = Settings.load();
        Embedders.Selection selection = Embedders.select(settings);
        String url = settings.get("DATABASE_URL").orElse(null);
        try (Embedder embedder = selection.embedder();
             VectorStore store = url == null ? InMemoryVectorStore.create(embedder.modelId(), embedder.dimensions(),
                     Distance.COSINE) : VectorStores.open(url, "bench_hybrid", embedder.modelId(), embedder.dimensions(),
                     Distance.COSINE)) {
            Indexer.builder(embedder, store).quiet(true).build().index(Path.of("images"));
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
            if (url != null && store instanceof visionsearch.store.PgVectorStore pg) {
                pg.drop();
            }
        }
    }
}
