package visionsearch.store;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A collection of vectors of one model and one dimension, searchable by similarity.
 *
 * <p>A store is bound to {@link #modelId()} and {@link #dimensions()} when created and refuses
 * vectors of any other dimension, and opening it for another model, with an error naming both.
 * Implementations: {@link InMemoryVectorStore} (exact, the embedded default) and
 * {@link PgVectorStore} (PostgreSQL + pgvector, optionally distributed with Citus).
 */
public interface VectorStore extends AutoCloseable {

    /** Returns the id of the model whose vectors this store holds. */
    String modelId();

    /** Returns the dimension of every vector in this store. */
    int dimensions();

    /** Returns the distance used for ranking. */
    Distance distance();

    /** Inserts or replaces (by id) the given records, all or nothing. */
    void upsert(List<VectorRecord> records);

    /** Inserts or replaces one record. */
    default void upsert(VectorRecord record) {
        upsert(List.of(record));
    }

    /**
     * Returns up to {@code k} hits most similar to {@code query}, best first, among records whose
     * metadata contains every entry of {@code filter} (empty filter: all records).
     */
    List<SearchHit> search(float[] query, int k, Map<String, String> filter);

    /** Returns up to {@code k} hits most similar to {@code query}, best first. */
    default List<SearchHit> search(float[] query, int k) {
        return search(query, k, Map.of());
    }

    /**
     * Returns up to {@code k} hits ranked by fusing two rankings of the records that pass {@code filter}: by
     * similarity to {@code query}, and by how well their text (file name, caption and other metadata) matches
     * {@code keywords}, with Reciprocal Rank Fusion as {@code fusion} says. Keywords take the syntax of a search
     * box: all words must match, {@code "a phrase"}, {@code or}, {@code -word}; other characters only separate
     * words, so any input is safe. Both stores parse, stem and match keywords the same way (PostgreSQL ranks
     * matches with {@code ts_rank}, the in-memory store with BM25) and fuse identically, ties included.
     *
     * @throws IllegalArgumentException if {@code keywords} are blank, {@code k} is not positive, or the query's
     *                                  dimension differs from the store's
     */
    List<HybridHit> hybridSearch(float[] query, String keywords, int k, Map<String, String> filter, RankFusion fusion);

    /** Returns up to {@code k} hits by vector and keywords, fused with {@link RankFusion#rrf()}. */
    default List<HybridHit> hybridSearch(float[] query, String keywords, int k) {
        return hybridSearch(query, keywords, k, Map.of(), RankFusion.rrf());
    }

    /** Deletes the record with {@code id}; returns true if one was there. */
    boolean delete(String id);

    /** Returns the number of records. */
    long count();

    /**
     * Returns the vector stored for {@code id}, if the store can give it back (used to search by an
     * image already stored without embedding it again). The default gives nothing; stores that keep
     * only normalised copies may return those, which rank the same under {@link Distance#COSINE}.
     */
    default Optional<float[]> vector(String id) {
        return Optional.empty();
    }

    /** Returns the content hashes of all records (used to skip images already indexed). */
    Set<String> contentHashes();

    /**
     * Returns the id, path and content hash of every record, without vectors or metadata (used to
     * find the records of images that were edited, moved or deleted since they were indexed).
     */
    List<StoredItem> items();

    /**
     * What a store holds for one record besides its vector and metadata.
     *
     * @param id            the record's id
     * @param path          the record's path
     * @param contentSha256 the record's content hash ("" if none was given)
     */
    record StoredItem(String id, String path, String contentSha256) {
    }

    /** Releases connections or files; use after close throws {@link IllegalStateException}. */
    @Override
    void close();
}
