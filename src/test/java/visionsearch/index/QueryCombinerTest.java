package visionsearch.index;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import visionsearch.embed.Embedder;
import visionsearch.embed.Embedding;
import visionsearch.embed.EmbeddingCache;
import visionsearch.embed.ImageInput;
import visionsearch.embed.features.ImageFeatureEmbedder;
import visionsearch.store.Distance;
import visionsearch.store.HybridHit;
import visionsearch.store.InMemoryVectorStore;
import visionsearch.store.RankFusion;
import visionsearch.store.VectorRecord;

/** Query algebra on known vectors: what each part adds, once per part, and errors that name the part. */
class QueryCombinerTest {
    static final Path BEACH = Path.of("images/beach-01.png");
    static final Path CITY = Path.of("images/city-01.png");

    /** Known, deliberately not unit-length vectors for a few texts and the two images; counts every call. */
    static final class KnownEmbedder implements Embedder {
        final Map<String, float[]> vectors = new HashMap<>(Map.of(
                "sea", new float[] {3, 0, 0, 0},
                "people", new float[] {0, 2, 0, 0},
                "night", new float[] {0, 0, 5, 0},
                "beach-01.png", new float[] {1, 1, 0, 0},
                "city-01.png", new float[] {0, 0, 1, 1}));
        final AtomicInteger calls = new AtomicInteger();
        final boolean text;

        KnownEmbedder(boolean text) {
            this.text = text;
        }

        @Override
        public Embedding embedImage(ImageInput image) {
            calls.incrementAndGet();
            return new Embedding(vectors.get(Path.of(image.source()).getFileName().toString()), modelId());
        }

        @Override
        public Embedding embedText(String t) {
            calls.incrementAndGet();
            return new Embedding(vectors.get(t), modelId());
        }

        @Override
        public boolean supportsText() {
            return text;
        }

        @Override
        public String modelId() {
            return "test:known";
        }

        @Override
        public int dimensions() {
            return 4;
        }

        @Override
        public void close() {
        }
    }

    static InMemoryVectorStore store() {
        InMemoryVectorStore store = InMemoryVectorStore.create("test:known", 4, Distance.COSINE);
        store.upsert(List.of(
                new VectorRecord("sea-and-sand", "a.png", Map.of("caption", "sea and sand"), "", new float[] {1, 0, 0, 0.1f}),
                new VectorRecord("crowd", "b.png", Map.of("caption", "a crowd"), "", new float[] {0, 1, 0, 0}),
                new VectorRecord("crowded-beach", "c.png", Map.of("caption", "a crowded beach, palm"), "",
                        new float[] {1, 1, 0, 0}),
                new VectorRecord("night-city", "d.png", Map.of("caption", "city at night"), "", new float[] {0, 0, 4, 4})));
        return store;
    }

    static float[] unit(float... v) {
        double n = 0;
        for (float x : v) {
            n += x * x;
        }
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (float) (v[i] / Math.sqrt(n));
        }
        return out;
    }

    @Test
    void partsAreAddedAsUnitVectorsTimesTheirWeightsThenNormalised() {
        KnownEmbedder embedder = new KnownEmbedder(true);
        try (InMemoryVectorStore store = store()) {
            QueryCombiner combiner = QueryCombiner.of(embedder, store);
            // sea (3,0,0,0) -> (1,0,0,0); people (0,2,0,0) -> (0,1,0,0); beach image (1,1,0,0) -> (.707,.707,0,0)
            CombinedQuery q = combiner.combine(Query.text("sea").plusImage(BEACH).minusText("people"));
            float s = (float) Math.sqrt(0.5);
            assertArrayEquals(unit(1 + s, s - 1, 0, 0), q.vector(), 1e-6f);
            assertArrayEquals(new float[] {1, 0, 0, 0}, q.parts().get(0).vector(), 1e-6f, "each part made unit length");
            assertArrayEquals(unit(0.5f, 1, 0, 0), combiner.combine(Query.text("sea", 0.5).plusText("people")).vector(), 1e-6f);
            assertArrayEquals(unit(0, 0, 1, 0), combiner.combine(Query.text("night")).vector(), 1e-6f, "one part: its unit vector");
            assertEquals(3, q.calls());
        }
    }

    @Test
    void whatEachPartDoesShowsInTheRanking() {
        try (InMemoryVectorStore store = store()) {
            QueryCombiner combiner = QueryCombiner.of(new KnownEmbedder(true), store);
            assertEquals("crowded-beach", combiner.search(Query.image(BEACH), 1).get(0).id());
            assertEquals("sea-and-sand", combiner.search(Query.image(BEACH).minusText("people"), 1).get(0).id(),
                    "minus people moves the query from the crowded beach to the empty one");
            assertEquals("crowd", combiner.search(Query.image(BEACH).minusText("sea"), 1).get(0).id());
            assertEquals("night-city", combiner.search(Query.image(BEACH).plusImage(CITY, 2), 1).get(0).id());
            List<HybridHit> hybrid = combiner.search(Query.text("sea").keywords("palm"), 4);
            assertEquals(List.of("crowded-beach", "sea-and-sand"), hybrid.subList(0, 2).stream().map(HybridHit::id).toList(),
                    "second by vector, first by keyword: 1/62 + 1/61 beats 1/61");
            assertEquals(List.of(2, 1), List.of(hybrid.get(0).vectorRank(), hybrid.get(0).keywordRank()));
            List<HybridHit> vectorOnly = combiner.search(Query.text("sea"), 4);
            assertEquals(List.of(1, 2, 3, 3), vectorOnly.stream().map(HybridHit::vectorRank).toList(),
                    "equal similarities share a rank (crowd and night-city are both orthogonal to sea)");
            assertEquals(1.0 / 61, vectorOnly.get(0).fused(), 1e-15);
        }
    }

    @Test
    void eachPartIsEmbeddedOnceAndCachedPartsCostNoCall(@TempDir Path dir) {
        KnownEmbedder inner = new KnownEmbedder(true);
        Query q = Query.text("sea").plusImage(BEACH).minusText("people").plusText("sea", 0.5).plusImage(BEACH, -0.25);
        try (InMemoryVectorStore store = store(); EmbeddingCache cache = EmbeddingCache.open(dir.resolve("e.cache"))) {
            Embedder cached = cache.wrap(inner);
            CombinedQuery first = QueryCombiner.of(cached, store).combine(q);
            assertEquals(3, first.calls(), "sea, the beach image and people: three distinct parts of five");
            assertEquals(3, inner.calls.get());
            CombinedQuery again = QueryCombiner.of(cached, store).combine(q);
            assertEquals(3, inner.calls.get(), "all three answered by the cache");
            assertArrayEquals(first.vector(), again.vector());
        }
    }

    @Test
    void anItemPartUsesTheStoredVectorWithoutACall() {
        KnownEmbedder embedder = new KnownEmbedder(true);
        try (InMemoryVectorStore store = store()) {
            CombinedQuery q = QueryCombiner.of(embedder, store).combine(Query.item("night-city").minusItem("crowd"));
            assertArrayEquals(unit(0, -1, (float) Math.sqrt(0.5), (float) Math.sqrt(0.5)), q.vector(), 1e-6f);
            assertEquals(0, q.calls());
            assertEquals(0, embedder.calls.get());
            IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                    () -> QueryCombiner.of(embedder, store).combine(Query.text("sea").plusItem("no-such-id")));
            assertEquals("part 2 of the query (+ item no-such-id) names no stored item; use an id the store holds "
                    + "(its items() list them)", missing.getMessage());
            assertEquals(0, embedder.calls.get(), "checked before any call");
        }
    }

    @Test
    void textWithAnImageOnlyEmbedderNamesThePartAndCostsNothing() {
        ImageFeatureEmbedder features = ImageFeatureEmbedder.create();
        try (InMemoryVectorStore store = InMemoryVectorStore.create(features.modelId(), features.dimensions(), Distance.COSINE)) {
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                    () -> QueryCombiner.of(features, store).combine(Query.image(BEACH).minusText("people")));
            assertTrue(e.getMessage().startsWith("part 2 of the query (- text \"people\") is text, but the "
                    + features.modelId() + " embedder embeds images only"), e.getMessage());
            assertTrue(e.getMessage().contains("vision-search model download"), e.getMessage());
        }
        KnownEmbedder imagesOnly = new KnownEmbedder(false);
        try (InMemoryVectorStore store = store()) {
            assertThrows(UnsupportedOperationException.class,
                    () -> QueryCombiner.of(imagesOnly, store).combine(Query.image(BEACH).plusText("sea")));
            assertEquals(0, imagesOnly.calls.get(), "the image part was not embedded either");
        }
    }

    @Test
    void badQueriesSayWhatToDo() {
        try (InMemoryVectorStore store = store()) {
            QueryCombiner combiner = QueryCombiner.of(new KnownEmbedder(true), store);
            assertTrue(assertThrows(IllegalArgumentException.class, () -> combiner.combine(Query.none().keywords("palm")))
                    .getMessage().contains("the query has no parts"));
            assertTrue(assertThrows(IllegalArgumentException.class,
                    () -> combiner.combine(Query.text("sea").minusText("sea"))).getMessage().contains("cancel out"));
            assertTrue(assertThrows(IllegalArgumentException.class,
                    () -> combiner.search(Query.text("sea"), 3, Map.of(), RankFusion.rrf().withWeights(0, 1)))
                    .getMessage().contains("nothing would rank"));
            assertThrows(IllegalArgumentException.class, () -> Query.text(" "));
            assertThrows(IllegalArgumentException.class, () -> Query.text("sea", 0));
            assertThrows(IllegalArgumentException.class, () -> Query.text("sea", Double.NaN));
        }
        try (InMemoryVectorStore other = InMemoryVectorStore.create("test:other", 4, Distance.COSINE)) {
            assertThrows(IllegalArgumentException.class,
                    () -> QueryCombiner.of(new KnownEmbedder(true), other).combine(Query.text("sea")));
        }
    }

    @Test
    void describeSaysHowTheQueryIsBuilt() {
        Query q = Query.text("a beach").plusImage(BEACH, 0.5).minusText("people").plusItem("x1").keywords(" palm -city ");
        assertEquals(String.join(System.lineSeparator(), "+ text \"a beach\"", "+ 0.50 image " + BEACH, "- text \"people\"",
                "+ item x1", "keywords: palm -city", ""), q.describe());
        assertEquals(List.of("+ text \"a beach\"", "+ 0.50 beach-01.png", "- text \"people\"", "+ item x1"),
                q.parts().stream().map(Query.Part::label).toList());
        assertEquals(q, Query.text("a beach").plusImage(BEACH, 0.5).minusText("people").plusItem("x1").keywords("palm -city"));
    }
}
