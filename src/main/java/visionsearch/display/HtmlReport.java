package visionsearch.display;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Objects;
import org.knowm.xchart.internal.chartpart.Chart;
import tech.tablesaw.api.Table;

/**
 * A self-contained HTML page assembled from headings, text, tables, charts and image grids
 * (everything inlined, so the one file can be opened or mailed anywhere). Not thread-safe.
 *
 * <pre>{@code
 * HtmlReport.create("vision-search demo")
 *     .heading("Images like query-1.png").add(ImageGrid.of(hits)).table(Tables.hits(hits))
 *     .chart(Projections.pca(items).chart())
 *     .write(Path.of("target/demo/report.html"));
 * }</pre>
 */
public final class HtmlReport implements HtmlRenderable {
    private final String title;
    private final StringBuilder body = new StringBuilder();

    private HtmlReport(String title) {
        this.title = title;
    }

    /** Starts a report with a page title (also its first heading). */
    public static HtmlReport create(String title) {
        return new HtmlReport(Objects.requireNonNull(title, "title"));
    }

    /** Adds a section heading. */
    public HtmlReport heading(String text) {
        body.append("<h2>").append(Html.escape(text)).append("</h2>\n");
        return this;
    }

    /** Adds a paragraph of plain text (escaped). */
    public HtmlReport paragraph(String text) {
        body.append("<p>").append(Html.escape(text)).append("</p>\n");
        return this;
    }

    /** Adds a table. */
    public HtmlReport table(Table table) {
        body.append(Tables.toHtml(table)).append('\n');
        return this;
    }

    /** Adds a chart as an inline PNG. */
    public HtmlReport chart(Chart<?, ?> chart) {
        body.append("<div>").append(Charts.html(chart).toHtml()).append("</div>\n");
        return this;
    }

    /** Adds anything that renders as HTML, such as an {@link ImageGrid}. */
    public HtmlReport add(HtmlRenderable content) {
        body.append(Objects.requireNonNull(content, "content").toHtml()).append('\n');
        return this;
    }

    /** Returns the body of the report (no {@code <html>} wrapper), for display in a notebook. */
    @Override
    public String toHtml() {
        return "<h1>" + Html.escape(title) + "</h1>\n" + body;
    }

    /** Returns the full page. */
    public String toPage() {
        return "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + Html.escape(title)
                + "</title></head>\n<body style=\"font-family:sans-serif;margin:24px\">\n" + toHtml()
                + "</body></html>\n";
    }

    /** Writes the page to {@code file} atomically (parent folders created) and returns the path. */
    public Path write(Path file) {
        Objects.requireNonNull(file, "file");
        try {
            Path parent = file.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            Path tmp = Files.createTempFile(parent, ".report", ".tmp");
            Files.writeString(tmp, toPage(), StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("could not write the report to " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "HtmlReport[" + title + ", " + body.length() + " chars]";
    }
}
