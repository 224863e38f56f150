package visionsearch.display;

import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.knowm.xchart.AnnotationText;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;
import visionsearch.store.IndexSpec;
import visionsearch.store.PgVectorStore;
import visionsearch.store.SearchHit;
import visionsearch.store.SearchOptions;
import visionsearch.store.VectorStore;

/**
 * Recall@k against latency for an exact scan, HNSW over a sweep of {@code ef_search} and IVFFlat over a
 * sweep of {@code probes}, measured on a store that holds the data: each setting's latency is the median
 * per query over several rounds, the rounds of one index interleaved (in a new order each round) so that
 * slow moments of the machine spread over all its settings.
 */
public final class RecallSweep {
    /** The {@code hnsw.ef_search} values measured, ascending. */
    public static final List<Integer> EF_SEARCH = List.of(10, 20, 40, 80, 160);
    /** The {@code ivfflat.probes} values measured, ascending. */
    public static final List<Integer> PROBES = List.of(1, 2, 5, 10, 20);

    /**
     * One measured setting.
     *
     * @param index    "exact scan", "HNSW" or "IVFFlat"
     * @param setting  the knob, e.g. "ef_search=40" (empty for the exact scan)
     * @param recall   the share of the exact top k returned, 0 to 1
     * @param medianMs the median time of one query, as seen from Java (round trip included)
     */
    public record Point(String index, String setting, double recall, double medianMs) {
        /** Checks the values. */
        public Point {
            Objects.requireNonNull(index, "index");
            Objects.requireNonNull(setting, "setting");
        }
    }

    private static final String HEADER = "index,setting,k,recall,median_ms";

    private final int k;
    private final List<Point> points;

    private RecallSweep(int k, List<Point> points) {
        this.k = k;
        this.points = List.copyOf(points);
    }

    /**
     * Measures {@code store} (which must hold the data and have no index): the exact scan first, then HNSW
     * ({@code m=16, ef_construction=64}) over {@link #EF_SEARCH}, then IVFFlat ({@code lists}) over
     * {@link #PROBES}; the indexes are dropped again at the end.
     */
    public static RecallSweep measure(PgVectorStore store, List<float[]> queries, int k, int rounds, int lists) {
        checkArgs(queries, k, rounds);
        store.dropIndexes();
        List<Point> out = new ArrayList<>();
        Map<String, SearchOptions> exact = Map.of("", SearchOptions.exactScan());
        List<Set<String>> truth = new ArrayList<>();
        for (float[] q : queries) {
            truth.add(ids(store.search(q, k, Map.of(), SearchOptions.exactScan())));
        }
        out.addAll(sweep(store, "exact scan", exact, queries, truth, k, rounds));
        try {
            store.createIndex(IndexSpec.hnsw(16, 64));
            Map<String, SearchOptions> hnsw = new LinkedHashMap<>();
            EF_SEARCH.forEach(ef -> hnsw.put("ef_search=" + ef, SearchOptions.efSearch(ef)));
            out.addAll(sweep(store, "HNSW", hnsw, queries, truth, k, rounds));
            store.dropIndexes();
            store.createIndex(IndexSpec.ivfflat(lists));
            Map<String, SearchOptions> ivf = new LinkedHashMap<>();
            PROBES.forEach(p -> ivf.put("probes=" + p, SearchOptions.probes(p)));
            out.addAll(sweep(store, "IVFFlat", ivf, queries, truth, k, rounds));
        } finally {
            store.dropIndexes();
        }
        return new RecallSweep(k, out);
    }

    /** Returns the mean share of the exact top {@code k} that a search with {@code options} returns, over {@code queries}. */
    public static double recall(PgVectorStore store, List<float[]> queries, int k, SearchOptions options) {
        checkArgs(queries, k, 1);
        int found = 0;
        for (float[] q : queries) {
            Set<String> got = ids(store.search(q, k, Map.of(), options));
            got.retainAll(ids(store.search(q, k, Map.of(), SearchOptions.exactScan())));
            found += got.size();
        }
        return found / (double) (queries.size() * k);
    }

    /** Measures the exact search of any store (the in-memory store has no approximate index). */
    public static RecallSweep exactOnly(VectorStore store, List<float[]> queries, int k, int rounds) {
        checkArgs(queries, k, rounds);
        List<Set<String>> truth = new ArrayList<>();
        for (float[] q : queries) {
            truth.add(ids(store.search(q, k)));
        }
        List<Point> out = new ArrayList<>();
        List<Double> times = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            for (float[] q : queries) {
                long t0 = System.nanoTime();
                store.search(q, k);
                times.add((System.nanoTime() - t0) / 1e6);
            }
        }
        out.add(new Point("exact scan", "", 1.0, median(times)));
        return new RecallSweep(k, out);
    }

    private static void checkArgs(List<float[]> queries, int k, int rounds) {
        Objects.requireNonNull(queries, "queries");
        if (queries.isEmpty() || k <= 0 || rounds <= 0) {
            throw new IllegalArgumentException("need queries, k > 0 and rounds > 0, got " + queries.size() + " queries, k="
                    + k + ", rounds=" + rounds);
        }
    }

    private static List<Point> sweep(PgVectorStore store, String index, Map<String, SearchOptions> settings,
                                     List<float[]> queries, List<Set<String>> truth, int k, int rounds) {
        Map<String, List<Double>> times = new LinkedHashMap<>();
        Map<String, Double> recall = new LinkedHashMap<>();
        settings.forEach((name, options) -> {
            times.put(name, new ArrayList<>());
            int found = 0;
            for (int q = 0; q < queries.size(); q++) { // untimed warm-up, and the recall
                Set<String> got = ids(store.search(queries.get(q), k, Map.of(), options));
                got.retainAll(truth.get(q));
                found += got.size();
            }
            recall.put(name, found / (double) (queries.size() * k));
        });
        // Each round visits the settings in a new order (fixed seed): no setting always runs first or after the slowest.
        java.util.Random order = new java.util.Random(settings.size());
        List<Map.Entry<String, SearchOptions>> entries = new ArrayList<>(settings.entrySet());
        for (int r = 0; r < rounds; r++) {
            java.util.Collections.shuffle(entries, order);
            for (Map.Entry<String, SearchOptions> s : entries) {
                for (float[] q : queries) {
                    long t0 = System.nanoTime();
                    store.search(q, k, Map.of(), s.getValue());
                    times.get(s.getKey()).add((System.nanoTime() - t0) / 1e6);
                }
            }
        }
        List<Point> out = new ArrayList<>();
        settings.keySet().forEach(name -> out.add(new Point(index, name, recall.get(name), median(times.get(name)))));
        return out;
    }

    private static Set<String> ids(List<SearchHit> hits) {
        Set<String> ids = new HashSet<>();
        hits.forEach(h -> ids.add(h.id()));
        return ids;
    }

    static double median(List<Double> values) {
        double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    /** Returns the measured settings in order. */
    public List<Point> points() {
        return points;
    }

    /** Returns the points as a table: recall to 3 decimals, milliseconds to 2. */
    public Table table() {
        StringColumn index = StringColumn.create("index");
        StringColumn setting = StringColumn.create("setting");
        DoubleColumn recall = DoubleColumn.create("recall@" + k);
        DoubleColumn ms = DoubleColumn.create("median ms per query");
        for (Point p : points) {
            index.append(p.index());
            setting.append(p.setting());
            recall.append(Math.round(p.recall() * 1000) / 1000.0);
            ms.append(Math.round(p.medianMs() * 100) / 100.0);
        }
        return Table.create("recall and latency", index, setting, recall, ms);
    }

    /**
     * Returns recall against latency on a logarithmic time axis (so fast index lookups and a slow scan
     * both show), one line per index, each point labelled with its setting.
     */
    public XYChart chart(String title) {
        XYChart chart = Charts.xyChart(title, "median time per query, ms (log scale)", "recall@" + k);
        chart.getStyler().setXAxisLogarithmic(true);
        chart.getStyler().setXAxisDecimalPattern("0.##");
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line).setMarkerSize(8)
                .setAnnotationTextFontColor(Color.DARK_GRAY);
        double minRecall = points.stream().mapToDouble(Point::recall).min().orElse(0);
        double yMin = Math.max(0, Math.floor(minRecall * 10 - 1) / 10);
        double yMax = 1.08;
        chart.getStyler().setYAxisMin(yMin);
        chart.getStyler().setYAxisMax(yMax);
        chart.getStyler().setYAxisDecimalPattern("0.0#");
        // Fix the time axis just around the data (so the points spread out) and in known units for the labels.
        double xMin = points.stream().mapToDouble(Point::medianMs).min().orElse(1) / 1.5;
        double xMax = points.stream().mapToDouble(Point::medianMs).max().orElse(10) * 1.8;
        chart.getStyler().setXAxisMin(xMin);
        chart.getStyler().setXAxisMax(xMax);
        Map<String, List<Point>> byIndex = new LinkedHashMap<>();
        points.forEach(p -> byIndex.computeIfAbsent(p.index(), i -> new ArrayList<>()).add(p));
        LabelPlacer labels = new LabelPlacer();
        java.util.function.DoubleUnaryOperator ux = ms -> (Math.log10(ms) - Math.log10(xMin)) / (Math.log10(xMax) - Math.log10(xMin));
        java.util.function.DoubleUnaryOperator uy = r -> (r - yMin) / (yMax - yMin);
        points.forEach(p -> labels.avoid(ux.applyAsDouble(p.medianMs()), uy.applyAsDouble(p.recall())));
        int colour = 0;
        for (Map.Entry<String, List<Point>> e : byIndex.entrySet()) {
            List<Point> ps = e.getValue();
            XYSeries s = chart.addSeries(e.getKey(), ps.stream().mapToDouble(Point::medianMs).toArray(),
                    ps.stream().mapToDouble(Point::recall).toArray());
            Color c = e.getKey().startsWith("exact") ? Color.BLACK : Charts.PALETTE[colour++ % Charts.PALETTE.length];
            s.setMarker(e.getKey().startsWith("exact") ? SeriesMarkers.DIAMOND : SeriesMarkers.CIRCLE)
                    .setMarkerColor(c).setLineColor(c);
            for (Point p : ps) {
                String label = p.setting().isEmpty() ? "exact" : p.setting().replace("ef_search=", "ef ").replace("probes=", "probes ");
                // HNSW's labels rather above its points, IVFFlat's rather below: the curves often run close.
                double[] at = labels.place(ux.applyAsDouble(p.medianMs()), uy.applyAsDouble(p.recall()), label.length() + 1,
                        !e.getKey().equals("IVFFlat"));
                double x = Math.pow(10, Math.log10(xMin) + at[0] * (Math.log10(xMax) - Math.log10(xMin)));
                chart.addAnnotation(new AnnotationText(label, x, yMin + at[1] * (yMax - yMin), false));
            }
        }
        return chart;
    }

    /** Writes the points as CSV ({@code index,setting,k,recall,median_ms}), e.g. a reference run to show offline. */
    public Path write(Path csv) {
        StringBuilder out = new StringBuilder(HEADER + "\n");
        for (Point p : points) {
            out.append(String.format(Locale.ROOT, "%s,%s,%d,%.4f,%.4f%n", p.index(), p.setting(), k, p.recall(), p.medianMs()));
        }
        try {
            Path parent = csv.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            return Files.writeString(csv, out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + csv, e);
        }
    }

    /** Reads points written by {@link #write(Path)}. */
    public static RecallSweep read(Path csv) {
        List<String> lines;
        try {
            lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the recall sweep " + csv, e);
        }
        if (lines.isEmpty() || !lines.get(0).equals(HEADER)) {
            throw new IllegalArgumentException(csv + " is not a recall sweep: expected the header " + HEADER);
        }
        List<Point> points = new ArrayList<>();
        int k = 0;
        for (String line : lines.subList(1, lines.size())) {
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.split(",", -1);
            if (f.length != 5) {
                throw new IllegalArgumentException(csv + ": expected 5 fields in '" + line + "'");
            }
            k = Integer.parseInt(f[2]);
            points.add(new Point(f[0], f[1], Double.parseDouble(f[3]), Double.parseDouble(f[4])));
        }
        if (points.isEmpty()) {
            throw new IllegalArgumentException(csv + " holds no measured settings");
        }
        return new RecallSweep(k, points);
    }

    @Override
    public String toString() {
        return "RecallSweep" + Arrays.toString(points.toArray());
    }
}
