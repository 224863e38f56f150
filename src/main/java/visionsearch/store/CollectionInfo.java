package visionsearch.store;

import java.util.Map;

/**
 * What a PostgreSQL database holds for one collection, as {@code vision-search collections} shows it.
 *
 * @param collection  the collection (table) name
 * @param modelId     the model whose vectors it holds
 * @param dimensions  the vectors' dimension
 * @param distance    the distance it ranks by
 * @param vectorType  float32 {@code vector} or float16 {@code halfvec}
 * @param rows        its rows, or -1 when its table is missing
 * @param index       its vector index, e.g. {@code hnsw (m=16, ef_construction=64)}, or {@code none}
 * @param sizeBytes   the table's size with indexes and TOAST, summed over all shards on Citus
 * @param distributed true if Citus distributes it
 * @param shards      its Citus shards, 0 for an ordinary table
 * @param rowsPerNode on Citus, rows per node ({@code host:port}) that holds its shards; empty otherwise
 */
public record CollectionInfo(String collection, String modelId, int dimensions, Distance distance,
                             VectorType vectorType, long rows, String index, long sizeBytes, boolean distributed,
                             int shards, Map<String, Long> rowsPerNode) {

    /** Copies the map. */
    public CollectionInfo {
        rowsPerNode = Map.copyOf(rowsPerNode);
    }
}
