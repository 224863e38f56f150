package visionsearch.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The documented shard-count rule and the checks on a distribution. */
class DistributionTest {

    @ParameterizedTest(name = "{0} nodes, {1} rows: {2} shards")
    @CsvSource({
        "2, 0, 2",            // unknown size: one shard per node
        "2, 108, 2",          // the sample collection
        "2, 20000, 2",        // the benchmark collection
        "2, 2000000, 2",      // one million rows per node: still one shard each
        "2, 2000001, 4",      // a little more: two per node
        "2, 5000000, 6",
        "1, 3500000, 4",      // a single node (or the coordinator alone)
        "4, 100000000, 100",
        "3, 0, 3"
    })
    void ruleGivesOneShardPerNodeAndOneMorePerMillionRowsOnANode(int nodes, long rows, int shards) {
        assertEquals(shards, Distribution.shardsFor(nodes, rows));
        assertEquals(0, Distribution.shardsFor(nodes, rows) % nodes, "every node gets as many shards");
    }

    @Test
    void ruleStaysWithinCitusLimit() {
        assertEquals(Distribution.MAX_SHARDS, Distribution.shardsFor(2, Long.MAX_VALUE / 4));
    }

    @Test
    void aSetShardCountWinsOverTheRule() {
        Distribution d = Distribution.auto().withExpectedRows(50_000_000).withShardCount(3);
        assertEquals(3, d.shardsOn(2));
        assertEquals(50, Distribution.auto().withExpectedRows(50_000_000).shardsOn(2));
    }

    @Test
    void badValuesAreRefusedNamingTheRange() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Distribution.auto().withShardCount(64_001));
        assertTrue(e.getMessage().contains("1..64000"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Distribution.local().withExpectedRows(-1));
        assertThrows(IllegalArgumentException.class, () -> Distribution.shardsFor(0, 10));
    }
}
