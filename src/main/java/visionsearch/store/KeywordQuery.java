package visionsearch.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.analysis.tokenattributes.PositionIncrementAttribute;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause.Occur;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.MatchAllDocsQuery;
import org.apache.lucene.search.MatchNoDocsQuery;
import org.apache.lucene.search.PhraseQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.TermQuery;

/**
 * Keywords as a person types them into a search box, parsed once for both stores, with the syntax of
 * PostgreSQL's {@code websearch_to_tsquery}: words all must match; {@code "quoted words"} must match as a
 * phrase; {@code or} between words matches either side (and binds looser than the implicit "and");
 * {@code -word} or {@code -"a phrase"} must not match. Other punctuation only separates words, so no input is
 * a syntax error and none is an operator of SQL or of Lucene.
 *
 * <p>PostgreSQL gets {@link #websearch()}, the parse written back in that syntax with each word or phrase
 * quoted and cleaned of punctuation (as a record's text is), so the server reads exactly this parse; the
 * in-memory store turns the same parse into a Lucene query ({@link #lucene}). Words that are stop words of the
 * language drop out in both, as do groups and negations left empty by that.
 */
final class KeywordQuery {
    /** ASCII punctuation and white space, which an operand's text keeps only as single spaces between words. */
    private static final Pattern SEPARATORS = Pattern.compile("(?:" + KeywordText.PUNCTUATION + "|\\s)+");
    /** Characters that PostgreSQL's websearch syntax skips between words (its tsquery operators). */
    private static final String SKIPPED = "!&|()<:*";

    /** One word or quoted phrase, possibly negated; {@code text} is cleaned of ASCII punctuation. */
    record Operand(String text, boolean negated) {
    }

    private final String input;
    private final List<List<Operand>> groups;

    private KeywordQuery(String input, List<List<Operand>> groups) {
        this.input = input;
        this.groups = groups;
    }

    /**
     * Parses {@code keywords}.
     *
     * @throws IllegalArgumentException if they are blank (then there is nothing to rank by)
     */
    static KeywordQuery parse(String keywords) {
        Objects.requireNonNull(keywords, "keywords");
        if (keywords.isBlank()) {
            throw new IllegalArgumentException("keywords are blank: give at least one word, e.g. \"palm tree\", or "
                    + "search by vector alone");
        }
        List<List<Operand>> groups = new ArrayList<>();
        List<Operand> group = new ArrayList<>();
        int negations = 0;
        boolean afterOperand = false; // websearch_to_tsquery's WAITOPERATOR: only there is "or" an operator
        int i = 0;
        int n = keywords.length();
        while (i < n) {
            char c = keywords.charAt(i);
            if (Character.isWhitespace(c) || Character.isISOControl(c)) {
                i++;
            } else if (SKIPPED.indexOf(c) >= 0) {
                afterOperand = false;
                i++;
            } else if (c == '-') {
                negations++;
                afterOperand = false;
                i++;
            } else if (c == '"') {
                int close = keywords.indexOf('"', i + 1);
                int end = close < 0 ? n : close;
                add(group, keywords.substring(i + 1, end), negations);
                negations = 0;
                afterOperand = true;
                i = Math.min(n, end + 1);
            } else {
                int end = i;
                while (end < n && !isWordEnd(keywords.charAt(end))) {
                    end++;
                }
                String word = keywords.substring(i, end);
                if (afterOperand && word.equalsIgnoreCase("or")) {
                    groups.add(group);
                    group = new ArrayList<>();
                    afterOperand = false;
                } else {
                    add(group, word, negations);
                    negations = 0;
                    afterOperand = true;
                }
                i = end;
            }
        }
        groups.add(group);
        groups.removeIf(List::isEmpty);
        return new KeywordQuery(keywords, List.copyOf(groups.stream().map(List::copyOf).toList()));
    }

    private static boolean isWordEnd(char c) {
        return Character.isWhitespace(c) || Character.isISOControl(c) || c == '"' || SKIPPED.indexOf(c) >= 0;
    }

    /** Adds an operand unless it is empty once cleaned of punctuation (it would match nothing either way). */
    private static void add(List<Operand> group, String text, int negations) {
        String clean = SEPARATORS.matcher(text).replaceAll(" ").strip();
        if (!clean.isEmpty()) {
            group.add(new Operand(clean, negations % 2 == 1));
        }
    }

    /** Returns the keywords as given. */
    String input() {
        return input;
    }

    /** Returns the parse: groups joined by "or", each a list of operands that all must hold. */
    List<List<Operand>> groups() {
        return groups;
    }

    /** Returns the parse in websearch_to_tsquery's syntax, every operand quoted: what PostgreSQL is sent. */
    String websearch() {
        List<String> out = new ArrayList<>();
        for (List<Operand> group : groups) {
            List<String> operands = new ArrayList<>();
            for (Operand o : group) {
                operands.add((o.negated() ? "-\"" : "\"") + o.text() + "\"");
            }
            out.add(String.join(" ", operands));
        }
        return String.join(" or ", out);
    }

    /** Returns the parse as a Lucene query on {@code field}, its words analysed as the records' text is. */
    Query lucene(String field, Analyzer analyzer) {
        List<Query> alternatives = new ArrayList<>();
        for (List<Operand> group : groups) {
            BooleanQuery.Builder all = new BooleanQuery.Builder();
            boolean positive = false;
            boolean any = false;
            for (Operand o : group) {
                Query q = operandQuery(field, analyzer, o.text());
                if (q == null) {
                    continue; // only stop words
                }
                any = true;
                positive |= !o.negated();
                all.add(q, o.negated() ? Occur.MUST_NOT : Occur.MUST);
            }
            if (!any) {
                continue;
            }
            if (!positive) {
                all.add(new MatchAllDocsQuery(), Occur.MUST);
            }
            alternatives.add(all.build());
        }
        if (alternatives.isEmpty()) {
            return new MatchNoDocsQuery("the keywords hold only stop words");
        }
        if (alternatives.size() == 1) {
            return alternatives.get(0);
        }
        BooleanQuery.Builder any = new BooleanQuery.Builder();
        alternatives.forEach(q -> any.add(q, Occur.SHOULD));
        return any.build();
    }

    /** A term, a phrase (positions kept across stop words, as PostgreSQL's {@code <N>}), or null for none. */
    private static Query operandQuery(String field, Analyzer analyzer, String text) {
        List<String> terms = new ArrayList<>();
        List<Integer> positions = new ArrayList<>();
        try (TokenStream tokens = analyzer.tokenStream(field, text)) {
            CharTermAttribute term = tokens.addAttribute(CharTermAttribute.class);
            PositionIncrementAttribute increment = tokens.addAttribute(PositionIncrementAttribute.class);
            tokens.reset();
            int position = -1;
            while (tokens.incrementToken()) {
                position += increment.getPositionIncrement();
                terms.add(term.toString());
                positions.add(position);
            }
            tokens.end();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot analyse the keywords: " + e.getMessage(), e);
        }
        if (terms.isEmpty()) {
            return null;
        }
        if (terms.size() == 1) {
            return new TermQuery(new Term(field, terms.get(0)));
        }
        PhraseQuery.Builder phrase = new PhraseQuery.Builder();
        int first = positions.get(0);
        for (int t = 0; t < terms.size(); t++) {
            phrase.add(new Term(field, terms.get(t)), positions.get(t) - first);
        }
        return phrase.build();
    }

    @Override
    public String toString() {
        return websearch();
    }
}
