package visionsearch.display;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * XChart charts for notebooks and reports: heatmaps of similarity matrices, maps of 2-D
 * projections, line and bar charts, histograms; and {@link #savePng} to write any chart as PNG.
 *
 * <p>Charts are plain XChart objects, so they can be styled further before display.
 */
public final class Charts {
    /** Default chart width in pixels. */
    public static final int WIDTH = 800;
    /** Default chart height in pixels. */
    public static final int HEIGHT = 600;

    /** A qualitative palette (Tableau 10), one colour per theme or series. */
    static final Color[] PALETTE = {
        new Color(0x4E79A7), new Color(0xF28E2B), new Color(0xE15759), new Color(0x76B7B2),
        new Color(0x59A14F), new Color(0xEDC948), new Color(0xB07AA1), new Color(0xFF9DA7),
        new Color(0x9C755F), new Color(0xBAB0AC)
    };

    private Charts() {
    }

    /**
     * A named series of points for {@link #line} and {@link #scatter}.
     *
     * @param name the legend entry
     * @param x    x values
     * @param y    y values, as many as {@code x}
     */
    public record Series(String name, double[] x, double[] y) {
        /** Checks the lengths match and copies the arrays. */
        public Series {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(x, "x");
            Objects.requireNonNull(y, "y");
            if (x.length != y.length) {
                throw new IllegalArgumentException("series '" + name + "': x has " + x.length
                        + " values but y has " + y.length);
            }
            x = x.clone();
            y = y.clone();
        }

        /** Returns a copy of the x values. */
        @Override
        public double[] x() {
            return x.clone();
        }

        /** Returns a copy of the y values. */
        @Override
        public double[] y() {
            return y.clone();
        }
    }

    /** Returns a heatmap of {@code matrix}: columns along x, rows along y, values printed in the cells. */
    public static HeatMapChart heatmap(SimilarityMatrix matrix, String title) {
        Objects.requireNonNull(matrix, "matrix");
        int width = Math.max(WIDTH, 160 + 70 * matrix.columns());
        int height = Math.max(300, 140 + 40 * matrix.rows());
        HeatMapChart chart = new HeatMapChartBuilder().width(width).height(height).title(title).build();
        List<Number[]> cells = new ArrayList<>();
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        int rows = matrix.rows();
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < matrix.columns(); c++) {
                double v = matrix.get(r, c);
                min = Math.min(min, v);
                max = Math.max(max, v);
                // XChart draws y index 0 at the bottom; put the first row on top, as in the table.
                cells.add(new Number[] {c, rows - 1 - r, v});
            }
        }
        if (cells.isEmpty()) {
            throw new IllegalArgumentException("cannot draw a heatmap of an empty matrix");
        }
        // The legend prints min and max as they are: round them outwards to two decimals.
        min = Math.floor(min * 100) / 100;
        max = Math.ceil(max * 100) / 100;
        chart.getStyler().setShowValue(true).setHeatMapValueDecimalPattern("0.00")
                .setMin(min).setMax(max <= min ? min + 0.01 : max)
                .setRangeColors(new Color[] {new Color(0xF7FBFF), new Color(0x6BAED6), new Color(0x08306B)});
        chart.getStyler().setXAxisLabelRotation(30);
        chart.getStyler().setPlotContentSize(0.95);
        List<String> rowLabels = new ArrayList<>(shorten(matrix.rowLabels()));
        java.util.Collections.reverse(rowLabels);
        chart.addSeries("similarity", shorten(matrix.columnLabels()), rowLabels, cells);
        return chart;
    }

    /** Returns a line chart with markers, one line per series (e.g. recall against latency per index). */
    public static XYChart line(String title, String xTitle, String yTitle, List<Series> series) {
        XYChart chart = xyChart(title, xTitle, yTitle);
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line).setMarkerSize(7);
        addSeries(chart, series);
        return chart;
    }

    /** Returns a scatter chart, one colour per series. */
    public static XYChart scatter(String title, String xTitle, String yTitle, List<Series> series) {
        XYChart chart = xyChart(title, xTitle, yTitle);
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter).setMarkerSize(8);
        addSeries(chart, series);
        return chart;
    }

    /**
     * Returns a bar chart: one group of bars per category, one bar colour per entry of
     * {@code values} (series name to one value per category, in category order).
     */
    public static CategoryChart bar(String title, String xTitle, String yTitle, List<String> categories,
                                    Map<String, double[]> values) {
        Objects.requireNonNull(categories, "categories");
        Objects.requireNonNull(values, "values");
        if (values.isEmpty()) {
            throw new IllegalArgumentException("a bar chart needs at least one series");
        }
        CategoryChart chart = new CategoryChartBuilder().width(WIDTH).height(HEIGHT).title(title)
                .xAxisTitle(xTitle).yAxisTitle(yTitle).build();
        chart.getStyler().setSeriesColors(PALETTE).setLegendPosition(Styler.LegendPosition.InsideNW)
                .setChartBackgroundColor(Color.WHITE);
        for (Map.Entry<String, double[]> e : values.entrySet()) {
            if (e.getValue().length != categories.size()) {
                throw new IllegalArgumentException("series '" + e.getKey() + "' has " + e.getValue().length
                        + " values but there are " + categories.size() + " categories " + categories);
            }
            List<Double> ys = new ArrayList<>();
            for (double v : e.getValue()) {
                ys.add(v);
            }
            chart.addSeries(e.getKey(), new ArrayList<>(categories), ys);
        }
        return chart;
    }

    /**
     * Returns overlaid histograms (drawn as step-free lines through bin centres) of each sample,
     * over shared bins spanning all values; useful for score distributions.
     */
    public static XYChart histogram(String title, String xTitle, Map<String, double[]> samples, int bins) {
        Objects.requireNonNull(samples, "samples");
        if (bins < 1) {
            throw new IllegalArgumentException("bins must be at least 1, was " + bins);
        }
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (double[] s : samples.values()) {
            for (double v : s) {
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
        }
        if (min > max) {
            throw new IllegalArgumentException("a histogram needs at least one value");
        }
        double width = max > min ? (max - min) / bins : 1;
        List<Series> series = new ArrayList<>();
        for (Map.Entry<String, double[]> e : samples.entrySet()) {
            double[] centres = new double[bins];
            double[] share = new double[bins];
            for (int b = 0; b < bins; b++) {
                centres[b] = min + (b + 0.5) * width;
            }
            for (double v : e.getValue()) {
                int b = Math.min(bins - 1, (int) ((v - min) / width));
                share[b] += 1.0 / e.getValue().length;
            }
            series.add(new Series(e.getKey() + " (n=" + e.getValue().length + ")", centres, share));
        }
        XYChart chart = line(title, xTitle, "share of pairs", series);
        chart.getStyler().setMarkerSize(4);
        // Bins start at the smallest value, so XChart would print ticks with every digit of it.
        chart.getStyler().setXAxisDecimalPattern("0.00");
        return chart;
    }

    /** Returns a histogram of one sample; see {@link #histogram(String, String, Map, int)}. */
    public static XYChart histogram(String title, String xTitle, String name, double[] sample, int bins) {
        Map<String, double[]> samples = new LinkedHashMap<>();
        samples.put(name, sample);
        return histogram(title, xTitle, samples, bins);
    }

    /** Returns {@code chart} drawn into an image of its own size. */
    public static BufferedImage toImage(Chart<?, ?> chart) {
        Objects.requireNonNull(chart, "chart");
        return BitmapEncoder.getBufferedImage(chart);
    }

    /** Returns {@code chart} encoded as PNG bytes. */
    public static byte[] toPng(Chart<?, ?> chart) {
        return Html.png(toImage(chart));
    }

    /**
     * Writes {@code chart} as a PNG file (parent folders created; ".png" is not added) and returns the path.
     */
    public static Path savePng(Chart<?, ?> chart, Path file) {
        Objects.requireNonNull(file, "file");
        byte[] png = toPng(chart);
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.write(file, png);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("could not write the chart PNG to " + file + ": " + e.getMessage(), e);
        }
    }

    /** Returns {@code chart} as HTML (an inline PNG), for reports and notebooks. */
    public static HtmlRenderable html(Chart<?, ?> chart) {
        Objects.requireNonNull(chart, "chart");
        return () -> "<img alt=\"" + Html.escape(chart.getTitle()) + "\" src=\"" + Html.pngDataUri(toImage(chart)) + "\"/>";
    }

    static XYChart xyChart(String title, String xTitle, String yTitle) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title)
                .xAxisTitle(xTitle).yAxisTitle(yTitle).build();
        chart.getStyler().setSeriesColors(PALETTE).setLegendPosition(Styler.LegendPosition.OutsideE)
                .setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setXAxisDecimalPattern("#,##0.###");
        chart.getStyler().setYAxisDecimalPattern("#,##0.###");
        return chart;
    }

    private static void addSeries(XYChart chart, List<Series> series) {
        Objects.requireNonNull(series, "series");
        if (series.isEmpty()) {
            throw new IllegalArgumentException("a chart needs at least one series");
        }
        int i = 0;
        for (Series s : series) {
            XYSeries added = chart.addSeries(s.name(), s.x(), s.y());
            added.setMarker(SeriesMarkers.CIRCLE).setMarkerColor(PALETTE[i % PALETTE.length])
                    .setLineColor(PALETTE[i % PALETTE.length]);
            i++;
        }
    }

    /** Long captions make a heatmap unreadable; keep axis labels short. */
    private static List<String> shorten(List<String> labels) {
        List<String> out = new ArrayList<>(labels.size());
        for (String label : labels) {
            String s = label.length() <= 28 ? label : label.substring(0, 27) + "…";
            // Categories must be distinct or XChart merges them.
            String unique = s;
            for (int i = 2; out.contains(unique); i++) {
                unique = s + " (" + i + ")";
            }
            out.add(unique);
        }
        return out;
    }
}
