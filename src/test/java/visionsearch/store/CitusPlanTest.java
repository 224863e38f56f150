package visionsearch.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** What opening a collection does about Citus, for each answer the catalog can give. */
class CitusPlanTest {
    private static final String CITUS = "13.2-1";

    private static CitusPlan.Catalog citus(boolean recorded, String partition, int shards, String metadata, int nodes) {
        return new CitusPlan.Catalog(CITUS, recorded, partition, shards, metadata, nodes);
    }

    static Stream<Arguments> cases() {
        Distribution auto = Distribution.auto();
        Distribution local = Distribution.local();
        Distribution dist = Distribution.distributed();
        CitusPlan none = new CitusPlan(false, false, false, 0);
        return Stream.of(
                Arguments.of("plain PostgreSQL, new, auto: local", auto, CitusPlan.Catalog.plain(false), none),
                Arguments.of("plain PostgreSQL, existing, local: local", local, CitusPlan.Catalog.plain(true), none),
                Arguments.of("Citus, new, auto: distributed, metadata made a reference table, one shard per worker",
                        auto, citus(false, null, 0, null, 2), new CitusPlan(true, true, true, 2)),
                Arguments.of("Citus, new, auto, metadata already a reference table", auto, citus(false, null, 0, "n", 2),
                        new CitusPlan(true, false, true, 2)),
                Arguments.of("Citus without workers: the coordinator's one shard", auto, citus(false, null, 0, "n", 0),
                        new CitusPlan(true, false, true, 1)),
                Arguments.of("Citus, new, local: stays local", local, citus(false, null, 0, null, 2), none),
                Arguments.of("Citus, existing local collection, auto: stays local", auto, citus(true, null, 0, "n", 2), none),
                Arguments.of("Citus, existing local collection, distributed: distributed now", dist,
                        citus(true, null, 0, "n", 2), new CitusPlan(true, false, true, 2)),
                Arguments.of("Citus, already distributed, auto: distributed with its 32 shards", auto,
                        citus(true, "h", 32, "n", 2), new CitusPlan(true, false, false, 32)),
                Arguments.of("Citus, already distributed, local asked: still distributed", local,
                        citus(true, "h", 32, "n", 2), new CitusPlan(true, false, false, 32)),
                Arguments.of("Citus, a reference table: distributed, one shard", auto, citus(true, "n", 1, "n", 2),
                        new CitusPlan(true, false, false, 1)),
                Arguments.of("Citus, shard count set", auto.withShardCount(7), citus(false, null, 0, "n", 2),
                        new CitusPlan(true, false, true, 7)),
                Arguments.of("Citus, 5 million rows expected on 2 workers: 3 per worker", auto.withExpectedRows(5_000_000),
                        citus(false, null, 0, "n", 2), new CitusPlan(true, false, true, 6)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void decides(String name, Distribution want, CitusPlan.Catalog catalog, CitusPlan expected) {
        assertEquals(expected, CitusPlan.decide(want, catalog, "jdbc:postgresql://db/x"));
    }

    @Test
    void distributedWithoutCitusIsRefusedSayingNothingWasCreated() {
        VectorStoreException e = assertThrows(VectorStoreException.class, () -> CitusPlan.decide(
                Distribution.distributed(), CitusPlan.Catalog.plain(false), "jdbc:postgresql://db/x"));
        assertTrue(e.getMessage().contains("citus extension") && e.getMessage().contains("nothing was created")
                && e.getMessage().contains("Cosmos DB") && e.getMessage().contains("jdbc:postgresql://db/x"), e.getMessage());
    }
}
