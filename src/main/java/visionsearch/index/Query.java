package visionsearch.index;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A search query of several parts, each a text prompt, an image (file or http(s) URL) or a stored item, with a
 * weight (negative: subtract it), plus optional keywords for hybrid ranking. An immutable value: each method
 * returns a new query.
 *
 * <pre>{@code
 * Query q = Query.text("a beach").plusImage(Path.of("photo.png")).minusText("people").keywords("palm");
 * List<HybridHit> hits = QueryCombiner.of(embedder, store).search(q, 10);
 * }</pre>
 *
 * <p>{@link QueryCombiner} embeds each part once, adds the unit-length vectors times their weights and
 * normalises the sum, the "a beach + this photo - people" of rclip.
 */
public final class Query {
    /** What a part holds. */
    public enum Kind {
        /** A text prompt (needs an embedder that reads text). */
        TEXT,
        /** An image file path or http(s) URL. */
        IMAGE,
        /** The id of a record already in the store: its stored vector is used. */
        ITEM
    }

    /**
     * One part of a query.
     *
     * @param kind   what {@code value} is
     * @param value  the prompt, the image path or URL, or the item id
     * @param weight how much of it to add (negative: to subtract); finite and not 0
     */
    public record Part(Kind kind, String value, double weight) {
        /** Checks the components. */
        public Part {
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(value, "value");
            if (value.isBlank()) {
                throw new IllegalArgumentException("a " + kind.name().toLowerCase(Locale.ROOT) + " part must not be blank");
            }
            if (!Double.isFinite(weight) || weight == 0) {
                throw new IllegalArgumentException("the weight of " + kind.name().toLowerCase(Locale.ROOT) + " part '" + value
                        + "' must be a finite number other than 0, got " + weight);
            }
        }

        /** Returns the part as the CLI prints it, e.g. {@code + text "a beach"} or {@code - 0.5 image x.png}. */
        public String describe() {
            double w = Math.abs(weight);
            String amount = w == 1 ? "" : String.format(Locale.ROOT, "%.2f ", w);
            String what = kind == Kind.TEXT ? "text \"" + value + "\"" : kind.name().toLowerCase(Locale.ROOT) + " " + value;
            return (weight > 0 ? "+ " : "- ") + amount + what;
        }

        /** Returns a short label for a map: like {@link #describe()} with an image's file name instead of its path. */
        public String label() {
            if (kind != Kind.IMAGE) {
                return describe();
            }
            String name = value.substring(Math.max(value.lastIndexOf('/'), value.lastIndexOf('\\')) + 1);
            return new Part(kind, name.isEmpty() ? value : name, weight).describe().replace("image ", "");
        }
    }

    private final List<Part> parts;
    private final String keywords;

    private Query(List<Part> parts, String keywords) {
        this.parts = List.copyOf(parts);
        this.keywords = keywords;
    }

    /** Returns a query of one text prompt. */
    public static Query text(String text) {
        return none().plusText(text);
    }

    /** Returns a query of one text prompt with {@code weight}. */
    public static Query text(String text, double weight) {
        return none().plusText(text, weight);
    }

    /** Returns a query of one image file. */
    public static Query image(Path image) {
        return none().plusImage(image);
    }

    /** Returns a query of one stored item (by id). */
    public static Query item(String id) {
        return none().plusItem(id);
    }

    /** Returns a query with no parts and no keywords, to add to. */
    public static Query none() {
        return new Query(List.of(), "");
    }

    /** Returns this query plus the part. */
    public Query plus(Part part) {
        List<Part> more = new ArrayList<>(parts);
        more.add(Objects.requireNonNull(part, "part"));
        return new Query(more, keywords);
    }

    /** Adds a text prompt with weight 1. */
    public Query plusText(String text) {
        return plusText(text, 1);
    }

    /** Adds a text prompt with {@code weight}. */
    public Query plusText(String text, double weight) {
        return plus(new Part(Kind.TEXT, text, weight));
    }

    /** Subtracts a text prompt with weight 1. */
    public Query minusText(String text) {
        return plusText(text, -1);
    }

    /** Adds an image file with weight 1. */
    public Query plusImage(Path image) {
        return plusImage(image, 1);
    }

    /** Adds an image file with {@code weight}. */
    public Query plusImage(Path image, double weight) {
        return plus(new Part(Kind.IMAGE, Objects.requireNonNull(image, "image").toString(), weight));
    }

    /** Adds an image by file path or http(s) URL, as the command line takes it, with {@code weight}. */
    public Query plusImage(String pathOrUrl, double weight) {
        return plus(new Part(Kind.IMAGE, pathOrUrl, weight));
    }

    /** Subtracts an image file with weight 1. */
    public Query minusImage(Path image) {
        return plusImage(image, -1);
    }

    /** Adds a stored item's vector with weight 1. */
    public Query plusItem(String id) {
        return plusItem(id, 1);
    }

    /** Adds a stored item's vector with {@code weight}. */
    public Query plusItem(String id, double weight) {
        return plus(new Part(Kind.ITEM, id, weight));
    }

    /** Subtracts a stored item's vector with weight 1. */
    public Query minusItem(String id) {
        return plusItem(id, -1);
    }

    /**
     * Returns this query with keywords for hybrid ranking (search-box syntax: words, {@code "phrases"},
     * {@code or}, {@code -word}); blank removes them.
     */
    public Query keywords(String keywords) {
        return new Query(parts, Objects.requireNonNull(keywords, "keywords").strip());
    }

    /** Returns the parts, in the order added. */
    public List<Part> parts() {
        return parts;
    }

    /** Returns the keywords, or "" for none. */
    public String keywords() {
        return keywords;
    }

    /** Returns true if the query has keywords (and so is ranked by vector and keywords fused). */
    public boolean hasKeywords() {
        return !keywords.isEmpty();
    }

    /** Returns how the query is built, one part per line, then the keywords if any. */
    public String describe() {
        StringBuilder out = new StringBuilder();
        for (Part p : parts) {
            out.append(p.describe()).append(System.lineSeparator());
        }
        if (hasKeywords()) {
            out.append("keywords: ").append(keywords).append(System.lineSeparator());
        }
        return out.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Query q && parts.equals(q.parts) && keywords.equals(q.keywords);
    }

    @Override
    public int hashCode() {
        return Objects.hash(parts, keywords);
    }

    @Override
    public String toString() {
        return "Query" + parts + (hasKeywords() ? " keywords=" + keywords : "");
    }
}
