package visionsearch.display;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.knowm.xchart.XYChart;

class ProjectionsTest {
    static final String[] THEMES = {"beach", "forest", "city", "night"};

    /** Four well separated clusters in 64-d: theme t is strong on its own 16 coordinates. */
    static List<MapItem> clusters(int perTheme, long seed) {
        Random random = new Random(seed);
        List<MapItem> items = new ArrayList<>();
        for (int t = 0; t < THEMES.length; t++) {
            for (int i = 0; i < perTheme; i++) {
                float[] v = new float[64];
                for (int j = 0; j < v.length; j++) {
                    v[j] = (float) (random.nextGaussian() * 0.15 + (j / 16 == t ? 1 : 0));
                }
                items.add(new MapItem(THEMES[t] + "-" + i, THEMES[t], v));
            }
        }
        return items;
    }

    static MapItem queryFor(int theme) {
        float[] v = new float[64];
        for (int j = theme * 16; j < theme * 16 + 16; j++) {
            v[j] = 3; // a different norm on purpose: projections normalise
        }
        return MapItem.query("a photo of " + THEMES[theme], v);
    }

    /** Share of image points whose nearest 2-D group centroid is their own group's. */
    static double nearestCentroidAccuracy(EmbeddingMap map) {
        Map<String, double[]> sums = new HashMap<>();
        for (MapPoint p : map.images()) {
            double[] s = sums.computeIfAbsent(p.group(), g -> new double[3]);
            s[0] += p.x();
            s[1] += p.y();
            s[2]++;
        }
        int right = 0;
        for (MapPoint p : map.images()) {
            String best = null;
            double bestD = Double.POSITIVE_INFINITY;
            for (Map.Entry<String, double[]> e : sums.entrySet()) {
                double cx = e.getValue()[0] / e.getValue()[2];
                double cy = e.getValue()[1] / e.getValue()[2];
                double d = Math.hypot(p.x() - cx, p.y() - cy);
                if (d < bestD) {
                    bestD = d;
                    best = e.getKey();
                }
            }
            if (p.group().equals(best)) {
                right++;
            }
        }
        return right / (double) map.images().size();
    }

    static void assertQueryNearItsTheme(EmbeddingMap map, int theme) {
        MapPoint q = map.queries().get(0);
        String nearest = null;
        double bestD = Double.POSITIVE_INFINITY;
        for (MapPoint p : map.images()) {
            double d = Math.hypot(p.x() - q.x(), p.y() - q.y());
            if (d < bestD) {
                bestD = d;
                nearest = p.group();
            }
        }
        assertEquals(THEMES[theme], nearest, map.method() + ": query should land among its theme");
    }

    @Test
    void pcaKeepsClustersApartAndProjectsQueriesWithTheFittedComponents() {
        List<MapItem> items = clusters(20, 1);
        EmbeddingMap map = Projections.pca(items, List.of(queryFor(2)));
        assertEquals(80, map.images().size());
        assertEquals(1, map.queries().size());
        assertTrue(map.method().startsWith("PCA ("), map.method());
        // 4 clusters need 3 dimensions to be fully apart; 2 PCA components separate most of them.
        assertTrue(nearestCentroidAccuracy(map) >= 0.7, "accuracy " + nearestCentroidAccuracy(map));
        // Adding queries must not move the images: PCA is fitted on images only.
        EmbeddingMap alone = Projections.pca(items);
        assertEquals(alone.images(), map.images());
    }

    @Test
    void pcaFindsTheDirectionOfLargestVariance() {
        List<float[]> v = new ArrayList<>();
        Random random = new Random(3);
        for (int i = 0; i < 200; i++) {
            double t = random.nextGaussian();
            v.add(new float[] {(float) (3 * t), (float) (3 * t), (float) (random.nextGaussian() * 0.1)});
        }
        Pca pca = Pca.fit(v, 2);
        double[] c = pca.component(0);
        assertEquals(Math.sqrt(0.5), c[0], 1e-3);
        assertEquals(Math.sqrt(0.5), c[1], 1e-3);
        assertTrue(pca.explainedVarianceRatio()[0] > 0.99);
        assertEquals(0.0, pca.project(new float[] {0, 0, 0})[0] + pca.project(new float[] {0, 0, 0})[0] * 0, 1.0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> pca.project(new float[2]));
        assertTrue(e.getMessage().contains("3-d"), e.getMessage());
    }

    @Test
    void tsneKeepsClustersApartWithQueriesInTheSameMap() {
        List<MapItem> items = clusters(15, 2);
        EmbeddingMap map = Projections.tsne(items, List.of(queryFor(1)));
        assertEquals(61, map.points().size());
        assertTrue(map.points().get(60).query());
        assertTrue(nearestCentroidAccuracy(map) >= 0.95, "accuracy " + nearestCentroidAccuracy(map));
        assertQueryNearItsTheme(map, 1);
    }

    @Test
    void tsneHandlesAsManyPointsAsDimensions() {
        // Smile's t-SNE reads a square input as a distance matrix; 64 points of 64-d must still work.
        List<MapItem> items = clusters(16, 4);
        EmbeddingMap map = Projections.tsne(items, List.of());
        assertEquals(64, map.points().size());
        assertTrue(nearestCentroidAccuracy(map) >= 0.95, "accuracy " + nearestCentroidAccuracy(map));
    }

    @Test
    void umapKeepsEveryPointOfDisconnectedClustersAndSeparatesThem() {
        List<MapItem> items = clusters(20, 3);
        EmbeddingMap map = Projections.umap(items, List.of(queryFor(3)));
        assertEquals(81, map.points().size(), "every point kept, even with a disconnected k-NN graph");
        for (MapPoint p : map.points()) {
            assertTrue(Double.isFinite(p.x()) && Double.isFinite(p.y()), p.toString());
        }
        assertTrue(nearestCentroidAccuracy(map) >= 0.95, "accuracy " + nearestCentroidAccuracy(map));
        assertQueryNearItsTheme(map, 3);
        // Deterministic.
        assertEquals(map, Projections.umap(items, List.of(queryFor(3))));
    }

    @Test
    void umapCurveMatchesUmapLearnForTheDefaultMinDist() {
        double[] ab = Umap.curve(0.1);
        assertEquals(1.577, ab[0], 0.03);
        assertEquals(0.895, ab[1], 0.01);
    }

    @Test
    void mapChartHasASeriesPerThemeAndOneForQueries(@TempDir Path dir) throws Exception {
        EmbeddingMap map = Projections.pca(clusters(5, 5), List.of(queryFor(0), queryFor(1)));
        XYChart chart = map.chart();
        assertEquals(List.of("beach", "forest", "city", "night", "queries"),
                new ArrayList<>(chart.getSeriesMap().keySet()));
        assertEquals(2, chart.getSeriesMap().get("queries").getXData().length);
        ChartsTest.assertPng(chart, dir.resolve("map.png"), 800, 600);
        assertEquals(22, map.toTable().rowCount());
    }

    @Test
    void mixedModelsAreRefused() {
        List<MapItem> items = clusters(3, 6);
        MapItem wrong = MapItem.query("text", new float[512]);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Projections.pca(items, List.of(wrong)));
        assertTrue(e.getMessage().contains("has 64") && e.getMessage().contains("has 512"), e.getMessage());
    }
}
