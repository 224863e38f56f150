package visionsearch.display;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import visionsearch.store.SearchHit;

class ImageGridTest {

    static List<SearchHit> writeImages(Path dir, int n) throws Exception {
        List<SearchHit> hits = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            BufferedImage image = new BufferedImage(300, 200, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = image.createGraphics();
            g.setColor(Color.getHSBColor(i / (float) n, 0.8f, 0.9f));
            g.fillRect(0, 0, 300, 200);
            g.dispose();
            Path file = dir.resolve("img-" + i + ".png");
            ImageIO.write(image, "png", file.toFile());
            hits.add(new SearchHit("id" + i, "img-" + i + ".png", 1 - i * 0.1, i * 0.1,
                    Map.of("caption", "caption <" + i + ">", "theme", "t")));
        }
        return hits;
    }

    @Test
    void htmlHasEveryCaptionAndOneInlineImagePerHit(@TempDir Path dir) throws Exception {
        List<SearchHit> hits = writeImages(dir, 7);
        String html = ImageGrid.of(hits).baseDir(dir).columns(4).title("Top 7").toHtml();
        for (int i = 0; i < 7; i++) {
            assertTrue(html.contains("caption &lt;" + i + "&gt;"), "caption " + i + " missing");
            assertTrue(html.contains("#" + (i + 1) + "  score"), "score " + i + " missing");
        }
        Matcher m = Pattern.compile("<img src=\"data:image/jpeg;base64,").matcher(html);
        int images = 0;
        while (m.find()) {
            images++;
        }
        assertEquals(7, images);
        assertTrue(html.contains("repeat(4,144px)"), "4 columns of 128 px thumbnails");
        assertTrue(html.contains("Top 7"));
    }

    @Test
    void missingImageIsAGreyBoxWithTheReason(@TempDir Path dir) throws Exception {
        List<SearchHit> hits = new ArrayList<>(writeImages(dir, 1));
        hits.add(new SearchHit("gone", "gone.png", 0.1, 0.9, Map.of()));
        String html = ImageGrid.of(hits).baseDir(dir).toHtml();
        assertEquals(2, html.split("<img ", -1).length - 1);
        assertTrue(html.contains("not found: " + dir.resolve("gone.png")), html);
        assertTrue(html.contains(">gone.png<"), "file name is the caption when metadata has none");
    }

    @Test
    void contactSheetIsSizedByColumnsAndRows(@TempDir Path dir) throws Exception {
        List<SearchHit> hits = writeImages(dir, 7);
        BufferedImage sheet = ImageGrid.of(hits).baseDir(dir).columns(3).thumbnailSize(64).contactSheet();
        int cellW = 64 + 16;
        int cellH = 64 + 8 + 28 + 8;
        assertEquals(3 * cellW, sheet.getWidth());
        assertEquals(3 * cellH, sheet.getHeight());
        // The first thumbnail (300x200 scaled into 64x64 -> 64x43) is drawn in colour, not white.
        Color centre = new Color(sheet.getRGB(8 + 32, 8 + 32));
        assertTrue(centre.getRed() + centre.getGreen() + centre.getBlue() < 3 * 250, "thumbnail not drawn");
        Path png = dir.resolve("sheet.png");
        ImageIO.write(sheet, "png", png.toFile());
        assertTrue(Files.size(png) > 500);
    }

    @Test
    void reportIsAWholePageWithEverySection(@TempDir Path dir) throws Exception {
        List<SearchHit> hits = writeImages(dir, 3);
        Path file = HtmlReport.create("demo <1>").heading("Hits").paragraph("a & b")
                .add(ImageGrid.of(hits).baseDir(dir)).table(Tables.hits(hits))
                .chart(Charts.scatter("map", "x", "y", List.of(new Charts.Series("s", new double[] {1}, new double[] {1}))))
                .write(dir.resolve("out/report.html"));
        String page = Files.readString(file);
        assertTrue(page.startsWith("<!DOCTYPE html>"));
        assertTrue(page.contains("<title>demo &lt;1&gt;</title>"));
        assertTrue(page.contains("a &amp; b"));
        assertEquals(3, page.split("data:image/jpeg", -1).length - 1);
        assertEquals(1, page.split("data:image/png", -1).length - 1);
        assertTrue(page.endsWith("</html>\n"));
    }
}
