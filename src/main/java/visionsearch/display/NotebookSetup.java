package visionsearch.display;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;
import visionsearch.embed.BatchProgress;
import visionsearch.embed.CachedEmbedder;
import visionsearch.embed.Embedder;
import visionsearch.embed.Embedders;
import visionsearch.embed.EmbeddingCache;
import visionsearch.embed.EmbeddingResult;
import visionsearch.embed.ImageInput;
import visionsearch.embed.Settings;
import visionsearch.store.DatabaseUrl;
import visionsearch.store.SearchHit;
import visionsearch.store.VectorRecord;
import visionsearch.store.VectorStore;

/**
 * What every lesson starts with, in one call: the settings, the embedder they choose (and why, in
 * words without machine paths), an embedding cache so a second run makes no calls, the database if
 * {@code DATABASE_URL} is set, and the sample collection ({@code images/}, {@code images-queries/}).
 *
 * <pre>{@code
 * NotebookSetup setup = NotebookSetup.open(Path.of(".."), "03-cosine-similarity");
 * List<VectorRecord> records = setup.embedSamples();   // 108 images with caption and theme
 * }</pre>
 */
public final class NotebookSetup implements AutoCloseable {
    /** The six themes of the sample collection, in the order the lessons use. */
    public static final List<String> THEMES = List.of("beach", "city", "flowers", "forest", "mountains", "underwater");

    private static final Map<String, String> PROMPTS = Map.of("beach", "a sandy beach by the sea",
            "city", "tall buildings in a city", "flowers", "a field of colourful flowers", "forest", "a green pine forest",
            "mountains", "snowy mountain peaks", "underwater", "fish swimming under water");

    private final Path root;
    private final Settings settings;
    private final EmbeddingCache cache;
    private final CachedEmbedder embedder;
    private final String why;
    private List<VectorRecord> samples;

    private NotebookSetup(Path root, Settings settings, EmbeddingCache cache, Embedder embedder, String why) {
        this.root = root;
        this.settings = settings;
        this.cache = cache;
        this.embedder = cache.wrap(embedder);
        this.why = why;
    }

    /**
     * Reads the settings ({@code .env} and the environment) and opens the embedder they choose, cached in
     * {@code <root>/target/notebooks/<lesson>.cache}.
     *
     * @param root   the project folder (a notebook's {@code ..})
     * @param lesson names the cache file
     */
    public static NotebookSetup open(Path root, String lesson) {
        Settings settings = Settings.load();
        Embedders.Selection selection = Embedders.select(settings);
        return open(root, lesson, selection.embedder(), withoutPaths(selection.reason()), settings);
    }

    /** As {@link #open(Path, String)}, with an embedder the lesson chose itself, and why. */
    public static NotebookSetup open(Path root, String lesson, Embedder embedder, String why) {
        return open(root, lesson, embedder, why, Settings.load());
    }

    private static NotebookSetup open(Path root, String lesson, Embedder embedder, String why, Settings settings) {
        Objects.requireNonNull(root, "root");
        Objects.requireNonNull(lesson, "lesson");
        Objects.requireNonNull(embedder, "embedder");
        if (!Files.isDirectory(root.resolve("images"))) {
            embedder.close();
            throw new IllegalArgumentException("no images/ folder in " + root.toAbsolutePath().normalize()
                    + ": pass the project folder (from notebooks/, Path.of(\"..\"))");
        }
        EmbeddingCache cache = EmbeddingCache.open(root.resolve("target/notebooks/" + lesson + ".cache"));
        return new NotebookSetup(root, settings, cache, embedder, why);
    }

    /** Drops the folders from a reason ("no CLIP model in /home/me/.cache/..."): a lesson's output holds no machine paths. */
    static String withoutPaths(String reason) {
        return reason.replaceAll(" \\(model in [^)]*\\)", "").replaceAll(" in (?:/|~|[A-Za-z]:\\\\)[^\\s)]*", "");
    }

    /** Returns the embedder (cached: an image or text embedded before costs nothing). */
    public Embedder embedder() {
        return embedder;
    }

    /** Returns whether the embedder reads text (Azure, CLIP) or only images (image features). */
    public boolean textSupported() {
        return embedder.supportsText();
    }

    /** Returns the settings the lesson runs with. */
    public Settings settings() {
        return settings;
    }

    /** Returns {@code DATABASE_URL} if it is set. */
    public Optional<String> databaseUrl() {
        return settings.get("DATABASE_URL").filter(s -> !s.isBlank());
    }

    /** Returns the sample collection's folder, {@code <root>/images}. */
    public Path images() {
        return root.resolve("images");
    }

    /** Returns the query image {@code images-queries/query-<theme>-<n>.png}. */
    public Path queryImage(String theme, int n) {
        return root.resolve("images-queries").resolve("query-" + theme + "-" + n + ".png");
    }

    /**
     * Embeds every image of {@code captions.csv} (once; later calls return the same list) into records
     * with the file name as id and {@code caption} and {@code theme} as metadata. An image that fails is
     * reported on standard output and left out.
     */
    public List<VectorRecord> embedSamples() {
        if (samples != null) {
            return samples;
        }
        Table captions;
        try {
            captions = Table.read().csv(images().resolve("captions.csv").toFile());
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot read " + images().resolve("captions.csv") + ": " + e.getMessage()
                    + "; draw the sample collection again with `vision-search samples`", e);
        }
        StringColumn file = captions.stringColumn("file");
        List<ImageInput> inputs = new ArrayList<>();
        for (String f : file) {
            inputs.add(ImageInput.of(images().resolve(f)));
        }
        List<EmbeddingResult> results = embedder.embedImages(inputs, BatchProgress.NONE);
        List<VectorRecord> out = new ArrayList<>();
        for (int i = 0; i < results.size(); i++) {
            EmbeddingResult r = results.get(i);
            if (!r.ok()) {
                System.out.println("left out " + file.get(i) + ": " + r.error().getMessage());
                continue;
            }
            out.add(new VectorRecord(file.get(i), images().resolve(file.get(i)).toString(),
                    Map.of("caption", captions.stringColumn("caption").get(i), "theme", captions.stringColumn("theme").get(i)),
                    inputs.get(i).sha256(), r.embedding().vector()));
        }
        samples = List.copyOf(out);
        return samples;
    }

    /** One query per theme: a text prompt if the embedder reads text, else that theme's first query image. */
    public record ThemeQuery(String theme, String label, float[] vector) {
        /** Copies the vector. */
        public ThemeQuery {
            vector = vector.clone();
        }

        /** Returns a copy of the vector. */
        @Override
        public float[] vector() {
            return vector.clone();
        }
    }

    /** Returns one query per theme of {@link #THEMES}, embedded (prompts with Azure or CLIP, query images otherwise). */
    public List<ThemeQuery> themeQueries() {
        List<ThemeQuery> out = new ArrayList<>();
        for (String theme : THEMES) {
            if (textSupported()) {
                out.add(new ThemeQuery(theme, PROMPTS.get(theme), embedder.embedText(PROMPTS.get(theme)).vector()));
            } else {
                Path image = queryImage(theme, 1);
                out.add(new ThemeQuery(theme, image.getFileName().toString(), embedder.embedImage(image).vector()));
            }
        }
        return out;
    }

    /**
     * Searches {@code store} with every query image of {@code images-queries/} and counts how many of the
     * top {@code k} share the query's theme (the theme is in the file name): one row per query, the mean in
     * the table's name.
     */
    public Table precisionAt(VectorStore store, int k) {
        List<Path> queries;
        try (Stream<Path> files = Files.list(root.resolve("images-queries"))) {
            queries = files.filter(p -> p.getFileName().toString().matches("query-[a-z]+-\\d+\\.png")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + root.resolve("images-queries"), e);
        }
        StringColumn query = StringColumn.create("query");
        IntColumn right = IntColumn.create("same theme in top " + k);
        DoubleColumn precision = DoubleColumn.create("precision@" + k);
        for (Path q : queries) {
            String theme = q.getFileName().toString().split("-")[1];
            List<SearchHit> hits = store.search(embedder.embedImage(q).vector(), k);
            int same = (int) hits.stream().filter(h -> theme.equals(h.metadata().get("theme"))).count();
            query.append(q.getFileName().toString());
            right.append(same);
            precision.append(Math.round(100.0 * same / k) / 100.0);
        }
        return Table.create(String.format(java.util.Locale.ROOT, "precision@%d per query image (mean %.2f)", k,
                precision.mean()), query, right, precision);
    }

    /** Returns what the lesson runs with, one line each: the embedder, why, and the database if any. */
    @Override
    public String toString() {
        return "Embedder: " + embedder.modelId() + ", " + embedder.dimensions() + " dimensions, "
                + (textSupported() ? "images and text" : "images only (no text queries)")
                + "\nWhy:      " + why
                + "\nDatabase: " + databaseUrl().map(u -> "PostgreSQL + pgvector at " + DatabaseUrl.parse(u))
                .orElse("none (DATABASE_URL is not set: the lessons use the in-memory store)");
    }

    /** Closes the embedder and the cache. */
    @Override
    public void close() {
        try {
            embedder.close();
        } finally {
            cache.close();
        }
    }
}
