package visionsearch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import visionsearch.index.Query;
import visionsearch.store.RankFusion;

/** {@code vision-search search} with several parts and keywords, end to end in its own JVM (image features, no key). */
class SearchQueryCommandTest {
    @TempDir
    static Path work;

    record Result(int exit, String out) {
    }

    /** Four images of each theme of the sample collection, with their captions. */
    @BeforeAll
    static void indexSomeSampleImages() throws Exception {
        Path pics = Files.createDirectories(work.resolve("pics"));
        List<String> lines = Files.readAllLines(Path.of("images/captions.csv"));
        List<String> kept = new ArrayList<>(List.of(lines.get(0)));
        for (String line : lines.subList(1, lines.size())) {
            String file = line.substring(0, line.indexOf(','));
            if (file.matches(".*-0[1-4]\\.png")) {
                Files.copy(Path.of("images", file), pics.resolve(file));
                kept.add(line);
            }
        }
        Files.write(pics.resolve("captions.csv"), kept);
        for (String q : List.of("query-beach-1.png", "query-city-1.png")) {
            Files.copy(Path.of("images-queries", q), work.resolve(q));
        }
        Result index = run("index", "pics", "-q");
        assertEquals(0, index.exit(), index.out());
    }

    static Result run(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.awt.headless=true", "-Xmx512m", "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).directory(work.toFile()).redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("VISION_") || k.startsWith("CLIP_") || k.equals("DATABASE_URL"));
        pb.environment().put("VISION_EMBEDDER", "features");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), out);
        return new Result(p.exitValue(), out);
    }

    @Test
    void severalPartsAndKeywordsPrintHowTheQueryWasBuiltAndEachHitsRanks() throws Exception {
        Result r = run("search", "--image", "query-beach-1.png", "--minus-image", "query-city-1.png", "--keyword", "palm",
                "--keyword", "-two", "--k", "6");
        assertEquals(0, r.exit(), r.out());
        assertTrue(r.out().contains("query: + image query-beach-1.png\n       - image query-city-1.png\n"
                .replace("\n", System.lineSeparator())), r.out());
        assertTrue(r.out().contains("keywords: palm -two (hybrid: RRF k=60, vector 1.0, keyword 1.0, 100 candidates per list)"),
                r.out());
        List<String> rows = r.out().lines().dropWhile(l -> !l.trim().startsWith("rank")).toList();
        assertTrue(rows.get(0).matches("\\s*rank\\s+score\\s+vector\\s+keyword\\s+fused\\s+path\\s+caption"), rows.get(0));
        assertEquals(7, rows.size(), r.out());
        // beach-01 and -03 say "one palm tree": in both lists, they rise above beach-04 ("two palm trees", excluded by
        // -two) and beach-02 (no palm), which the vector ranks first and second.
        List<String> keywordRanks = rows.subList(1, 7).stream().map(l -> l.trim().split("\\s+")[3]).toList();
        assertEquals(List.of("1", "1", "-", "-", "-", "-"), keywordRanks, r.out());
        assertTrue(rows.get(1).contains("pics/beach-01.png") && rows.get(3).contains("pics/beach-04.png"), r.out());
    }

    @Test
    void aSinglePartPrintsTheVectorTableAsBefore() throws Exception {
        Result r = run("search", "--image", "query-city-1.png", "--k", "2");
        assertEquals(0, r.exit(), r.out());
        assertTrue(r.out().contains("query: + image query-city-1.png"), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.matches("\\s*rank\\s+score\\s+path\\s+caption")), r.out());
    }

    @Test
    void badCombinationsSayWhatToAdd() throws Exception {
        Result keywordOnly = run("search", "--keyword", "palm");
        assertEquals(1, keywordOnly.exit(), keywordOnly.out());
        assertTrue(keywordOnly.out().contains("--keyword ranks by words together with a vector, so add --text or --image"),
                keywordOnly.out());
        Result minusOnly = run("search", "--minus-image", "query-city-1.png");
        assertEquals(1, minusOnly.exit());
        assertTrue(minusOnly.out().contains("subtract from a query, so add at least one --text or --image"), minusOnly.out());
        Result none = run("search");
        assertEquals(1, none.exit());
        assertTrue(none.out().contains("give --text \"...\" or --image FILE"), none.out());
        Result text = run("search", "--image", "query-beach-1.png", "--minus-text", "people");
        assertEquals(1, text.exit());
        assertTrue(text.out().contains("cannot embed text, so --minus-text \"people\" cannot be used; search with --image FILE"),
                text.out());
        Result blank = run("search", "--image", "query-beach-1.png", "--keyword", " ");
        assertEquals(1, blank.exit());
        assertTrue(blank.out().contains("--keyword is blank"), blank.out());
        Result cancel = run("search", "--image", "query-beach-1.png", "--minus-image", "query-beach-1.png");
        assertEquals(1, cancel.exit());
        assertTrue(cancel.out().contains("cancel out"), cancel.out());
        Result evil = run("search", "--image", "query-beach-1.png", "--keyword", "'; DROP TABLE images; --", "--k", "2");
        assertEquals(0, evil.exit(), evil.out());
    }

    @Test
    void theQueryIsBuiltInOptionOrder() {
        Query q = SearchQuery.build(List.of("a beach"), List.of("x.png"), List.of("people"), List.of("y.png"), List.of("palm"));
        assertEquals(Query.text("a beach").plusImage("x.png", 1).minusText("people").plusImage("y.png", -1).keywords("palm"), q);
        assertEquals("query: + text \"a beach\"" + System.lineSeparator() + "       + image x.png" + System.lineSeparator()
                + "       - text \"people\"" + System.lineSeparator() + "       - image y.png" + System.lineSeparator()
                + "keywords: palm (hybrid: RRF k=60, vector 1.0, keyword 1.0, 100 candidates per list)"
                + System.lineSeparator(), SearchQuery.describe(q, RankFusion.rrf()));
        assertThrows(IllegalArgumentException.class, () -> SearchQuery.build(List.of(""), List.of(), List.of(), List.of(), List.of()));
    }
}
