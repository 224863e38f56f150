package visionsearch.display;

import java.util.List;
import java.util.Objects;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;
import visionsearch.store.HybridHit;

/** Results of hybrid and combined-query searches as Tablesaw tables: where each hit stood in each list. */
public final class HybridTables {
    private HybridTables() {
    }

    /**
     * Returns hits as a table: {@code rank}, {@code file}, {@code vector rank} and {@code keyword rank} ("-" when
     * the hit was not in that list), {@code fused} (4 decimals), {@code score} (the vector similarity, 4
     * decimals), {@code theme} and {@code caption} (from the metadata; empty where missing).
     */
    public static Table hits(List<HybridHit> hits) {
        Objects.requireNonNull(hits, "hits");
        Table table = Table.create("hits", IntColumn.create("rank"), StringColumn.create("file"),
                StringColumn.create("vector rank"), StringColumn.create("keyword rank"), DoubleColumn.create("fused"),
                DoubleColumn.create("score"), StringColumn.create("theme"), StringColumn.create("caption"));
        int rank = 1;
        for (HybridHit h : hits) {
            table.intColumn("rank").append(rank++);
            table.stringColumn("file").append(Tables.fileName(h.path()));
            table.stringColumn("vector rank").append(h.vectorRank() == 0 ? "-" : Integer.toString(h.vectorRank()));
            table.stringColumn("keyword rank").append(h.keywordRank() == 0 ? "-" : Integer.toString(h.keywordRank()));
            table.doubleColumn("fused").append(Math.round(h.fused() * 10_000) / 10_000.0);
            table.doubleColumn("score").append(Math.round(h.score() * 10_000) / 10_000.0);
            table.stringColumn("theme").append(h.metadata().getOrDefault("theme", ""));
            table.stringColumn("caption").append(h.metadata().getOrDefault("caption", ""));
        }
        return table;
    }
}
