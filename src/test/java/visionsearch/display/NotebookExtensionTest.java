package visionsearch.display;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Base64;
import java.util.List;
import java.util.ServiceLoader;
import org.dflib.jjava.jupyter.Extension;
import org.dflib.jjava.jupyter.kernel.display.DisplayData;
import org.dflib.jjava.jupyter.kernel.display.Renderer;
import org.dflib.jjava.jupyter.kernel.display.mime.MIMEType;
import org.junit.jupiter.api.Test;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/** The renderers the library's JJava extension registers, and that ServiceLoader finds the extension. */
class NotebookExtensionTest {

    private static Renderer renderer() {
        Renderer renderer = new Renderer();
        JupyterRenderers.registerAll(renderer);
        return renderer;
    }

    private static void assertPng(DisplayData data) {
        byte[] png = Base64.getDecoder().decode(String.valueOf(data.getData(MIMEType.IMAGE_PNG)));
        assertEquals("PNG", new String(png, 1, 3, java.nio.charset.StandardCharsets.US_ASCII));
        assertTrue(png.length > 2000, "a whole chart, not a blank header: " + png.length + " bytes");
    }

    @Test
    void serviceLoaderFindsTheExtension() {
        List<String> found = ServiceLoader.load(Extension.class).stream().map(p -> p.type().getName()).toList();
        assertTrue(found.contains(NotebookExtension.class.getName()), found.toString());
    }

    @Test
    void chartsAndMapsArePng() {
        assertPng(renderer().render(Charts.line("t", "x", "y", List.of(new Charts.Series("s", new double[] {1, 2},
                new double[] {2, 1})))));
        EmbeddingMap map = Projections.pca(List.of(new MapItem("a", "g", new float[] {1, 0, 0}),
                new MapItem("b", "g", new float[] {0, 1, 0}), new MapItem("c", "h", new float[] {0, 0, 1})));
        assertPng(renderer().render(map));
    }

    @Test
    void tablesGridsAndMatricesAreHtml() {
        Table table = Table.create("scores", StringColumn.create("caption", "a <b>"), DoubleColumn.create("score", 0.5));
        String html = String.valueOf(renderer().render(table).getData(MIMEType.TEXT_HTML));
        assertTrue(html.contains("text-align:left\">a &lt;b&gt;</td>"), "text left-aligned, escaped: " + html);
        assertTrue(html.contains("text-align:right\">0.5</td>"), "numbers right-aligned: " + html);
        HtmlRenderable grid = () -> "<div>grid</div>";
        assertEquals("<div>grid</div>", renderer().render(grid).getData(MIMEType.TEXT_HTML));
        SimilarityMatrix m = SimilarityMatrix.cosine(List.of("q"), List.of(new float[] {1, 0}), List.of("i"),
                List.of(new float[] {1, 0}));
        assertTrue(String.valueOf(renderer().render(m).getData(MIMEType.TEXT_HTML)).startsWith("<table"));
    }

    @Test
    void otherValuesAreLeftAlone() {
        assertNull(renderer().render("plain").getData(MIMEType.TEXT_HTML));
    }
}
