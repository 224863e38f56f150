package visionsearch.display;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.io.csv.CsvReadOptions;
import visionsearch.store.HybridHit;

/**
 * A set of query images with what a right answer is, and precision@k of search methods over it: the share of
 * each query's top k hits that are right.
 *
 * <p>Read from a CSV such as {@code images-queries/queries.csv}: columns {@code file} (relative to the CSV's
 * folder) and {@code theme}; optionally {@code keywords} (what a person would type with the image),
 * {@code prompt} (a text prompt for the theme, for embedders that read text), {@code wants} and {@code excludes}. A hit is right when its metadata {@code theme} is the query's and, where
 * given, its {@code caption} contains {@code wants} and does not contain {@code excludes} (ignoring case): the
 * captions describe what each picture shows, so they judge the answers.
 */
public final class QuerySet {
    /**
     * One query.
     *
     * @param image    the query image
     * @param theme    the theme a right answer has
     * @param keywords what a person would type with the image ("" for none)
     * @param prompt   a text prompt for the theme ("" for none)
     * @param wants    what a right answer's caption contains ("" for anything)
     * @param excludes what a right answer's caption does not contain ("" for nothing)
     */
    public record SampleQuery(Path image, String theme, String keywords, String prompt, String wants, String excludes) {
        /** Checks the components. */
        public SampleQuery {
            Objects.requireNonNull(image, "image");
            Objects.requireNonNull(theme, "theme");
            keywords = keywords == null ? "" : keywords;
            prompt = prompt == null ? "" : prompt;
            wants = wants == null ? "" : wants;
            excludes = excludes == null ? "" : excludes;
        }

        /** Returns true if {@code hit} is a right answer to this query. */
        public boolean isRight(HybridHit hit) {
            String caption = hit.metadata().getOrDefault("caption", "").toLowerCase(Locale.ROOT);
            return theme.equals(hit.metadata().get("theme"))
                    && (wants.isEmpty() || caption.contains(wants.toLowerCase(Locale.ROOT)))
                    && (excludes.isEmpty() || !caption.contains(excludes.toLowerCase(Locale.ROOT)));
        }
    }

    /**
     * A search method to measure: a name for the table and what it returns for a query.
     *
     * @param name   the column name, e.g. {@code "hybrid"}
     * @param search the hits for a query, best first
     */
    public record Method(String name, Function<SampleQuery, List<HybridHit>> search) {
        /** Checks the components. */
        public Method {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(search, "search");
        }
    }

    private final String name;
    private final List<SampleQuery> queries;

    private QuerySet(String name, List<SampleQuery> queries) {
        this.name = name;
        this.queries = List.copyOf(queries);
    }

    /**
     * Reads a query CSV with {@code file} and {@code theme} columns (and optionally {@code caption}); files are
     * relative to the CSV's folder.
     *
     * @throws IllegalArgumentException if the file lacks those columns or has no rows
     */
    public static QuerySet read(Path csv) {
        Objects.requireNonNull(csv, "csv");
        if (!Files.isRegularFile(csv)) {
            throw new IllegalArgumentException("no query set at " + csv + ": expected a CSV with file and theme columns,"
                    + " such as images-queries/queries.csv");
        }
        Table t;
        try {
            t = Table.read().usingOptions(CsvReadOptions.builder(csv.toFile()).columnTypesToDetect(
                    List.of(tech.tablesaw.api.ColumnType.STRING)));
        } catch (RuntimeException e) {
            throw new UncheckedIOException(new IOException("cannot read " + csv + ": " + e.getMessage(), e));
        }
        if (!t.columnNames().contains("file") || !t.columnNames().contains("theme") || t.rowCount() == 0) {
            throw new IllegalArgumentException(csv + " needs a header with file and theme columns and at least one row; "
                    + "it has " + t.columnNames() + " and " + t.rowCount() + " rows");
        }
        Path dir = csv.toAbsolutePath().getParent();
        List<SampleQuery> out = new ArrayList<>();
        for (int i = 0; i < t.rowCount(); i++) {
            out.add(new SampleQuery(dir.resolve(t.stringColumn("file").get(i)).normalize(), t.stringColumn("theme").get(i),
                    cell(t, "keywords", i), cell(t, "prompt", i), cell(t, "wants", i), cell(t, "excludes", i)));
        }
        return new QuerySet(csv.getFileName().toString().replaceFirst("\\.csv$", ""), out);
    }

    private static String cell(Table t, String column, int row) {
        return t.columnNames().contains(column) ? t.stringColumn(column).get(row).strip() : "";
    }

    /** Returns the set's name: its file name without {@code .csv}. */
    public String name() {
        return name;
    }

    /** Returns the queries as a table: query file, theme, words, wants, excludes. */
    public Table table() {
        Table t = Table.create(name, StringColumn.create("query"), StringColumn.create("theme"), StringColumn.create("words"),
                StringColumn.create("a right answer shows"), StringColumn.create("and does not show"));
        for (SampleQuery q : queries) {
            t.stringColumn("query").append(q.image().getFileName().toString());
            t.stringColumn("theme").append(q.theme());
            t.stringColumn("words").append(q.keywords());
            t.stringColumn("a right answer shows").append(q.wants().isEmpty() ? "(its theme)" : q.wants());
            t.stringColumn("and does not show").append(q.excludes());
        }
        return t;
    }

    /**
     * Returns mean precision@k of each method (rows) over each query set (columns, by name), rounded to 2 decimals.
     */
    public static Table means(int k, List<QuerySet> sets, List<Method> methods) {
        Table t = Table.create("mean precision@" + k, StringColumn.create("method"));
        sets.forEach(set -> t.addColumns(DoubleColumn.create(set.name())));
        for (Method m : methods) {
            t.stringColumn("method").append(m.name());
            for (QuerySet set : sets) {
                t.doubleColumn(set.name()).append(round(set.meanPrecisionAt(k, m)));
            }
        }
        return t;
    }

    /** Returns the queries, in file order. */
    public List<SampleQuery> queries() {
        return queries;
    }

    /** Returns a method to measure. */
    public static Method method(String name, Function<SampleQuery, List<HybridHit>> search) {
        return new Method(name, search);
    }

    /** Returns the share of the first {@code k} hits that are right answers to {@code query} (missing hits count as wrong). */
    public static double precisionAt(int k, List<HybridHit> hits, SampleQuery query) {
        if (k < 1) {
            throw new IllegalArgumentException("k must be at least 1, got " + k);
        }
        return hits.stream().limit(k).filter(query::isRight).count() / (double) k;
    }

    /** Returns the mean precision@k of {@code method} over the queries. */
    public double meanPrecisionAt(int k, Method method) {
        return queries.stream().mapToDouble(q -> precisionAt(k, method.search().apply(q), q)).average().orElse(0);
    }

    /**
     * Returns precision@k per query (rows: query file and the words typed) and method (columns, rounded to 2 decimals), with
     * a last row of means.
     */
    public Table precisionAt(int k, Method... methods) {
        Table table = Table.create("precision@" + k, StringColumn.create("query"), StringColumn.create("words"));
        for (Method m : methods) {
            table.addColumns(DoubleColumn.create(m.name()));
        }
        double[] sums = new double[methods.length];
        for (SampleQuery q : queries) {
            table.stringColumn("query").append(q.image().getFileName().toString());
            table.stringColumn("words").append(q.keywords());
            for (int m = 0; m < methods.length; m++) {
                double p = precisionAt(k, methods[m].search().apply(q), q);
                sums[m] += p;
                table.doubleColumn(methods[m].name()).append(round(p));
            }
        }
        table.stringColumn("query").append("mean");
        table.stringColumn("words").append("");
        for (int m = 0; m < methods.length; m++) {
            table.doubleColumn(methods[m].name()).append(round(sums[m] / queries.size()));
        }
        return table;
    }

    private static double round(double x) {
        return Math.round(x * 100) / 100.0;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "QuerySet[%s, %d queries]", name, queries.size());
    }
}
