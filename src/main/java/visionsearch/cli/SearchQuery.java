package visionsearch.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import visionsearch.embed.Embedder;
import visionsearch.index.Query;
import visionsearch.store.HybridHit;
import visionsearch.store.RankFusion;

/**
 * The query of {@code vision-search search}: its {@code --text}, {@code --image}, {@code --minus-text},
 * {@code --minus-image} and {@code --keyword} options checked and made into a {@link Query}, how it was built
 * for the console, and the table of hybrid hits.
 */
final class SearchQuery {
    private SearchQuery() {
    }

    /**
     * Builds the query: texts and images added, minus-texts and minus-images subtracted (weight 1 each, in that
     * order), keywords joined by spaces.
     *
     * @throws IllegalArgumentException for a combination that cannot search, saying what to add
     */
    static Query build(List<String> texts, List<String> images, List<String> minusTexts, List<String> minusImages,
                       List<String> keywords) {
        if (texts.isEmpty() && images.isEmpty()) {
            String what = !minusTexts.isEmpty() || !minusImages.isEmpty()
                    ? "--minus-text and --minus-image subtract from a query, so add at least one --text or --image"
                    : !keywords.isEmpty()
                    ? "--keyword ranks by words together with a vector, so add --text or --image (e.g. --image "
                    + "photo.png --keyword palm)"
                    : "give --text \"...\" or --image FILE (repeatable; --minus-text and --minus-image subtract)";
            throw new IllegalArgumentException("nothing to search with: " + what);
        }
        Query q = Query.none();
        for (String t : texts) {
            q = q.plusText(nonBlank("--text", t), 1);
        }
        for (String i : images) {
            q = q.plusImage(nonBlank("--image", i), 1);
        }
        for (String t : minusTexts) {
            q = q.plusText(nonBlank("--minus-text", t), -1);
        }
        for (String i : minusImages) {
            q = q.plusImage(nonBlank("--minus-image", i), -1);
        }
        for (String k : keywords) {
            nonBlank("--keyword", k);
        }
        return q.keywords(String.join(" ", keywords));
    }

    private static String nonBlank(String option, String value) {
        if (value.isBlank()) {
            throw new IllegalArgumentException(option + " is blank: give it a value, e.g. " + option
                    + (option.contains("image") ? " photo.png" : " \"a red bicycle\""));
        }
        return value;
    }

    /** Throws, naming the option and value, if the query has text and the embedder reads no text. */
    static void requireText(Query q, Embedder embedder, String reason) {
        for (Query.Part p : q.parts()) {
            if (p.kind() == Query.Kind.TEXT && !embedder.supportsText()) {
                throw new IllegalArgumentException("the " + embedder.modelId() + " embedder (" + reason + ") cannot embed "
                        + "text, so " + (p.weight() > 0 ? "--text" : "--minus-text") + " \"" + p.value() + "\" cannot be "
                        + "used; search with --image FILE (and --minus-image), or set VISION_KEY (Azure) or download a "
                        + "CLIP model (`vision-search model download`) and index again with it");
            }
        }
    }

    /** Returns how the query was built, for the console: one line per part, then the keywords and the fusion. */
    static String describe(Query q, RankFusion fusion) {
        StringBuilder out = new StringBuilder();
        String prefix = "query: ";
        for (Query.Part p : q.parts()) {
            out.append(prefix).append(p.describe()).append(System.lineSeparator());
            prefix = "       ";
        }
        if (q.hasKeywords()) {
            out.append("keywords: ").append(q.keywords()).append(" (hybrid: ").append(fusion.describe()).append(')')
                    .append(System.lineSeparator());
        }
        return out.toString();
    }

    /** Formats hybrid hits: rank, score, vector rank, keyword rank ("-": not in that list), fused score, path, caption. */
    static String table(List<HybridHit> hits) {
        if (hits.isEmpty()) {
            return "no matching images (check --filter, or index a folder first)" + System.lineSeparator();
        }
        int pathWidth = "path".length();
        String[][] rows = new String[hits.size()][];
        for (int i = 0; i < hits.size(); i++) {
            HybridHit h = hits.get(i);
            String path = shortPath(h.path());
            String caption = h.metadata().getOrDefault("caption", "");
            caption = caption.length() > 60 ? caption.substring(0, 57) + "..." : caption;
            rows[i] = new String[] {String.valueOf(i + 1), String.format(Locale.ROOT, "%.4f", h.score()), rank(h.vectorRank()),
                rank(h.keywordRank()), String.format(Locale.ROOT, "%.5f", h.fused()), path, caption};
            pathWidth = Math.max(pathWidth, path.length());
        }
        String format = "%4s  %8s  %6s  %7s  %7s  %-" + pathWidth + "s  %s%n";
        StringBuilder out = new StringBuilder(String.format(format, "rank", "score", "vector", "keyword", "fused", "path",
                "caption"));
        for (String[] row : rows) {
            out.append(String.format(format, (Object[]) row));
        }
        return out.toString();
    }

    private static String rank(int r) {
        return r == 0 ? "-" : String.valueOf(r);
    }

    /** A path relative to the working directory when inside it; URLs as they are. */
    static String shortPath(String path) {
        try {
            Path p = Path.of(path);
            Path cwd = Path.of("").toAbsolutePath();
            return p.isAbsolute() && p.startsWith(cwd) ? cwd.relativize(p).toString() : path;
        } catch (RuntimeException e) {
            return path;
        }
    }
}
