package visionsearch.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import visionsearch.embed.Embedder;
import visionsearch.embed.EmbeddingCache;
import visionsearch.embed.Embedders;
import visionsearch.embed.Settings;
import visionsearch.index.ImageSearch;
import visionsearch.index.Query;
import visionsearch.store.HybridHit;
import visionsearch.store.RankFusion;
import visionsearch.store.SearchHit;
import visionsearch.store.VectorStore;
import visionsearch.store.VectorStores;
import visionsearch.embed.azure.AzureVisionEmbedder;

/** {@code vision-search search --text ... | --image FILE ...}: the most similar images of a collection, as a table. */
@Command(name = "search", mixinStandardHelpOptions = true,
        description = {"Search an indexed collection by text prompts and example images (added, or subtracted with",
            "--minus-text / --minus-image), optionally ranked by keywords too (--keyword: hybrid search);",
            "prints how the query was built, then rank, score, path, caption.",
            "Use the same embedder that indexed the collection (VISION_EMBEDDER)."})
final class SearchCommand implements Callable<Integer> {

    @Option(names = "--text", paramLabel = "TEXT", description = "a text prompt to add (repeatable), e.g. \"a red bicycle by the sea\"")
    List<String> texts = new ArrayList<>();

    @Option(names = "--image", paramLabel = "FILE", description = "an example image file or http(s) URL to add (repeatable)")
    List<String> images = new ArrayList<>();

    @Option(names = "--minus-text", paramLabel = "TEXT", description = "a text prompt to subtract (repeatable), e.g. \"people\"")
    List<String> minusTexts = new ArrayList<>();

    @Option(names = "--minus-image", paramLabel = "FILE", description = "an image to subtract (repeatable)")
    List<String> minusImages = new ArrayList<>();

    @Option(names = "--keyword", paramLabel = "WORDS", description = {"words to rank by too, fused with the vector ranking "
        + "(Reciprocal Rank Fusion); search-box syntax: all words must match, \"a phrase\", or, -word; repeatable (joined)"})
    List<String> keywords = new ArrayList<>();

    @Option(names = "--k", defaultValue = "10", description = "how many results (default ${DEFAULT-VALUE})")
    int k;

    @Option(names = "--filter", paramLabel = "KEY=VALUE",
            description = "only images whose metadata has this value (repeatable), e.g. --filter theme=animals")
    List<String> filters = List.of();

    @Option(names = "--collection", defaultValue = "images", description = "collection name (default ${DEFAULT-VALUE})")
    String collection;

    @Option(names = "--store", paramLabel = "FILE",
            description = "in-memory store file instead of the default .vision-search/<collection>.<model>.vec")
    Path storeFile;

    @Option(names = "--truncate", description = "with Azure, embed only the first 70 words of a longer --text"
            + " (default: refuse it)")
    boolean truncate;

    @Override
    public Integer call() {
        Map<String, String> filter = parseFilters(filters);
        Query query = SearchQuery.build(texts, images, minusTexts, minusImages, keywords);
        Settings settings = Settings.load();
        Embedders.Selection selection = Embedders.select(settings);
        AzureVisionEmbedder azure = selection.embedder() instanceof AzureVisionEmbedder a ? a : null;
        // The store says which model to expect; for the file name, what the endpoint answered last time.
        String expected = (azure == null ? Optional.<VectorStores.StoredModel>empty() : ServedModels.get(ServedModels.key(azure)))
                .map(VectorStores.StoredModel::modelId).orElseGet(() -> selection.embedder().modelId());
        boolean cached = azure != null && Files.isRegularFile(IndexCommand.CACHE_FILE);
        if (k < 1) {
            throw new IllegalArgumentException("--k must be 1 or more, got " + k);
        }
        try (Embedder raw = selection.embedder();
             VectorStore store = CollectionStore.forSearch(settings, collection, storeFile, expected);
             EmbeddingCache cache = cached ? EmbeddingCache.open(IndexCommand.CACHE_FILE) : null) {
            // An image the collection holds, or the cache, needs no call; the cache serves the collection's model.
            Embedder embedder = cached ? cache.wrap(raw, store.modelId()) : raw;
            SearchQuery.requireText(query, raw, selection.reason());
            ImageSearch search = ImageSearch.of(embedder, store);
            RankFusion fusion = RankFusion.rrf();
            boolean single = query.parts().size() == 1 && query.parts().get(0).weight() > 0 && !query.hasKeywords();
            List<HybridHit> hits = null;
            List<SearchHit> plain;
            if (single && query.parts().get(0).kind() == Query.Kind.TEXT) {
                plain = search.byEmbedding(EmbedCommand.text(raw, query.parts().get(0).value(), truncate), k, filter);
            } else if (single && query.parts().get(0).kind() == Query.Kind.IMAGE) {
                plain = search.byImage(EmbedCommand.image(query.parts().get(0).value()), k, filter);
            } else {
                hits = search.byQuery(query, k, filter);
                plain = hits.stream().map(HybridHit::hit).toList();
            }
            System.out.println("embedder: " + store.modelId() + "; " + CollectionStore.describe(settings, collection,
                    store.modelId(), storeFile, store) + " (" + store.count() + " images)");
            System.out.print(SearchQuery.describe(query, fusion));
            System.out.print(hits != null && query.hasKeywords() ? SearchQuery.table(hits) : table(plain));
        }
        return 0;
    }

    /** Parses {@code key=value} filters; a missing {@code =} or an empty key is an error naming the argument. */
    static Map<String, String> parseFilters(List<String> specs) {
        Map<String, String> filter = new LinkedHashMap<>();
        for (String spec : specs) {
            int eq = spec.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("--filter " + spec + " is not KEY=VALUE, e.g. --filter theme=animals");
            }
            filter.put(spec.substring(0, eq).trim(), spec.substring(eq + 1).trim());
        }
        return filter;
    }

    /** Formats hits as a plain-text table: rank, score, path (relative to the working directory when inside it), caption. */
    static String table(List<SearchHit> hits) {
        if (hits.isEmpty()) {
            return "no matching images (check --filter, or index a folder first)" + System.lineSeparator();
        }
        Path cwd = Path.of("").toAbsolutePath();
        String[][] rows = new String[hits.size()][];
        int pathWidth = "path".length();
        for (int i = 0; i < hits.size(); i++) {
            SearchHit h = hits.get(i);
            String path = h.path();
            try {
                Path p = Path.of(path);
                if (p.isAbsolute() && p.startsWith(cwd)) {
                    path = cwd.relativize(p).toString();
                }
            } catch (RuntimeException e) {
                // Not a local path (a URL): show it as stored.
            }
            String caption = h.metadata().getOrDefault("caption", "");
            if (caption.length() > 60) {
                caption = caption.substring(0, 57) + "...";
            }
            rows[i] = new String[] {String.valueOf(i + 1), String.format("%.4f", h.score()), path, caption};
            pathWidth = Math.max(pathWidth, path.length());
        }
        String format = "%4s  %8s  %-" + pathWidth + "s  %s%n";
        StringBuilder out = new StringBuilder(String.format(format, "rank", "score", "path", "caption"));
        for (String[] row : rows) {
            out.append(String.format(format, (Object[]) row));
        }
        return out.toString();
    }
}
