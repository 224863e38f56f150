/**
 * Vector stores bound to one model and dimension: exact in-memory search (the embedded default)
 * and PostgreSQL + pgvector (HNSW / IVFFlat, COPY loading, Citus distribution).
 *
 * <pre>{@code
 * try (VectorStore store = InMemoryVectorStore.create("clip:ViT-B-32", 512, Distance.COSINE)) {
 *     store.upsert(new VectorRecord("cat-1", "images/cat-1.png", Map.of("theme", "cats"), sha, vector));
 *     List<SearchHit> hits = store.search(query, 10, Map.of("theme", "cats"));
 * }
 * }</pre>
 */
package visionsearch.store;
