package visionsearch.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import visionsearch.display.Charts;
import visionsearch.display.EmbeddingMap;
import visionsearch.display.HtmlReport;
import visionsearch.display.ImageGrid;
import visionsearch.display.MapItem;
import visionsearch.display.Projections;
import visionsearch.display.Tables;
import visionsearch.embed.BatchProgress;
import visionsearch.embed.CallPlan;
import visionsearch.embed.Embedder;
import visionsearch.embed.Embedders;
import visionsearch.embed.Embedding;
import visionsearch.embed.EmbeddingException;
import visionsearch.embed.EmbeddingResult;
import visionsearch.embed.ImageInput;
import visionsearch.embed.Settings;
import visionsearch.index.Captions;
import visionsearch.index.ImageSearch;
import visionsearch.index.IndexSummary;
import visionsearch.index.Indexer;
import visionsearch.store.Distance;
import visionsearch.store.SearchHit;
import visionsearch.store.VectorStore;
import visionsearch.store.VectorStores;

/**
 * {@code vision-search demo}: the README's first command. Indexes the sample collection with the
 * best available embedder, runs example image-to-image (and, when the embedder can, text-to-image)
 * searches, prints the results and writes an HTML report with image grids and a 2-D map.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Index images/ with the best available embedder (Azure with VISION_KEY, else a local CLIP model,"
                + " else classical image features), run example searches, print the results and write report/index.html.",
            "Offline and without a key it works out of the box; the store is in memory unless DATABASE_URL is set."})
final class DemoCommand implements Callable<Integer> {
    /** Example text prompts and the theme whose images should answer them. */
    static final Map<String, String> TEXT_QUERIES = textQueries();

    @Option(names = "--images", defaultValue = "images", description = "the collection to index (default ${DEFAULT-VALUE})")
    Path images;

    @Option(names = "--queries", defaultValue = "images-queries",
            description = "example query images, not part of the collection (default ${DEFAULT-VALUE})")
    Path queries;

    @Option(names = "--report", defaultValue = "report", description = "folder for index.html and PNGs (default ${DEFAULT-VALUE})")
    Path report;

    @Option(names = "--k", defaultValue = "5", description = "results per query (default ${DEFAULT-VALUE})")
    int k;

    @Option(names = "--embedder", description = "azure, clip or features (default: VISION_EMBEDDER, else the best available)")
    String embedderName;

    @Option(names = "--clip-model-dir", paramLabel = "DIR", description = "CLIP model folder (default: CLIP_MODEL_DIR)")
    Path clipModelDir;

    @Option(names = {"-q", "--quiet"}, description = "no progress bar")
    boolean quiet;

    /** Configuration to use instead of {@link Settings#load()}; for tests. */
    Settings settings;

    @Override
    public Integer call() {
        if (k < 1) {
            throw new IllegalArgumentException("--k must be 1 or more, got " + k);
        }
        if (!Files.isDirectory(images)) {
            throw new IllegalArgumentException("no image folder at " + images.toAbsolutePath()
                    + ": run the demo from the project folder, or give --images FOLDER");
        }
        Settings settings = this.settings != null ? this.settings : Settings.load();
        if (embedderName != null) {
            settings = settings.with("VISION_EMBEDDER", embedderName);
        }
        if (clipModelDir != null) {
            settings = settings.with("CLIP_MODEL_DIR", clipModelDir.toString());
        }
        Embedders.Selection selection = Embedders.select(settings);
        String databaseUrl = settings.get("DATABASE_URL").orElse(null);
        try (Embedder chosen = selection.embedder()) {
            RecordingEmbedder embedder = new RecordingEmbedder(chosen);
            VectorStore[] store = new VectorStore[1];
            try {
                // The store is made for the model of the first answer: an endpoint may name its model only by answering.
                IndexSummary summary = Indexer.builder(embedder, (modelId, dimensions) -> store[0] = VectorStores.open(
                        databaseUrl, "demo", modelId, dimensions, Distance.COSINE)).quiet(quiet).build().index(images);
                if (store[0] == null) {
                    throw new IllegalArgumentException("no image in " + images.toAbsolutePath() + " could be indexed ("
                            + summary.describe() + "): run `vision-search samples` to draw the sample collection again, or give --images FOLDER");
                }
                System.out.println("embedder: " + chosen.modelId() + " (" + chosen.dimensions() + "-d): " + selection.reason());
                System.out.println("store:    " + (databaseUrl == null ? "in memory (set DATABASE_URL for PostgreSQL)"
                        : CollectionStore.describe(settings, "demo", chosen.modelId(), null, store[0])));
                System.out.println(summary.describe());
                return run(chosen, embedder, store[0], selection.reason());
            } finally {
                if (store[0] != null) {
                    store[0].close();
                }
            }
        }
    }

    private int run(Embedder chosen, RecordingEmbedder embedder, VectorStore store, String reason) {
        ImageSearch search = ImageSearch.of(chosen, store);
        Map<String, String> themes = Captions.themes(images.resolve("captions.csv"));
        HtmlReport html = HtmlReport.create("vision-search demo")
                .heading("vision-search demo")
                .paragraph("Embedder " + chosen.modelId() + " (" + chosen.dimensions() + " dimensions): " + reason
                        + ". Collection: " + store.count() + " images from " + images + ".");
        List<Path> queryImages = listImages(queries);
        Map<String, String> queryThemes = Captions.themes(queries.resolve("queries.csv"));
        int right = 0;
        int total = 0;
        try {
            Files.createDirectories(report);
            if (!queryImages.isEmpty()) {
                System.out.println();
                System.out.println("image-to-image: the " + k + " most similar images to each query image");
                System.out.print(row("query", "theme", "right", "top hits (file score)"));
                html.heading("Image-to-image search");
                for (Path q : queryImages) {
                    String name = q.getFileName().toString();
                    String theme = queryThemes.getOrDefault(name, "");
                    List<SearchHit> hits = search.byImage(q, k);
                    int ok = count(hits, theme, themes);
                    right += ok;
                    total += theme.isEmpty() ? 0 : hits.size();
                    System.out.print(row(name, theme, theme.isEmpty() ? "-" : ok + "/" + hits.size(), summary(hits, themes)));
                    String png = "image-" + stem(name) + ".png";
                    List<ImageGrid.Cell> cells = new ArrayList<>();
                    cells.add(new ImageGrid.Cell(q.toAbsolutePath().toString(), "query: " + name, theme));
                    cells.addAll(ImageGrid.of(hits).cells());
                    ImageGrid grid = ImageGrid.ofCells(cells).columns(k + 1).title("Query " + name);
                    ImageIO.write(grid.contactSheet(), "png", report.resolve(png).toFile());
                    html.heading("Query image " + name + (theme.isEmpty() ? "" : " (" + theme + ")"))
                            .add(grid).table(Tables.hits(hits));
                }
            }
            List<MapItem> textItems = new ArrayList<>();
            if (chosen.supportsText()) {
                System.out.println();
                System.out.println("text-to-image: the " + k + " best matches for each prompt");
                System.out.print(row("prompt", "theme", "right", "top hits (file score)"));
                html.heading("Text-to-image search");
                int n = 1;
                try {
                    for (Map.Entry<String, String> prompt : TEXT_QUERIES.entrySet()) {
                        float[] query = chosen.embedText(prompt.getKey()).vector();
                        List<SearchHit> hits = store.search(query, k);
                        int ok = count(hits, prompt.getValue(), themes);
                        right += ok;
                        total += hits.size();
                        System.out.print(row("\"" + prompt.getKey() + "\"", prompt.getValue(), ok + "/" + hits.size(),
                                summary(hits, themes)));
                        ImageGrid grid = ImageGrid.of(hits).columns(k).title("\"" + prompt.getKey() + "\"");
                        ImageIO.write(grid.contactSheet(), "png", report.resolve("text-" + n++ + ".png").toFile());
                        html.heading("Prompt \"" + prompt.getKey() + "\"").add(grid).table(Tables.hits(hits));
                        textItems.add(MapItem.query(prompt.getKey(), query));
                    }
                } catch (EmbeddingException | UnsupportedOperationException e) {
                    // A service that fails on text mid-way (quota, network): report it and still write the report.
                    System.out.println("  text-to-image: skipped, the embedder refused text: " + e.getMessage());
                    html.paragraph("Text-to-image search was skipped: " + e.getMessage());
                }
            } else {
                System.out.println();
                System.out.println("text-to-image: skipped, " + chosen.modelId() + " has no text model (set VISION_KEY for"
                        + " Azure, or run `vision-search model download` for CLIP, then run the demo again)");
                html.paragraph("Text-to-image search needs Azure (VISION_KEY) or a CLIP model; "
                        + chosen.modelId() + " compares images only.");
            }
            if (total > 0) {
                System.out.printf(Locale.ROOT, "%nprecision@%d (hits of the query's theme): %d/%d = %.2f%n", k, right, total,
                        (double) right / total);
            }
            EmbeddingMap map = Projections.pca(mapItems(embedder, themes), textItems);
            Charts.savePng(map.chart("PCA map of the collection, coloured by theme"), report.resolve("map.png"));
            html.heading("2-D map of the collection").chart(map.chart("PCA map of the collection, coloured by theme"));
            Path page = html.write(report.resolve("index.html"));
            System.out.println("report:   " + page.toAbsolutePath() + " (and PNGs beside it)");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the report to " + report + ": " + e.getMessage(), e);
        }
        return 0;
    }

    /** One map item per collection image: its vector as indexed (embedded again only if the store already had it). */
    private List<MapItem> mapItems(RecordingEmbedder embedder, Map<String, String> themes) {
        List<MapItem> items = new ArrayList<>();
        for (Path p : listImages(images)) {
            String relative = images.relativize(p).toString().replace('\\', '/');
            float[] vector = embedder.recorded.get(relative);
            if (vector == null) {
                vector = embedder.embedImage(p).vector();
            }
            items.add(new MapItem(p.getFileName().toString(), themes.getOrDefault(p.getFileName().toString(), ""), vector));
        }
        return items;
    }

    private static int count(List<SearchHit> hits, String theme, Map<String, String> themes) {
        int ok = 0;
        for (SearchHit h : hits) {
            if (!theme.isEmpty() && theme.equals(themeOf(h, themes))) {
                ok++;
            }
        }
        return ok;
    }

    private static String themeOf(SearchHit hit, Map<String, String> themes) {
        return hit.metadata().getOrDefault("theme", themes.getOrDefault(Tables.fileName(hit.path()), ""));
    }

    private static String summary(List<SearchHit> hits, Map<String, String> themes) {
        StringBuilder s = new StringBuilder();
        for (SearchHit h : hits) {
            s.append(s.length() == 0 ? "" : ", ").append(Tables.fileName(h.path()))
                    .append(String.format(Locale.ROOT, " %.3f", h.score()));
        }
        return s.toString();
    }

    private static String row(String query, String theme, String right, String hits) {
        return String.format(Locale.ROOT, "  %-42s %-11s %-6s %s%n", query, theme, right, hits);
    }

    private static String stem(String file) {
        int dot = file.lastIndexOf('.');
        return dot > 0 ? file.substring(0, dot) : file;
    }

    private static List<Path> listImages(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> {
                String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
                return n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg");
            }).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    private static Map<String, String> textQueries() {
        Map<String, String> q = new LinkedHashMap<>();
        q.put("a sunset over the sea with palm trees", "beach");
        q.put("a city skyline at night with lit windows", "city");
        q.put("orange fish swimming under water", "underwater");
        q.put("snowy mountain peaks", "mountains");
        q.put("a meadow full of colourful flowers", "flowers");
        q.put("a green pine forest", "forest");
        return q;
    }

    /** Delegates to an embedder and keeps each image vector by source, so the map needs no second pass. */
    static final class RecordingEmbedder implements Embedder {
        final Embedder delegate;
        final Map<String, float[]> recorded = new ConcurrentHashMap<>();

        RecordingEmbedder(Embedder delegate) {
            this.delegate = delegate;
        }

        @Override
        public Embedding embedImage(ImageInput image) {
            Embedding e = delegate.embedImage(image);
            recorded.put(image.source(), e.vector());
            return e;
        }

        @Override
        public List<EmbeddingResult> embedImages(List<ImageInput> images, BatchProgress progress) {
            List<EmbeddingResult> results = delegate.embedImages(images, progress);
            for (EmbeddingResult r : results) {
                if (r.ok()) {
                    recorded.put(r.source(), r.embedding().vector());
                }
            }
            return results;
        }

        @Override
        public Embedding embedText(String text) {
            return delegate.embedText(text);
        }

        @Override
        public boolean supportsText() {
            return delegate.supportsText();
        }

        @Override
        public String modelId() {
            return delegate.modelId();
        }

        @Override
        public int dimensions() {
            return delegate.dimensions();
        }

        @Override
        public CallPlan callPlan() {
            return delegate.callPlan();
        }
    }
}
