package visionsearch.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The generated SQL (what Citus would receive too), checked without a database. */
class PgSqlTest {

    static Stream<Arguments> indexes() {
        return Stream.of(
                Arguments.of(VectorType.VECTOR, Distance.COSINE, IndexSpec.hnsw(16, 64),
                        "CREATE INDEX IF NOT EXISTS \"images_embedding_hnsw\" ON \"images\" USING hnsw (embedding "
                                + "vector_cosine_ops) WITH (m = 16, ef_construction = 64)"),
                Arguments.of(VectorType.VECTOR, Distance.DOT, IndexSpec.ivfflat(100),
                        "CREATE INDEX IF NOT EXISTS \"images_embedding_ivfflat\" ON \"images\" USING ivfflat (embedding "
                                + "vector_ip_ops) WITH (lists = 100)"),
                Arguments.of(VectorType.HALFVEC, Distance.L2, IndexSpec.hnsw(32, 200),
                        "CREATE INDEX IF NOT EXISTS \"images_embedding_hnsw\" ON \"images\" USING hnsw (embedding "
                                + "halfvec_l2_ops) WITH (m = 32, ef_construction = 200)"));
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("indexes")
    void indexStatements(VectorType type, Distance distance, IndexSpec spec, String expected) {
        assertEquals(expected, PgSql.createIndex("images", type, distance, spec));
    }

    @Test
    void citusStatementsDistributeByIdWithAShardCountAndReplicateTheMetadata() {
        assertEquals("SELECT create_reference_table(?::regclass)", PgCitus.CREATE_REFERENCE);
        assertEquals("SELECT create_distributed_table(?::regclass, 'id', colocate_with => 'none', shard_count => ?)",
                PgCitus.CREATE_DISTRIBUTED);
        assertEquals("SELECT truncate_local_data_after_distributing_table(?::regclass)", PgCitus.TRUNCATE_LOCAL);
        assertTrue(PgCitus.VERSION.contains("extname = 'citus'"));
    }

    @Test
    void perQuerySettingsAreSetLocalAndPropagatedOnCitus() {
        List<String[]> settings = List.of(new String[] {"hnsw.ef_search", "100"},
                new String[] {"hnsw.iterative_scan", "relaxed_order"});
        assertEquals("SET LOCAL hnsw.ef_search = 100; SET LOCAL hnsw.iterative_scan = 'relaxed_order';",
                PgSql.setLocal(settings, false));
        assertEquals("SET LOCAL citus.propagate_set_commands = 'local'; SET LOCAL hnsw.ef_search = 100; "
                + "SET LOCAL hnsw.iterative_scan = 'relaxed_order';", PgSql.setLocal(settings, true));
    }

    @Test
    void searchIsParameterisedAndReSortsRelaxedResults() {
        String sql = PgSql.search("images", VectorType.HALFVEC, 512, Distance.COSINE, true);
        assertEquals("WITH nearest AS MATERIALIZED (SELECT id, path, metadata::text AS metadata, embedding <=> "
                + "?::vector(512)::halfvec(512) AS distance FROM \"images\" WHERE metadata @> ?::jsonb ORDER BY distance "
                + "LIMIT ?) SELECT id, path, metadata, distance FROM nearest ORDER BY distance, id", sql);
        assertTrue(PgSql.mergeStage("images", VectorType.VECTOR, 3).contains("ON CONFLICT (id) DO UPDATE"));
        assertEquals("\"a\"\"b\"", PgSql.quote("a\"b"));
    }

    @Test
    void longCollectionNamesGiveIndexNamesWithinPostgresLimit() {
        String name = "a".repeat(63);
        assertTrue(PgSql.indexName(PgSql.checkCollection(name), IndexSpec.Kind.IVFFLAT).length() <= 63);
    }
}
