package visionsearch.display;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.internal.chartpart.Chart;

class ChartsTest {

    static void assertPng(Chart<?, ?> chart, Path file, int width, int height) throws Exception {
        Path written = Charts.savePng(chart, file);
        assertEquals(file, written);
        byte[] bytes = Files.readAllBytes(file);
        assertTrue(bytes.length > 1000, "PNG too small: " + bytes.length + " bytes");
        assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, java.util.Arrays.copyOf(bytes, 4));
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(bytes));
        assertEquals(width, image.getWidth());
        assertEquals(height, image.getHeight());
        assertTrue(distinctColours(image) > 3, "chart looks blank");
    }

    static int distinctColours(BufferedImage image) {
        java.util.Set<Integer> colours = new java.util.HashSet<>();
        for (int y = 0; y < image.getHeight(); y += 3) {
            for (int x = 0; x < image.getWidth(); x += 3) {
                colours.add(image.getRGB(x, y));
            }
        }
        return colours.size();
    }

    @Test
    void heatmapRendersAtItsSize(@TempDir Path dir) throws Exception {
        SimilarityMatrix m = new SimilarityMatrix(List.of("a red circle", "a blue square"),
                List.of("red.png", "blue.png", "green.png"), new double[][] {{0.9, 0.1, 0.2}, {0.15, 0.8, 0.3}});
        HeatMapChart chart = Charts.heatmap(m, "text vs images");
        assertPng(chart, dir.resolve("sub/heat.png"), chart.getWidth(), chart.getHeight());
        assertEquals(Charts.WIDTH, chart.getWidth());
        // First row on top: XChart's y index 0 is the bottom, so row 0 is drawn at the last y category.
        assertEquals(List.of("a blue square", "a red circle"), chart.getHeatMapSeries().getYData());
        assertEquals(0.1, chart.getStyler().getMin(), 1e-12);
        assertEquals(0.9, chart.getStyler().getMax(), 1e-12);
    }

    @Test
    void lineScatterBarAndHistogramRender(@TempDir Path dir) throws Exception {
        XYChart line = Charts.line("recall vs latency", "ms", "recall@10", List.of(
                new Charts.Series("HNSW", new double[] {0.2, 0.4, 0.9}, new double[] {0.8, 0.95, 0.99}),
                new Charts.Series("exact", new double[] {3}, new double[] {1})));
        assertPng(line, dir.resolve("line.png"), 800, 600);
        XYChart scatter = Charts.scatter("s", "x", "y",
                List.of(new Charts.Series("p", new double[] {1, 2}, new double[] {2, 1})));
        assertPng(scatter, dir.resolve("scatter.png"), 800, 600);
        Map<String, double[]> values = new LinkedHashMap<>();
        values.put("recall", new double[] {1, 0.97, 0.9});
        values.put("ms", new double[] {3, 0.5, 0.4});
        CategoryChart bar = Charts.bar("indexes", "index", "value", List.of("exact", "HNSW", "IVFFlat"), values);
        assertPng(bar, dir.resolve("bar.png"), 800, 600);
        Map<String, double[]> samples = new LinkedHashMap<>();
        samples.put("same theme", new double[] {0.8, 0.85, 0.9, 0.7});
        samples.put("other theme", new double[] {0.1, 0.2, 0.3, 0.25, 0.5});
        XYChart hist = Charts.histogram("scores", "cosine", samples, 10);
        assertPng(hist, dir.resolve("hist.png"), 800, 600);
        assertEquals(2, hist.getSeriesMap().size());
        assertEquals("0.00", hist.getStyler().getXAxisDecimalPattern(), "tick labels of a histogram are short");
        double share = 0;
        for (double v : hist.getSeriesMap().get("other theme (n=5)").getYData()) {
            share += v;
        }
        assertEquals(1.0, share, 1e-9);
    }

    @Test
    void badInputsSayWhatIsWrong() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Charts.Series("s", new double[] {1}, new double[] {1, 2}));
        assertTrue(e.getMessage().contains("x has 1 values but y has 2"), e.getMessage());
        Map<String, double[]> values = Map.of("recall", new double[] {1});
        e = assertThrows(IllegalArgumentException.class,
                () -> Charts.bar("t", "x", "y", List.of("a", "b"), values));
        assertTrue(e.getMessage().contains("2 categories"), e.getMessage());
    }

    @Test
    void chartHtmlInlinesAPng() {
        XYChart chart = Charts.scatter("t", "x", "y",
                List.of(new Charts.Series("p", new double[] {1, 2}, new double[] {2, 1})));
        String html = Charts.html(chart).toHtml();
        assertTrue(html.startsWith("<img alt=\"t\" src=\"data:image/png;base64,iVBOR"), html.substring(0, 60));
    }
}
