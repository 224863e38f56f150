package visionsearch.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** How search-box keywords are parsed (websearch_to_tsquery's syntax) and what PostgreSQL is sent. */
class KeywordQueryTest {

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("one word", "palm", "\"palm\""),
                Arguments.of("words all must match", "palm tree", "\"palm\" \"tree\""),
                Arguments.of("a quoted phrase", "\"palm tree\" beach", "\"palm tree\" \"beach\""),
                Arguments.of("or binds looser than and", "a b or c d", "\"a\" \"b\" or \"c\" \"d\""),
                Arguments.of("or is case-insensitive", "x OR y", "\"x\" or \"y\""),
                Arguments.of("a leading or is a word", "or x", "\"or\" \"x\""),
                Arguments.of("a trailing or is dropped", "x or", "\"x\""),
                Arguments.of("or twice: the second is a word", "x or or y", "\"x\" or \"or\" \"y\""),
                Arguments.of("negation", "beach -city", "\"beach\" -\"city\""),
                Arguments.of("negation after a space", "x - y", "\"x\" -\"y\""),
                Arguments.of("double negation", "x --y", "\"x\" \"y\""),
                Arguments.of("negated phrase", "x -\"palm tree\"", "\"x\" -\"palm tree\""),
                Arguments.of("a hyphen inside a word is a phrase", "white-capped peaks", "\"white capped\" \"peaks\""),
                Arguments.of("dash then or is a word", "x -or y", "\"x\" -\"or\" \"y\""),
                Arguments.of("tsquery operators only separate", "x&y|z!w", "\"x\" \"y\" \"z\" \"w\""),
                Arguments.of("parentheses only separate", "(x or y) z", "\"x\" or \"y\" \"z\""),
                Arguments.of("a quote after a word starts a phrase", "x\"y z\"", "\"x\" \"y z\""),
                Arguments.of("an open quote runs to the end", "x \"y z", "\"x\" \"y z\""),
                Arguments.of("punctuation inside quotes is a space", "\"x -y\"", "\"x y\""),
                Arguments.of("SQL is only words", "'; DROP TABLE images; --", "\"DROP\" \"TABLE\" \"images\""),
                Arguments.of("control characters separate", "x\u0000y\ny", "\"x\" \"y\" \"y\""),
                Arguments.of("apostrophes split", "it's", "\"it s\""));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("cases")
    void parsesAsWebsearchToTsquery(String name, String keywords, String sent) {
        assertEquals(sent, KeywordQuery.parse(keywords).websearch());
    }

    @Test
    void fusedTiesAreOrderedAsUtf8BytesAre() {
        // U+FF5E sorts before U+1F334 in UTF-16 code units' order but after it in code point (UTF-8 byte) order.
        assertTrue(Rrf.byCodePoint("a\uFF5E", "a\uD83C\uDF34") < 0);
        assertTrue("a\uFF5E".compareTo("a\uD83C\uDF34") > 0);
        assertEquals(0, Rrf.byCodePoint("abc", "abc"));
        assertTrue(Rrf.byCodePoint("ab", "abc") < 0);
    }

    @Test
    void blankKeywordsAreRefusedWithAdvice() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KeywordQuery.parse("  \t"));
        assertTrue(e.getMessage().contains("keywords are blank"), e.getMessage());
        assertThrows(NullPointerException.class, () -> KeywordQuery.parse(null));
    }

    @Test
    void onlyPunctuationMatchesNothing() {
        KeywordQuery q = KeywordQuery.parse("!!! ()");
        assertEquals("", q.websearch());
        assertEquals("MatchNoDocsQuery(\"the keywords hold only stop words\")",
                q.lucene("text", KeywordText.analyzer("english")).toString());
    }

    @Test
    void luceneQueryKeepsStopWordGapsInPhrases() {
        String q = KeywordQuery.parse("\"sun low on the horizon\" -city or palms").lucene("text",
                KeywordText.analyzer("english")).toString();
        assertEquals("(+text:\"sun low ? ? horizon\" -text:citi) (+text:palm)", q);
    }
}
