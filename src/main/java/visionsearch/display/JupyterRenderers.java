package visionsearch.display;

import java.util.Base64;
import org.dflib.jjava.jupyter.kernel.display.Renderer;
import org.dflib.jjava.jupyter.kernel.display.mime.MIMEType;
import org.knowm.xchart.internal.chartpart.Chart;
import tech.tablesaw.api.Table;

/**
 * How a JJava-framework kernel shows this library's values: {@link HtmlRenderable} values (image
 * grids), Tablesaw tables and similarity matrices as HTML; XChart charts and embedding maps as PNG.
 * A {@code BufferedImage} needs nothing: the kernel itself shows it as PNG.
 */
final class JupyterRenderers {
    /** Plain-text previews of a table show this many rows. */
    static final int TEXT_ROWS = 20;

    private JupyterRenderers() {
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
                    context.renderIfRequested(MIMEType.TEXT_HTML, () -> Tables.toHtml(table));
                    context.renderIfRequested(MIMEType.TEXT_PLAIN, () -> table.print(TEXT_ROWS));
                });
        renderer.createRegistration(SimilarityMatrix.class)
                .preferring(MIMEType.TEXT_HTML)
                .register((matrix, context) -> context.renderIfRequested(MIMEType.TEXT_HTML,
                        () -> Tables.toHtml(matrix.toTable())));
        @SuppressWarnings({"rawtypes", "unchecked"})
        Class<Chart<?, ?>> chartType = (Class) Chart.class;
        renderer.createRegistration(chartType)
                .preferring(MIMEType.IMAGE_PNG)
                .register((chart, context) -> context.renderIfRequested(MIMEType.IMAGE_PNG,
                        () -> base64(Charts.toPng(chart))));
        renderer.createRegistration(EmbeddingMap.class)
                .preferring(MIMEType.IMAGE_PNG)
                .supporting(MIMEType.TEXT_PLAIN)
                .register((map, context) -> {
                    context.renderIfRequested(MIMEType.IMAGE_PNG, () -> base64(Charts.toPng(map.chart())));
                    context.renderIfRequested(MIMEType.TEXT_PLAIN, () -> map.method() + " map of " + map.images().size()
                            + " images and " + map.queries().size() + " queries");
                });
    }

    /** Jupyter wants {@code image/png} as Base64 text. */
    private static String base64(byte[] png) {
        return Base64.getEncoder().encodeToString(png);
    }
}
