package visionsearch.display;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.NumericColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.columns.Column;
import visionsearch.embed.EmbeddingException;
import visionsearch.store.SearchHit;

/** Search results and other values as Tablesaw tables, and tables as HTML. */
public final class Tables {
    /** The most rows {@link #toHtml(Table)} writes before it shows "... n more rows". */
    public static final int MAX_HTML_ROWS = 200;

    private Tables() {
    }

    /**
     * Returns hits as a table: {@code rank} (1 = best), {@code file} (the last part of the path),
     * {@code score} (rounded to 4 decimals), then one string column per metadata key (sorted by
     * name; empty where a hit lacks the key). Rows keep the order of {@code hits}.
     */
    public static Table hits(List<SearchHit> hits) {
        Objects.requireNonNull(hits, "hits");
        IntColumn rank = IntColumn.create("rank");
        StringColumn file = StringColumn.create("file");
        DoubleColumn score = DoubleColumn.create("score");
        TreeSet<String> keys = new TreeSet<>();
        for (SearchHit hit : hits) {
            keys.addAll(hit.metadata().keySet());
        }
        keys.removeAll(List.of("rank", "file", "score"));
        Table table = Table.create("hits");
        table.addColumns(rank, file, score);
        for (String key : keys) {
            table.addColumns(StringColumn.create(key));
        }
        int r = 1;
        for (SearchHit hit : hits) {
            rank.append(r++);
            file.append(fileName(hit.path()));
            score.append(Math.round(hit.score() * 10_000) / 10_000.0);
            for (String key : keys) {
                table.stringColumn(key).append(hit.metadata().getOrDefault(key, ""));
            }
        }
        return table;
    }

    /**
     * Runs each case and returns a table of what happened: {@code case}, {@code outcome} ("ok" or the
     * exception's simple name), {@code retry helps} ("yes" only for a retryable {@code EmbeddingException})
     * and the whole {@code message}, so a message's advice is never cut off.
     */
    public static Table outcomes(Map<String, Runnable> cases) {
        Objects.requireNonNull(cases, "cases");
        StringColumn name = StringColumn.create("case");
        StringColumn outcome = StringColumn.create("outcome");
        StringColumn retry = StringColumn.create("retry helps");
        StringColumn message = StringColumn.create("message");
        cases.forEach((label, call) -> {
            name.append(label);
            try {
                call.run();
                outcome.append("ok");
                retry.append("");
                message.append("");
            } catch (RuntimeException e) {
                outcome.append(e.getClass().getSimpleName());
                // Only a service fault may pass; the same bad input fails again.
                retry.append(e instanceof EmbeddingException ee && ee.retryable() ? "yes" : "no");
                message.append(e.getMessage() == null ? "" : e.getMessage());
            }
        });
        return Table.create("outcomes", name, outcome, retry, message);
    }

    /** Returns the last part of a path or URL ({@code images/cat.png} gives {@code cat.png}). */
    public static String fileName(String path) {
        String p = path;
        while (p.endsWith("/") || p.endsWith("\\")) {
            p = p.substring(0, p.length() - 1);
        }
        int slash = Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\'));
        return slash < 0 ? p : p.substring(slash + 1);
    }

    /**
     * Returns {@code table} as a self-contained HTML {@code <table>} with a caption of its name,
     * a header row and at most {@link #MAX_HTML_ROWS} rows; text is HTML-escaped, numbers are
     * right-aligned and everything else left-aligned.
     */
    public static String toHtml(Table table) {
        Objects.requireNonNull(table, "table");
        StringBuilder html = new StringBuilder(256 + table.rowCount() * 64);
        html.append("<table class=\"vs-table\" style=\"border-collapse:collapse;font-family:sans-serif;font-size:13px\">");
        html.append("<caption style=\"text-align:left;font-weight:bold\">").append(Html.escape(table.name()))
                .append(" (").append(table.rowCount()).append(" rows)</caption><thead><tr>");
        for (Column<?> column : table.columns()) {
            html.append("<th style=\"border-bottom:1px solid #999;padding:2px 8px;text-align:").append(align(column))
                    .append("\">").append(Html.escape(column.name())).append("</th>");
        }
        html.append("</tr></thead><tbody>");
        int shown = Math.min(table.rowCount(), MAX_HTML_ROWS);
        for (int r = 0; r < shown; r++) {
            html.append("<tr>");
            for (Column<?> column : table.columns()) {
                html.append("<td style=\"padding:2px 8px;text-align:").append(align(column)).append("\">")
                        .append(Html.escape(column.getString(r))).append("</td>");
            }
            html.append("</tr>");
        }
        html.append("</tbody></table>");
        if (shown < table.rowCount()) {
            html.append("<p>... ").append(table.rowCount() - shown).append(" more rows</p>");
        }
        return html.toString();
    }

    /** Numbers line up on the right, text reads from the left (notebook CSS right-aligns every cell otherwise). */
    private static String align(Column<?> column) {
        return column instanceof NumericColumn<?> ? "right" : "left";
    }

    /** Returns {@code table} wrapped so a notebook shows it as HTML. */
    public static HtmlRenderable html(Table table) {
        Objects.requireNonNull(table, "table");
        return () -> toHtml(table);
    }
}
