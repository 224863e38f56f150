/**
 * Vector stores bound to one model and dimension: exact in-memory search (the embedded default, optionally
 * saved to one checksummed file) and PostgreSQL + pgvector (HNSW / IVFFlat, binary COPY loading, Citus
 * distribution).
 *
 * <pre>{@code
 * try (InMemoryVectorStore store = InMemoryVectorStore.open(Path.of("images.vec"), "clip:ViT-B-32", 512, Distance.COSINE)) {
 *     store.upsert(new VectorRecord("cat-1", "images/cat-1.png", Map.of("theme", "cats"), sha, vector));
 *     List<SearchHit> hits = store.search(query, 10, Map.of("theme", "cats"));
 *     store.save();
 * }
 * try (PgVectorStore store = PgVectorStore.builder(System.getenv("DATABASE_URL")).collection("images")
 *         .model("clip:ViT-B-32", 512).index(IndexSpec.hnsw(16, 64)).build()) {
 *     List<SearchHit> hits = store.search(query, 10, Map.of(), SearchOptions.efSearch(100));
 * }
 * }</pre>
 *
 * <p>{@link visionsearch.store.VectorStores#open} picks PostgreSQL when a database URL is given, else memory.
 * Both stores also rank by keywords fused with the vector ranking
 * ({@link visionsearch.store.VectorStore#hybridSearch}, {@link visionsearch.store.RankFusion}): BM25 with Lucene in
 * memory, a {@code tsvector} column with a GIN index in PostgreSQL, the same matches and the same fusion.
 */
package visionsearch.store;
