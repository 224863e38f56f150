package visionsearch.display;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tech.tablesaw.api.Table;
import visionsearch.store.SearchHit;

class TablesTest {

    @Test
    void hitsKeepOrderWithRankFileScoreAndMetadataColumns() {
        List<SearchHit> hits = List.of(
                new SearchHit("b", "images/beach-03.png", 0.91234, 0.08766, Map.of("theme", "beach", "caption", "sand")),
                new SearchHit("a", "/abs/forest-01.png", 0.5, 0.5, Map.of("theme", "forest")),
                new SearchHit("c", "https://example.org/x/city.jpg", -0.25, 1.25, Map.of()));
        Table t = Tables.hits(hits);
        assertEquals(List.of("rank", "file", "score", "caption", "theme"), t.columnNames());
        assertEquals(3, t.rowCount());
        assertEquals(List.of(1, 2, 3), t.intColumn("rank").asList());
        assertEquals(List.of("beach-03.png", "forest-01.png", "city.jpg"), t.stringColumn("file").asList());
        assertEquals(0.9123, t.doubleColumn("score").get(0), 1e-12);
        assertEquals(List.of("beach", "forest", ""), t.stringColumn("theme").asList());
        assertEquals(List.of("sand", "", ""), t.stringColumn("caption").asList());
    }

    @Test
    void emptyHitsGiveAnEmptyTable() {
        Table t = Tables.hits(List.of());
        assertEquals(0, t.rowCount());
        assertEquals(List.of("rank", "file", "score"), t.columnNames());
    }

    @Test
    void similarityMatrixTableHasOneRowPerTextAndOneColumnPerImage() {
        List<float[]> texts = List.of(new float[] {1, 0}, new float[] {0, 1});
        List<float[]> images = List.of(new float[] {0, 2}, new float[] {3, 0}, new float[] {1, 1});
        SimilarityMatrix m = SimilarityMatrix.cosine(List.of("x axis", "y axis"), texts,
                List.of("up.png", "right.png", "up.png"), images);
        assertEquals(1.0, m.get(0, 1), 1e-9);
        assertEquals(0.0, m.get(0, 0), 1e-9);
        assertEquals(Math.sqrt(0.5), m.get(1, 2), 1e-6);
        assertEquals(List.of(1, 0), List.of(m.bestColumnPerRow()[0], m.bestColumnPerRow()[1]));
        Table t = m.toTable();
        assertEquals(List.of("text", "up.png", "right.png", "up.png (2)"), t.columnNames());
        assertEquals(List.of("x axis", "y axis"), t.stringColumn("text").asList());
        assertEquals(0.707, t.doubleColumn("up.png (2)").get(1), 1e-12);
    }

    @Test
    void htmlEscapesAndHasEveryRow() {
        Table t = Tables.hits(List.of(new SearchHit("a", "<b>.png", 1, 0, Map.of("caption", "fish & chips"))));
        String html = Tables.toHtml(t);
        assertTrue(html.contains("&lt;b&gt;.png"), html);
        assertTrue(html.contains("fish &amp; chips"), html);
        assertEquals(2, html.split("<tr>", -1).length - 1);
    }
}
