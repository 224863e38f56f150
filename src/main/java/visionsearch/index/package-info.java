/**
 * Indexing a folder of images into a {@link visionsearch.store.VectorStore} and searching it by
 * text or by example image.
 *
 * <p>{@link visionsearch.index.Indexer} is one streaming pipeline: it walks a folder (recursively,
 * images recognised by their content, not their extension), skips images the store already holds
 * (by SHA-256 of the bytes) without any call, embeds the rest with a bounded number of calls in
 * flight and writes the answers to the store in groups as they arrive. Record ids are the content
 * hash, so an interrupted run can simply be started again: nothing is lost and nothing is
 * duplicated; with an {@link visionsearch.embed.EmbeddingCache} in front, the rerun pays only for the
 * calls that were in flight. {@link visionsearch.index.ImageSearch} embeds a query with the same
 * embedder (or takes a stored image's own vector) and asks the store for the nearest images.
 * {@link visionsearch.index.Query} holds several parts (texts, images, stored items, weighted, plus or
 * minus) and optional keywords; {@link visionsearch.index.QueryCombiner} embeds each part once, combines
 * them and searches, hybrid when there are keywords.
 *
 * <pre>{@code
 * IndexSummary summary = Indexer.builder(embedder, store).build().index(Path.of("images"));
 * System.out.println(summary.describe());
 * List<SearchHit> hits = ImageSearch.of(embedder, store).byText("a red bicycle by the sea", 5);
 * List<HybridHit> more = QueryCombiner.of(embedder, store)
 *         .search(Query.image(Path.of("photo.png")).minusText("people").keywords("palm"), 5);
 * }</pre>
 */
package visionsearch.index;
