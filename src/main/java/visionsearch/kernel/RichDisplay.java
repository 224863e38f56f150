package visionsearch.kernel;

import java.awt.image.RenderedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Base64;
import javax.imageio.ImageIO;
import org.dflib.jjava.jupyter.kernel.display.Renderer;
import org.dflib.jjava.jupyter.kernel.display.mime.MIMEType;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.internal.chartpart.Chart;
import tech.tablesaw.api.Table;
import visionsearch.display.HtmlRenderable;

/**
 * How the kernel shows values: XChart charts as PNG, Tablesaw tables and {@link HtmlRenderable}
 * values as HTML (images are already PNG through JJava's own renderer).
 */
final class RichDisplay {

    /** Tables longer than this show their first rows and say how many there are. */
    static final int MAX_TABLE_ROWS = 100;

    private RichDisplay() {
    }

    static void registerAll(Renderer renderer) {
        renderer.createRegistration(HtmlRenderable.class)
                .preferring(MIMEType.TEXT_HTML)
                .supporting(MIMEType.TEXT_PLAIN)
                .register((value, context) -> {
                    context.renderIfRequested(MIMEType.TEXT_HTML, value::toHtml);
                    context.renderIfRequested(MIMEType.TEXT_PLAIN, value::toString);
                });
        renderer.createRegistration(Table.class)
                .preferring(MIMEType.TEXT_HTML)
                .supporting(MIMEType.TEXT_PLAIN)
                .register((table, context) -> {
                    context.renderIfRequested(MIMEType.TEXT_HTML, () -> tableHtml(table));
                    context.renderIfRequested(MIMEType.TEXT_PLAIN, () -> table.print(20));
                });
        @SuppressWarnings({"rawtypes", "unchecked"})
        Class<Chart<?, ?>> chartType = (Class) Chart.class;
        renderer.createRegistration(chartType)
                .preferring(MIMEType.IMAGE_PNG)
                .register((chart, context) -> context.renderIfRequested(MIMEType.IMAGE_PNG,
                        () -> pngBase64(BitmapEncoder.getBufferedImage(chart))));
    }

    /** A PNG encoding of the image, in Base64 as Jupyter's {@code image/png} wants it. */
    static String pngBase64(RenderedImage image) {
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(image, "png", png)) {
                throw new IllegalStateException("no PNG writer for image " + image);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("encoding an image as PNG failed", e);
        }
        return Base64.getEncoder().encodeToString(png.toByteArray());
    }

    /** The table as an HTML fragment: name as caption, header row, at most {@link #MAX_TABLE_ROWS} rows. */
    static String tableHtml(Table table) {
        StringBuilder html = new StringBuilder("<table class=\"vs-table\">");
        int rows = table.rowCount();
        int shown = Math.min(rows, MAX_TABLE_ROWS);
        String name = table.name() == null ? "" : table.name();
        String size = rows + " rows \u00d7 " + table.columnCount() + " columns"
                + (shown < rows ? ", first " + shown + " shown" : "");
        html.append("<caption style=\"text-align:left\">").append(escape(name))
                .append(name.isEmpty() ? "" : " \u2014 ").append(size).append("</caption><thead><tr>");
        for (String column : table.columnNames()) {
            html.append("<th>").append(escape(column)).append("</th>");
        }
        html.append("</tr></thead><tbody>");
        for (int row = 0; row < shown; row++) {
            html.append("<tr>");
            for (int column = 0; column < table.columnCount(); column++) {
                html.append("<td>").append(escape(table.getString(row, column))).append("</td>");
            }
            html.append("</tr>");
        }
        return html.append("</tbody></table>").toString();
    }

    static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (char c : text.toCharArray()) {
            switch (c) {
                case '<': out.append("&lt;"); break;
                case '>': out.append("&gt;"); break;
                case '&': out.append("&amp;"); break;
                case '"': out.append("&quot;"); break;
                default: out.append(c);
            }
        }
        return out.toString();
    }
}
