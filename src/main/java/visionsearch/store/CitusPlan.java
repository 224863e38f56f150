package visionsearch.store;

/**
 * What opening a collection does about Citus, decided from what the catalog says (no database access here, so
 * every case is a plain unit test).
 *
 * @param distributed          the store behaves as a distributed one (settings sent to the shards, writers retried)
 * @param referenceMetadata    make {@code vision_search_collections} a reference table first
 * @param distributeCollection call {@code create_distributed_table} on the collection
 * @param shardCount           the collection's shard count: the one to create, or the one it has; 0 if local
 */
record CitusPlan(boolean distributed, boolean referenceMetadata, boolean distributeCollection, int shardCount) {

    /**
     * What the server's catalog says, read before anything is created.
     *
     * @param citusVersion        the citus extension's version in this database, or null without Citus
     * @param collectionRecorded  the collection has a row in {@code vision_search_collections}
     * @param collectionPartition the collection's {@code pg_dist_partition.partmethod} ('h' hash, 'n' reference or
     *                            Citus-managed local), or null when Citus does not manage it
     * @param collectionShards    its shards in {@code pg_dist_shard}
     * @param metadataPartition   {@code partmethod} of {@code vision_search_collections}, or null
     * @param shardNodes          active primary nodes that hold shards ({@code pg_dist_node.shouldhaveshards})
     */
    record Catalog(String citusVersion, boolean collectionRecorded, String collectionPartition, int collectionShards,
                   String metadataPartition, int shardNodes) {

        /** The catalog of a server without Citus. */
        static Catalog plain(boolean collectionRecorded) {
            return new Catalog(null, collectionRecorded, null, 0, null, 0);
        }
    }

    private static final CitusPlan LOCAL = new CitusPlan(false, false, false, 0);

    /**
     * Decides, or refuses (before anything is created) when Citus is required and the server has none.
     *
     * @param server where the store connects, for the refusal message (never with a password)
     */
    static CitusPlan decide(Distribution want, Catalog c, String server) {
        if (c.citusVersion() == null) {
            if (want.mode() == Distribution.Mode.DISTRIBUTED) {
                throw new VectorStoreException("a distributed collection needs the citus extension, which this PostgreSQL "
                        + "server at " + server + " does not have (nothing was created); use Azure Cosmos DB for "
                        + "PostgreSQL or a Citus server (see docs/citus.md), or open the collection without "
                        + "distributed(true) / --distributed");
            }
            return LOCAL;
        }
        if (c.collectionPartition() != null) {
            // Citus already manages the table: whatever was asked, it is distributed and must be treated so.
            return new CitusPlan(true, false, false, Math.max(1, c.collectionShards()));
        }
        boolean distribute = switch (want.mode()) {
            case DISTRIBUTED -> true;
            case AUTO -> !c.collectionRecorded(); // a new collection; an existing local one stays as it is
            case LOCAL -> false;
        };
        if (!distribute) {
            return LOCAL;
        }
        return new CitusPlan(true, c.metadataPartition() == null, true, want.shardsOn(Math.max(1, c.shardNodes())));
    }
}
