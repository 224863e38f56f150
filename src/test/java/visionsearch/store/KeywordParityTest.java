package visionsearch.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.analysis.tokenattributes.PositionIncrementAttribute;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * One meaning for keywords in both stores, checked against the real server: PostgreSQL's to_tsvector over
 * {@link KeywordText#sqlDocument} gives the same words at the same positions as the Lucene analyzer over
 * {@link KeywordText#document}, and every query matches the same records in both stores.
 */
class KeywordParityTest {
    static final int DIMS = 8;
    static PgVectorStore pg;
    static InMemoryVectorStore mem;
    static List<VectorRecord> records;

    /** The sample collection's captions plus texts that probe the tokenisers' edges. */
    static List<VectorRecord> corpus() throws IOException {
        List<VectorRecord> out = new ArrayList<>();
        Random rnd = new Random(3);
        List<String> lines = Files.readAllLines(Path.of("images/captions.csv"));
        for (String line : lines.subList(1, lines.size())) {
            String file = line.substring(0, line.indexOf(','));
            String caption = line.substring(line.indexOf('"') + 1, line.lastIndexOf('"'));
            String theme = line.substring(line.lastIndexOf(',') + 1);
            out.add(record(rnd, file, "images/" + file, Map.of("caption", caption, "theme", theme, "file_name", file)));
        }
        String[] edges = {"white-capped peaks and blue-green water", "it's a fisherman's boat, isn't it?",
            "mp3s on the 3rd shelf, 22.5 cm, 1e5 items", "Café naïve résumé Über straße", "line one\nline two\ttab",
            "\"quoted\" text \\ back\\slash", "mail x@y.com at path/to/file.txt or https://example.com/a?b=c",
            "a palm 🌴 emoji", "e\u0301cole combining", "UPPER Case Words RUNNING ran runs", "x_y under_score a+b=c"};
        for (int i = 0; i < edges.length; i++) {
            out.add(record(rnd, "edge-" + i, "/data/set." + i + "/Edge_Case-" + i + ".photo.JPG",
                    Map.of("caption", edges[i], "note", i % 2 == 0 ? "even" : "odd")));
        }
        return out;
    }

    static VectorRecord record(Random rnd, String id, String path, Map<String, String> metadata) {
        float[] v = new float[DIMS];
        for (int d = 0; d < DIMS; d++) {
            v[d] = (float) rnd.nextGaussian();
        }
        return new VectorRecord(id, path, metadata, "", v);
    }

    @BeforeAll
    static void load() throws IOException {
        records = corpus();
        pg = PgVectorStore.builder(TestDatabase.url()).collection(TestDatabase.collection("parity"))
                .model("test:parity", DIMS).index(IndexSpec.none()).build();
        pg.upsert(records);
        mem = InMemoryVectorStore.create("test:parity", DIMS, Distance.COSINE);
        mem.upsert(records);
    }

    @AfterAll
    static void drop() {
        pg.drop();
        mem.close();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"english", "simple", "german"})
    void postgresAndLuceneCutTheSameWordsAtTheSamePositions(String language) throws Exception {
        Analyzer analyzer = KeywordText.analyzer(language);
        try (Connection c = DatabaseUrl.parse(TestDatabase.url()).connect();
             PreparedStatement ps = c.prepareStatement("SELECT lexeme, positions FROM unnest((SELECT "
                     + KeywordText.sqlDocument(language) + " FROM (SELECT ?::text AS path, ?::jsonb AS metadata) r))")) {
            for (VectorRecord r : records) {
                ps.setString(1, r.path());
                ps.setString(2, PgJson.write(r.metadata()));
                Map<String, List<Integer>> server = new TreeMap<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        Array positions = rs.getArray(2);
                        List<Integer> list = new ArrayList<>();
                        for (Object p : (Object[]) positions.getArray()) {
                            list.add(((Number) p).intValue());
                        }
                        server.put(rs.getString(1), list);
                    }
                }
                assertEquals(server, lucene(analyzer, KeywordText.document(r.path(), r.metadata())),
                        language + " words of " + r.id() + ": " + KeywordText.document(r.path(), r.metadata()));
            }
        }
    }

    /** Lexeme to positions (from 1, stop words counted) as Lucene's analyzer gives them. */
    static Map<String, List<Integer>> lucene(Analyzer analyzer, String text) throws IOException {
        Map<String, List<Integer>> out = new TreeMap<>();
        try (TokenStream ts = analyzer.tokenStream("text", text)) {
            CharTermAttribute term = ts.addAttribute(CharTermAttribute.class);
            PositionIncrementAttribute inc = ts.addAttribute(PositionIncrementAttribute.class);
            ts.reset();
            int position = 0;
            while (ts.incrementToken()) {
                position += inc.getPositionIncrement();
                out.computeIfAbsent(term.toString(), t -> new ArrayList<>()).add(position);
            }
            ts.end();
        }
        return out;
    }

    static final String[] QUERIES = {"palm", "palm tree", "\"palm tree\"", "two palm trees", "palm -two", "moon or fish",
        "\"sun low on the horizon\"", "white-capped", "white capped", "\"white capped\"", "fisherman", "fisherman's",
        "mp3s", "3rd", "22", "22.5", "café", "cafe", "naive", "école", "fish -orange", "-city", "the", "or", "fish or -sea",
        "sky", "snow", "snowy", "flowers", "flower", "fir trees", "dark pine", "pine -dark", "22 fir",
        "yellow lit windows", "\"blue-green water\"", "blue green", "🌴", "running", "upper case", "x@y.com",
        "example.com", "path/to/file", "edge case", "photo", "jpg", "x_y", "a+b=c", "even", "\\", "line two",
        "'; DROP TABLE images; --", "palm' OR '1'='1", "\") OR 1=1 --", "$1 :* & | ! <->", "\u0000palm", "%_%",
        "palm\\' -- \"unclosed", "(((", "-\"-\"", "OR OR OR", "\"\"\"\"", "x\u2028y", "palm:*", "pal*"};

    @Test
    void everyQueryMatchesTheSameRecordsInBothStores() {
        RankFusion keywordsOnly = RankFusion.rrf().withWeights(0, 1).withCandidates(1000);
        float[] q = records.get(0).vector();
        int nonEmpty = 0;
        for (String keywords : QUERIES) {
            Set<String> inPg = ids(pg.hybridSearch(q, keywords, 1000, Map.of(), keywordsOnly));
            Set<String> inMemory = ids(mem.hybridSearch(q, keywords, 1000, Map.of(), keywordsOnly));
            assertEquals(inPg, inMemory, "records matching " + keywords);
            nonEmpty += inPg.isEmpty() ? 0 : 1;
        }
        assertTrue(nonEmpty > 40, "most queries match something: " + nonEmpty);
        assertEquals(records.size(), pg.count(), "no keywords changed the table");
    }

    /** For input without punctuation inside words, our parse means what the server's own parse of the raw text does. */
    @Test
    void theParseMatchesWhatPostgresReadsInTheRawText() throws SQLException {
        String[] raw = {"palm", "palm tree", "\"palm tree\"", "two palm trees", "palm -two", "moon or fish", "fish -orange",
            "\"sun low on the horizon\"", "-city", "the or palm", "fish or -sea", "x or or palm", "palm or", "or palm",
            "palm - two", "palm --two", "(moon or fish) yellow", "moon|fish", "-\"palm tree\" beach", "\"palm tree",
            "beach -(palm)", "sky -\"purple dusk\" or fish"};
        RankFusion keywordsOnly = RankFusion.rrf().withWeights(0, 1).withCandidates(1000);
        try (Connection c = DatabaseUrl.parse(TestDatabase.url()).connect();
             PreparedStatement ps = c.prepareStatement("SELECT id FROM " + PgSql.quote(pg.collection())
                     + " WHERE keywords @@ websearch_to_tsquery('english', ?)")) {
            for (String keywords : raw) {
                ps.setString(1, keywords);
                Set<String> server = new TreeSet<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        server.add(rs.getString(1));
                    }
                }
                assertEquals(server, ids(mem.hybridSearch(records.get(0).vector(), keywords, 1000, Map.of(), keywordsOnly)),
                        "records matching " + keywords);
            }
        }
    }

    static Set<String> ids(List<HybridHit> hits) {
        assertFalse(hits.stream().anyMatch(h -> h.keywordRank() == 0), "keyword-only results all matched");
        return hits.stream().map(HybridHit::id).collect(Collectors.toCollection(TreeSet::new));
    }
}
