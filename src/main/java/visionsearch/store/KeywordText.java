package visionsearch.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.CharArraySet;
import org.apache.lucene.analysis.LowerCaseFilter;
import org.apache.lucene.analysis.StopFilter;
import org.apache.lucene.analysis.TokenFilter;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.Tokenizer;
import org.apache.lucene.analysis.WordlistLoader;
import org.apache.lucene.analysis.snowball.SnowballFilter;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.analysis.tokenattributes.KeywordAttribute;
import org.apache.lucene.analysis.util.CharTokenizer;

/**
 * What keyword search reads of a record, and how it cuts it into words, defined once for both stores.
 *
 * <p>A record's text is the file name of its path without the extension, then every metadata value (caption,
 * theme, file name, ...), in the order PostgreSQL's {@code jsonb} keeps keys (shorter keys first, then by bytes)
 * and written as {@code jsonb}'s text form writes them; ASCII punctuation becomes a space. PostgreSQL computes it
 * in a generated column ({@link #sqlDocument(String)}), the in-memory store in Java ({@link #document}). Words are
 * then runs of letters and digits, lower-cased; the language's stop words are dropped (keeping their positions)
 * and other words reduced to their Snowball stem, except words that hold a digit (PostgreSQL's {@code numword}
 * and {@code uint} tokens, which its configurations pass through unstemmed). That is what PostgreSQL's default
 * parser and a Snowball configuration do with such text, so both stores match the same records for a query.
 */
final class KeywordText {
    /** The languages keyword search supports: PostgreSQL text search configurations whose stemmer and stop words Lucene has too. */
    static final List<String> LANGUAGES = List.of("simple", "english", "danish", "dutch", "german", "hungarian",
            "italian", "norwegian", "portuguese", "swedish");

    /** The default language of a collection. */
    static final String DEFAULT_LANGUAGE = "english";

    /** ASCII punctuation: {@code !-/ :-@ [-` {-~}. The same pattern is written into the SQL. */
    static final String PUNCTUATION = "[!-/:-@\\[-`{-~]+";
    private static final Pattern PUNCTUATION_PATTERN = Pattern.compile(PUNCTUATION);

    /** The directories and the extension of a path: what is left is the file name's stem. */
    static final String NOT_STEM = "^.*[/\\\\]|\\.[^./\\\\]*$";
    private static final Pattern NOT_STEM_PATTERN = Pattern.compile(NOT_STEM);

    /** PostgreSQL's {@code english.stop} (from the Snowball project); Lucene's English list holds contractions instead. */
    private static final Set<String> ENGLISH_STOP = Set.of(("i me my myself we our ours ourselves you your yours yourself "
            + "yourselves he him his himself she her hers herself it its itself they them their theirs themselves what which "
            + "who whom this that these those am is are was were be been being have has had having do does did doing a an "
            + "the and but if or because as until while of at by for with about against between into through during before "
            + "after above below to from up down in out on off over under again further then once here there when where why "
            + "how all any both each few more most other some such no nor not only own same so than too very s t can will "
            + "just don should now").split(" "));

    private KeywordText() {
    }

    /** Returns {@code language} if keyword search supports it, else throws naming the choices. */
    static String checkLanguage(String language) {
        if (language == null || !LANGUAGES.contains(language)) {
            throw new IllegalArgumentException("unsupported keyword language " + (language == null ? "null" : "'" + language
                    + "'") + ": expected one of " + LANGUAGES + " (PostgreSQL text search configurations whose stemmer and "
                    + "stop words the in-memory store has too)");
        }
        return language;
    }

    /** Returns the text keyword search reads of a record: exactly what {@link #sqlDocument(String)} feeds to_tsvector. */
    static String document(String path, Map<String, String> metadata) {
        StringBuilder json = new StringBuilder("[");
        List<String> keys = new ArrayList<>(metadata.keySet());
        keys.sort(KeywordText::compareJsonbKeys);
        for (int i = 0; i < keys.size(); i++) {
            json.append(i == 0 ? "\"" : ", \"");
            escapeJson(metadata.get(keys.get(i)), json);
            json.append('"');
        }
        json.append(']');
        String text = NOT_STEM_PATTERN.matcher(path).replaceAll("") + " " + json;
        return PUNCTUATION_PATTERN.matcher(text).replaceAll(" ");
    }

    /**
     * The SQL expression of a collection's {@code keywords} column for {@code language} (checked against
     * {@link #LANGUAGES}, so it is safe to write into DDL as a literal).
     */
    static String sqlDocument(String language) {
        String lang = "'" + checkLanguage(language) + "'::regconfig";
        return "to_tsvector(" + lang + ", regexp_replace(regexp_replace(path, '" + NOT_STEM + "', '', 'g') || ' ' || "
                + "jsonb_path_query_array(metadata, '$.*')::text, '" + PUNCTUATION + "', ' ', 'g'))";
    }

    /** Returns the analyzer for {@code language}: letters-and-digits words, lower case, stop words, Snowball stems. */
    static Analyzer analyzer(String language) {
        checkLanguage(language);
        CharArraySet stop = stopWords(language);
        String stemmer = language.equals("simple") ? null
                : language.substring(0, 1).toUpperCase(Locale.ROOT) + language.substring(1);
        return new Analyzer() {
            @Override
            protected TokenStreamComponents createComponents(String field) {
                // PostgreSQL indexes words of up to 2047 bytes; Lucene's default cuts at 255 characters.
                Tokenizer words = new CharTokenizer(TokenStream.DEFAULT_TOKEN_ATTRIBUTE_FACTORY, 2047) {
                    @Override
                    protected boolean isTokenChar(int c) {
                        return isWordChar(c);
                    }
                };
                TokenStream stream = new StopFilter(new LowerCaseFilter(words), stop);
                if (stemmer != null) {
                    stream = new SnowballFilter(new KeepNumbers(stream), stemmer);
                }
                return new TokenStreamComponents(words, stream);
            }
        };
    }

    /** Letters, digits and combining marks make words; everything else separates them. */
    static boolean isWordChar(int c) {
        if (Character.isLetterOrDigit(c)) {
            return true;
        }
        int type = Character.getType(c);
        return type == Character.NON_SPACING_MARK || type == Character.COMBINING_SPACING_MARK;
    }

    private static CharArraySet stopWords(String language) {
        if (language.equals("simple")) {
            return CharArraySet.EMPTY_SET;
        }
        if (language.equals("english")) {
            return new CharArraySet(ENGLISH_STOP, false);
        }
        String resource = language + "_stop.txt";
        try (InputStream in = SnowballFilter.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("Lucene's stop word list " + resource + " is missing from the classpath");
            }
            return WordlistLoader.getSnowballWordSet(new InputStreamReader(in, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read Lucene's stop word list " + resource, e);
        }
    }

    /** jsonb orders object keys by length in bytes, then bytewise. */
    private static int compareJsonbKeys(String a, String b) {
        byte[] x = a.getBytes(StandardCharsets.UTF_8);
        byte[] y = b.getBytes(StandardCharsets.UTF_8);
        return x.length != y.length ? Integer.compare(x.length, y.length) : Arrays.compareUnsigned(x, y);
    }

    /** As PostgreSQL's escape_json writes a string: the escapes leave letters ({@code \n} gives the word n). */
    private static void escapeJson(String value, StringBuilder out) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                default -> {
                    if (c < ' ') {
                        out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
    }

    /** Marks words holding a digit as keywords, so the stemmer leaves them as they are (as PostgreSQL does). */
    private static final class KeepNumbers extends TokenFilter {
        private final CharTermAttribute term = addAttribute(CharTermAttribute.class);
        private final KeywordAttribute keyword = addAttribute(KeywordAttribute.class);

        KeepNumbers(TokenStream in) {
            super(in);
        }

        @Override
        public boolean incrementToken() throws IOException {
            if (!input.incrementToken()) {
                return false;
            }
            for (int i = 0; i < term.length(); i++) {
                if (Character.isDigit(term.charAt(i))) {
                    keyword.setKeyword(true);
                    break;
                }
            }
            return true;
        }
    }
}
