package visionsearch.display;

import java.awt.Color;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.knowm.xchart.AnnotationText;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;
import tech.tablesaw.api.BooleanColumn;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * A 2-D map of embeddings made by {@link Projections}: image points grouped by theme and text
 * queries (text prompts, or query images), drawn as an XChart scatter plot with one colour per
 * theme and queries as labelled black diamonds.
 *
 * @param method how the map was made, e.g. {@code "PCA"} or {@code "t-SNE (perplexity 10)"}
 * @param points the points, images first, then queries
 */
public record EmbeddingMap(String method, List<MapPoint> points) {

    /** Checks and copies the components. */
    public EmbeddingMap {
        Objects.requireNonNull(method, "method");
        points = List.copyOf(Objects.requireNonNull(points, "points"));
    }

    /** Returns the image points (not queries), in input order. */
    public List<MapPoint> images() {
        return points.stream().filter(p -> !p.query()).toList();
    }

    /** Returns the query points, in input order. */
    public List<MapPoint> queries() {
        return points.stream().filter(MapPoint::query).toList();
    }

    /** Returns the points as a table: label, group, x, y, query. */
    public Table toTable() {
        Table table = Table.create(method + " map");
        table.addColumns(StringColumn.create("label"), StringColumn.create("group"), DoubleColumn.create("x"),
                DoubleColumn.create("y"), BooleanColumn.create("query"));
        for (MapPoint p : points) {
            table.stringColumn("label").append(p.label());
            table.stringColumn("group").append(p.group());
            table.doubleColumn("x").append(p.x());
            table.doubleColumn("y").append(p.y());
            table.booleanColumn("query").append(p.query());
        }
        return table;
    }

    /** Returns the map as a scatter chart titled with the method. */
    public XYChart chart() {
        return chart(method + " map of " + images().size() + " images"
                + (queries().isEmpty() ? "" : " and " + queries().size() + " queries"));
    }

    /**
     * Returns the map as a scatter chart: one series (colour) per image group in order of first
     * appearance, and one series "queries" drawn as black diamonds labelled with their text.
     */
    public XYChart chart(String title) {
        // "PCA (27% + 21% of variance)" names the method; its axes are "PCA axis 1" and "PCA axis 2".
        String axis = method.contains(" (") ? method.substring(0, method.indexOf(" (")) : method;
        XYChart chart = Charts.xyChart(title, axis + " axis 1", axis + " axis 2");
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter).setMarkerSize(9);
        Map<String, List<MapPoint>> groups = new LinkedHashMap<>();
        for (MapPoint p : images()) {
            groups.computeIfAbsent(p.group().isEmpty() ? "images" : p.group(), g -> new ArrayList<>()).add(p);
        }
        int i = 0;
        for (Map.Entry<String, List<MapPoint>> e : groups.entrySet()) {
            XYSeries s = chart.addSeries(e.getKey(), xs(e.getValue()), ys(e.getValue()));
            s.setMarker(SeriesMarkers.CIRCLE).setMarkerColor(Charts.PALETTE[i++ % Charts.PALETTE.length]);
        }
        List<MapPoint> queries = queries();
        if (!queries.isEmpty()) {
            XYSeries s = chart.addSeries("queries", xs(queries), ys(queries));
            s.setMarker(SeriesMarkers.DIAMOND).setMarkerColor(Color.BLACK);
            // Labels go beside their diamond where they cover no point and no other label.
            double[] bx = bounds(points.stream().mapToDouble(MapPoint::x).toArray());
            double[] by = bounds(points.stream().mapToDouble(MapPoint::y).toArray());
            chart.getStyler().setXAxisMin(bx[0]).setXAxisMax(bx[1]).setYAxisMin(by[0]).setYAxisMax(by[1]);
            LabelPlacer labels = new LabelPlacer();
            points.forEach(p -> labels.avoid((p.x() - bx[0]) / (bx[1] - bx[0]), (p.y() - by[0]) / (by[1] - by[0])));
            for (MapPoint q : queries) {
                String text = q.label().length() <= 30 ? q.label() : q.label().substring(0, 29) + "…";
                double[] at = labels.place((q.x() - bx[0]) / (bx[1] - bx[0]), (q.y() - by[0]) / (by[1] - by[0]),
                        text.length() + 1, true);
                chart.addAnnotation(new AnnotationText(text, bx[0] + at[0] * (bx[1] - bx[0]), by[0] + at[1] * (by[1] - by[0]), false));
            }
            chart.getStyler().setAnnotationTextFontColor(Color.BLACK);
        }
        return chart;
    }

    /** The data's range with a margin of a tenth on each side (room for labels at the edges). */
    private static double[] bounds(double[] values) {
        double min = java.util.Arrays.stream(values).min().orElse(0);
        double max = java.util.Arrays.stream(values).max().orElse(1);
        double pad = max > min ? (max - min) * 0.1 : 1;
        return new double[] {min - pad, max + pad};
    }

    private static double[] xs(List<MapPoint> points) {
        return points.stream().mapToDouble(MapPoint::x).toArray();
    }

    private static double[] ys(List<MapPoint> points) {
        return points.stream().mapToDouble(MapPoint::y).toArray();
    }
}
