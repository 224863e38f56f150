package visionsearch.display;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.Table;
import visionsearch.store.HybridHit;
import visionsearch.store.SearchHit;

/** Query sets read from CSV, right answers judged by theme and caption, precision@k per query and method. */
class QuerySetTest {

    static HybridHit hit(String theme, String caption, int vectorRank, int keywordRank) {
        return new HybridHit(new SearchHit(theme + "-" + caption, "images/" + theme + ".png", 0.5, 0.5,
                Map.of("theme", theme, "caption", caption)), vectorRank, keywordRank, 0.01);
    }

    @Test
    void readsTheSampleQueriesAndTheNotebookSets() {
        QuerySet sample = QuerySet.read(Path.of("images-queries/queries.csv"));
        assertEquals(12, sample.queries().size());
        assertTrue(Files.isRegularFile(sample.queries().get(0).image()));
        for (String set : List.of("notebooks/06-detail-queries.csv", "notebooks/06-ambiguous-queries.csv")) {
            QuerySet q = QuerySet.read(Path.of(set));
            assertEquals(12, q.queries().size(), set);
            assertTrue(q.queries().stream().allMatch(x -> Files.isRegularFile(x.image()) && !x.keywords().isEmpty()
                    && !x.prompt().isEmpty()), set + ": every image exists and has words and a prompt");
        }
        assertEquals("\"6 orange fish\"", QuerySet.read(Path.of("notebooks/06-detail-queries.csv")).queries().get(6).keywords());
    }

    @Test
    void aRightAnswerHasTheThemeAndWhatTheCaptionMustAndMustNotSay() {
        QuerySet.SampleQuery palm = new QuerySet.SampleQuery(Path.of("q.png"), "beach", "palm", "", "Palm", "");
        assertTrue(palm.isRight(hit("beach", "one palm tree", 1, 0)));
        assertFalse(palm.isRight(hit("beach", "no trees", 1, 0)));
        assertFalse(palm.isRight(hit("city", "a palm in the city", 1, 0)), "the theme must match too");
        QuerySet.SampleQuery noMoon = new QuerySet.SampleQuery(Path.of("q.png"), "city", "city -moon", "", "", "moon");
        assertTrue(noMoon.isRight(hit("city", "stars", 1, 0)));
        assertFalse(noMoon.isRight(hit("city", "a full Moon", 1, 0)));
        List<HybridHit> hits = List.of(hit("beach", "palm", 1, 1), hit("beach", "sand", 2, 0), hit("beach", "palm", 3, 2));
        assertEquals(0.4, QuerySet.precisionAt(5, hits, palm), 1e-12, "two right of five; missing hits count as wrong");
        assertEquals(2.0 / 3, QuerySet.precisionAt(3, hits, palm), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> QuerySet.precisionAt(0, hits, palm));
    }

    @Test
    void precisionTableHasARowPerQueryAndAMean(@TempDir Path dir) throws IOException {
        Path csv = dir.resolve("q.csv");
        Files.writeString(csv, "file,theme,keywords,wants\na.png,beach,palm,palm\nb.png,city,moon,\n");
        QuerySet set = QuerySet.read(csv);
        assertEquals(dir.resolve("a.png"), set.queries().get(0).image());
        QuerySet.Method always = QuerySet.method("beach palm", q -> List.of(hit("beach", "palm", 1, 0), hit("city", "moon", 2, 0)));
        Table t = set.precisionAt(2, always);
        assertEquals(List.of("query", "words", "beach palm"), t.columnNames());
        assertEquals(List.of("a.png", "b.png", "mean"), t.stringColumn("query").asList());
        assertEquals(List.of(0.5, 0.5, 0.5), t.doubleColumn("beach palm").asList());
        assertEquals(0.5, set.meanPrecisionAt(2, always), 1e-12);
        Files.writeString(csv, "name,label\nx,y\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> QuerySet.read(csv));
        assertTrue(e.getMessage().contains("needs a header with file and theme columns"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> QuerySet.read(dir.resolve("missing.csv")));
    }

    @Test
    void hybridTableSaysWhereEachHitStood() {
        Table t = HybridTables.hits(List.of(hit("beach", "palm", 2, 1), hit("city", "moon", 0, 3), hit("forest", "fir", 1, 0)));
        assertEquals(List.of("rank", "file", "vector rank", "keyword rank", "fused", "score", "theme", "caption"), t.columnNames());
        assertEquals(List.of("2", "-", "1"), t.stringColumn("vector rank").asList());
        assertEquals(List.of("1", "3", "-"), t.stringColumn("keyword rank").asList());
        assertEquals(List.of("beach.png", "city.png", "forest.png"), t.stringColumn("file").asList());
    }
}
