package visionsearch.index;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import visionsearch.embed.Embedder;
import visionsearch.embed.ImageInput;
import visionsearch.store.HybridHit;
import visionsearch.store.RankFusion;
import visionsearch.store.SearchHit;
import visionsearch.store.VectorStore;
import visionsearch.vector.Vectors;

/**
 * Turns a {@link Query} into one vector and searches a store with it: each part is embedded once with the
 * store's embedder (an item part takes the vector stored for it), made unit length, multiplied by its weight,
 * and the sum normalised. With keywords the search is hybrid ({@link VectorStore#hybridSearch}), otherwise by
 * vector alone; either way each hit says its ranks.
 *
 * <p>Every part is checked before any call, so a query the embedder cannot serve (text with the image-feature
 * embedder, an item that is not stored) fails naming that part and costs nothing. It neither owns nor closes
 * the embedder or the store.
 */
public final class QueryCombiner {
    private final Embedder embedder;
    private final VectorStore store;

    private QueryCombiner(Embedder embedder, VectorStore store) {
        this.embedder = embedder;
        this.store = store;
    }

    /**
     * Combines queries with {@code embedder} for searches in {@code store}.
     *
     * A part whose vector comes from another model than the store's is refused when it is embedded.
     */
    public static QueryCombiner of(Embedder embedder, VectorStore store) {
        Objects.requireNonNull(embedder, "embedder");
        Objects.requireNonNull(store, "store");
        return new QueryCombiner(embedder, store);
    }

    /**
     * Embeds each part once and combines them.
     *
     * @throws IllegalArgumentException      if the query has no parts, names an item the store does not hold, or
     *                                       its parts cancel out
     * @throws UnsupportedOperationException if it has a text part and the embedder reads no text (the message
     *                                       names the part)
     */
    public CombinedQuery combine(Query query) {
        Objects.requireNonNull(query, "query");
        List<Query.Part> parts = query.parts();
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("the query has no parts: add a text, an image or an item (keywords alone "
                    + "rank nothing by vector)");
        }
        Map<Query.Part, float[]> stored = new HashMap<>();
        for (int i = 0; i < parts.size(); i++) {
            Query.Part p = parts.get(i);
            if (p.kind() == Query.Kind.TEXT && !embedder.supportsText()) {
                throw new UnsupportedOperationException("part " + (i + 1) + " of the query (" + p.describe() + ") is text, "
                        + "but the " + embedder.modelId() + " embedder embeds images only; use image or item parts, or "
                        + "set VISION_KEY (Azure) or download a CLIP model (vision-search model download) and index with it");
            }
            if (p.kind() == Query.Kind.ITEM) {
                int n = i + 1;
                stored.put(p, store.vector(p.value()).orElseThrow(() -> new IllegalArgumentException("part " + n
                        + " of the query (" + p.describe() + ") names no stored item; use an id the store holds "
                        + "(its items() list them)")));
            }
        }
        Map<String, float[]> embedded = new HashMap<>(); // "kind:value" -> unit vector, so a repeated part is one call
        int calls = 0;
        List<CombinedQuery.EmbeddedPart> out = new ArrayList<>();
        float[] sum = new float[store.dimensions()];
        for (Query.Part p : parts) {
            String key = p.kind() + ":" + p.value();
            float[] unit = embedded.get(key);
            if (unit == null) {
                float[] raw = switch (p.kind()) {
                    case TEXT -> sameModel(embedder.embedText(p.value()), p);
                    case IMAGE -> sameModel(embedder.embedImage(image(p.value())), p);
                    case ITEM -> stored.get(p);
                };
                calls += p.kind() == Query.Kind.ITEM ? 0 : 1;
                unit = unit(raw, p);
                embedded.put(key, unit);
            }
            out.add(new CombinedQuery.EmbeddedPart(p, unit));
            for (int d = 0; d < sum.length; d++) {
                sum[d] += (float) (p.weight() * unit[d]);
            }
        }
        double norm = Vectors.norm(sum);
        if (norm < 1e-6) {
            throw new IllegalArgumentException("the parts of the query cancel out (their weighted sum is the zero vector): "
                    + "change a weight or add a part");
        }
        return new CombinedQuery(query, out, Vectors.normalize(sum), calls);
    }

    /** Returns up to {@code k} hits for {@code query}, with no filter and {@link RankFusion#rrf()}. */
    public List<HybridHit> search(Query query, int k) {
        return search(query, k, Map.of(), RankFusion.rrf());
    }

    /**
     * Returns up to {@code k} hits for {@code query} among records whose metadata contains {@code filter}: fused
     * with its keywords by {@code fusion} if it has keywords, else by vector alone (ranks as {@code fusion} with
     * the keyword weight 0 would give).
     */
    public List<HybridHit> search(Query query, int k, Map<String, String> filter, RankFusion fusion) {
        Objects.requireNonNull(filter, "filter");
        Objects.requireNonNull(fusion, "fusion");
        if (!query.hasKeywords() && fusion.vectorWeight() == 0) {
            throw new IllegalArgumentException("the query has no keywords and the fusion gives the vector ranking weight "
                    + "0, so nothing would rank: add keywords, or give the vector a positive weight");
        }
        float[] vector = combine(query).vector();
        if (query.hasKeywords()) {
            return store.hybridSearch(vector, query.keywords(), k, filter, fusion);
        }
        List<SearchHit> hits = store.search(vector, k, filter);
        return HybridHit.vectorOnly(hits, fusion);
    }

    /** Returns the embedder used. */
    public Embedder embedder() {
        return embedder;
    }

    /** Returns the store searched. */
    public VectorStore store() {
        return store;
    }

    private static ImageInput image(String pathOrUrl) {
        return pathOrUrl.startsWith("http://") || pathOrUrl.startsWith("https://") ? ImageInput.ofUrl(pathOrUrl)
                : ImageInput.of(Path.of(pathOrUrl));
    }

    /** The part's vector, if its model is the store's (an embedder's model is known for sure only from its answers). */
    private float[] sameModel(visionsearch.embed.Embedding e, Query.Part p) {
        if (!e.modelId().equals(store.modelId())) {
            throw new IllegalArgumentException(p.describe() + " was embedded by " + e.modelId() + ", but the store holds "
                    + store.modelId() + " vectors; use the embedder that filled the store, or another collection");
        }
        return e.vector();
    }

    private float[] unit(float[] v, Query.Part p) {
        if (v.length != store.dimensions()) {
            throw new IllegalArgumentException(p.describe() + " has " + v.length + " dimensions, the store "
                    + store.dimensions());
        }
        double norm = Vectors.norm(v);
        if (!(norm > 0)) {
            throw new IllegalArgumentException("the vector of " + p.describe() + " is zero; it has no direction to add");
        }
        return Vectors.normalize(v);
    }
}
