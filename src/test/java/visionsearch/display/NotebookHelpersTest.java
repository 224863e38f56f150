package visionsearch.display;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tech.tablesaw.api.Table;
import visionsearch.embed.EmbeddingException;
import visionsearch.embed.features.ImageFeatureEmbedder;
import visionsearch.store.Distance;
import visionsearch.store.InMemoryVectorStore;
import visionsearch.store.VectorRecord;
import visionsearch.vector.Vectors;

/** The small helpers that keep notebook cells short. */
class NotebookHelpersTest {

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "no VISION_KEY and no CLIP model in /home/ann/.cache/vision-search/clip (run `x`), so features|no VISION_KEY and no CLIP model (run `x`), so features",
            "no VISION_KEY; a CLIP model is present in /opt/models/clip|no VISION_KEY; a CLIP model is present",
            "VISION_EMBEDDER=clip (model in C:\\Users\\ann\\clip)|VISION_EMBEDDER=clip",
            "VISION_KEY is set, so Azure AI Vision at https://r.cognitiveservices.azure.com|VISION_KEY is set, so Azure AI Vision at https://r.cognitiveservices.azure.com"})
    void reasonsLoseTheirPaths(String reason, String shown) {
        assertEquals(shown, NotebookSetup.withoutPaths(reason));
    }

    @Test
    void setupEmbedsTheSamplesAndScoresPrecision() {
        try (NotebookSetup setup = NotebookSetup.open(Path.of("."), "test-" + System.nanoTime(), ImageFeatureEmbedder.create(), "a test")) {
            List<VectorRecord> records = setup.embedSamples();
            assertEquals(108, records.size());
            assertEquals("beach", records.get(0).metadata().get("theme"));
            assertFalse(records.get(0).metadata().get("caption").isBlank());
            assertEquals(Path.of("./images/beach-01.png").toString(), records.get(0).path());
            assertTrue(setup.embedSamples() == records, "embedded once");
            assertEquals(6, setup.themeQueries().size());
            assertEquals("query-forest-1.png", setup.themeQueries().get(3).label(), "image queries without text");
            try (InMemoryVectorStore store = InMemoryVectorStore.create(setup.embedder().modelId(), setup.embedder().dimensions(), Distance.COSINE)) {
                store.upsert(records);
                Table precision = setup.precisionAt(store, 5);
                assertEquals(12, precision.rowCount());
                assertTrue(precision.name().startsWith("precision@5 per query image (mean "), precision.name());
                assertTrue(precision.intColumn("same theme in top 5").min() >= 0);
            }
            String summary = setup.toString();
            assertTrue(summary.startsWith("Embedder: features:grid-hist-v1, 585 dimensions, images only"), summary);
            assertTrue(summary.contains("Why:      a test"), summary);
        }
        assertThrows(IllegalArgumentException.class, () -> NotebookSetup.open(dir, "x", ImageFeatureEmbedder.create(), "no images"));
    }

    @Test
    void syntheticVectorsAreDeterministicAndLengthsChangeNoCosine() {
        SyntheticVectors a = SyntheticVectors.clustered(200, 8, 4, 5, 1);
        SyntheticVectors b = SyntheticVectors.clustered(200, 8, 4, 5, 1);
        assertEquals(200, a.records().size());
        assertEquals(5, a.queries().size());
        assertEquals(a.records().get(7).vector()[3], b.records().get(7).vector()[3]);
        assertEquals("3", a.records().get(7).metadata().get("cluster"));
        List<VectorRecord> scaled = SyntheticVectors.withNorms(a.records(), 92, 12, 3);
        double min = Double.MAX_VALUE;
        double max = 0;
        for (int i = 0; i < scaled.size(); i++) {
            double n = Vectors.norm(scaled.get(i).vector());
            min = Math.min(min, n);
            max = Math.max(max, n);
            assertEquals(1.0, Vectors.cosine(scaled.get(i).vector(), a.records().get(i).vector()), 1e-5);
        }
        assertTrue(min > 50 && max < 140 && max - min > 20, min + ".." + max);
        assertThrows(IllegalArgumentException.class, () -> SyntheticVectors.clustered(0, 8, 4, 5, 1));
    }

    @Test
    void pairScoresSplitByGroup() {
        List<VectorRecord> records = List.of(rec("a", "x", 1, 0), rec("b", "x", 1, 0.1f), rec("c", "y", 0, 1));
        PairScores pairs = PairScores.byGroup(records, "g");
        assertEquals(1, pairs.same().length);
        assertEquals(2, pairs.different().length);
        assertEquals(3.0, pairs.summary().doubleColumn("same theme").get(0) + pairs.summary().doubleColumn("different themes").get(0));
        assertEquals(Charts.WIDTH, Charts.toImage(pairs.histogram("t")).getWidth());
    }

    @Test
    void mapQualityCountsOnTheMap() {
        List<MapPoint> points = List.of(new MapPoint("a", "x", 0, 0, false), new MapPoint("b", "x", 0, 1, false),
                new MapPoint("c", "y", 10, 10, false), new MapPoint("q1", "", 0.2, 0.2, true), new MapPoint("q2", "", 0, 0.5, true));
        Table t = MapQuality.of(List.of(new EmbeddingMap("test", points)), List.of("x", "y"));
        assertEquals(1.0, t.doubleColumn(1).get(0));
        assertEquals(1, t.intColumn(2).get(0), "q2's nearest image is of x, not y");
        assertThrows(IllegalArgumentException.class, () -> MapQuality.of(List.of(new EmbeddingMap("test", points)), List.of("x")));
    }

    @Test
    void outcomesKeepTheWholeMessageAndNoNull() {
        Map<String, Runnable> cases = new LinkedHashMap<>();
        cases.put("fine", () -> { });
        String advice = "x".repeat(300) + " - do this next";
        cases.put("bad input", () -> {
            throw new IllegalArgumentException(advice);
        });
        cases.put("busy", () -> {
            throw new EmbeddingException("try later", true, null);
        });
        cases.put("no message", () -> {
            throw new IllegalStateException();
        });
        Table t = Tables.outcomes(cases);
        assertEquals(List.of("ok", "IllegalArgumentException", "EmbeddingException", "IllegalStateException"),
                t.stringColumn("outcome").asList());
        assertEquals(advice, t.stringColumn("message").get(1), "not cut before its advice");
        assertEquals(List.of("", "no", "yes", "no"), t.stringColumn("retry helps").asList());
        assertFalse(Tables.toHtml(t).contains("null"));
    }

    @Test
    void recallSweepRoundTripsThroughCsvAndChartsEveryPoint() throws Exception {
        Path csv = dir.resolve("sweep.csv");
        Files.writeString(csv, "index,setting,k,recall,median_ms\nexact scan,,10,1.0,12.5\nHNSW,ef_search=10,10,0.9,0.8\n"
                + "HNSW,ef_search=40,10,1.0,1.1\nIVFFlat,probes=1,10,0.7,0.6\n");
        RecallSweep sweep = RecallSweep.read(csv);
        assertEquals(4, sweep.points().size());
        Path again = sweep.write(dir.resolve("again.csv"));
        assertEquals(Files.readAllLines(csv).size(), Files.readAllLines(again).size());
        assertEquals(sweep.points(), RecallSweep.read(again).points());
        assertEquals("recall@10", sweep.table().column(2).name());
        var chart = sweep.chart("t");
        assertEquals(3, chart.getSeriesMap().size());
        assertTrue(chart.getStyler().isXAxisLogarithmic());
        assertEquals(Charts.WIDTH, Charts.toImage(chart).getWidth());
        assertEquals(1.0, RecallSweep.median(List.of(3.0, 1.0, 0.5)));
        Files.writeString(csv, "index,recall\n");
        assertThrows(IllegalArgumentException.class, () -> RecallSweep.read(csv));
    }

    @Test
    void labelsAvoidPointsAndEachOther() {
        LabelPlacer placer = new LabelPlacer();
        placer.avoid(0.5, 0.5);
        placer.avoid(0.52, 0.5);
        double[] a = placer.place(0.5, 0.5, 6, true);
        double[] b = placer.place(0.52, 0.5, 6, true);
        assertTrue(a[1] > 0.5, "above its point");
        assertNotEquals(a[1], b[1], 1e-9);
        double w = 6 * LabelPlacer.CHAR_WIDTH;
        boolean overlap = Math.abs(a[0] - b[0]) < w && Math.abs(a[1] - b[1]) < LabelPlacer.LINE_HEIGHT;
        assertFalse(overlap, java.util.Arrays.toString(a) + " " + java.util.Arrays.toString(b));
    }

    private static VectorRecord rec(String id, String group, float x, float y) {
        return new VectorRecord(id, id, Map.of("g", group), "", new float[] {x, y});
    }
}
