package visionsearch.display;

import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import javax.imageio.ImageIO;
import visionsearch.store.SearchHit;

/**
 * A grid of image thumbnails with captions: HTML for notebooks and reports (images inlined as
 * base64 {@code data:} URIs, so the page is self-contained) and a contact sheet
 * {@link BufferedImage} for PNG output.
 *
 * <pre>{@code
 * ImageGrid grid = ImageGrid.of(hits).baseDir(Path.of("..")).columns(5);
 * grid;                                  // in a notebook: shown as HTML
 * ImageIO.write(grid.contactSheet(), "png", file);
 * }</pre>
 *
 * <p>An image that cannot be read is drawn as a grey box whose caption says why, rather than
 * failing the whole grid. Instances are immutable; the settings methods return copies.
 */
public final class ImageGrid implements HtmlRenderable {

    /**
     * One cell of the grid.
     *
     * @param path    the image file (relative paths are resolved against the grid's base folder) or an http(s) URL
     * @param caption the caption under the thumbnail
     * @param detail  a second, smaller line (e.g. the score); empty for none
     */
    public record Cell(String path, String caption, String detail) {
        /** Checks the components. */
        public Cell {
            Objects.requireNonNull(path, "path");
            caption = caption == null ? "" : caption;
            detail = detail == null ? "" : detail;
        }
    }

    private final String title;
    private final List<Cell> cells;
    private final Path baseDir;
    private final int columns;
    private final int thumbnail;

    private ImageGrid(String title, List<Cell> cells, Path baseDir, int columns, int thumbnail) {
        this.title = title;
        this.cells = List.copyOf(cells);
        this.baseDir = baseDir;
        this.columns = columns;
        this.thumbnail = thumbnail;
    }

    /**
     * Returns a grid of search hits: each captioned with its metadata {@code caption} (else its file
     * name) and its rank and score.
     */
    public static ImageGrid of(List<SearchHit> hits) {
        Objects.requireNonNull(hits, "hits");
        List<Cell> cells = new ArrayList<>();
        int rank = 1;
        for (SearchHit hit : hits) {
            String caption = hit.metadata().getOrDefault("caption", Tables.fileName(hit.path()));
            cells.add(new Cell(hit.path(), caption, String.format(java.util.Locale.ROOT, "#%d  score %.3f", rank++, hit.score())));
        }
        return new ImageGrid("", cells, null, 5, 128);
    }

    /** Returns a grid of the given cells. */
    public static ImageGrid ofCells(List<Cell> cells) {
        return new ImageGrid("", Objects.requireNonNull(cells, "cells"), null, 5, 128);
    }

    /** Returns a grid of image files captioned with {@code captions} (same size). */
    public static ImageGrid ofPaths(List<Path> paths, List<String> captions) {
        Objects.requireNonNull(paths, "paths");
        Objects.requireNonNull(captions, "captions");
        if (paths.size() != captions.size()) {
            throw new IllegalArgumentException("paths and captions differ in number: " + paths.size()
                    + " vs " + captions.size());
        }
        List<Cell> cells = new ArrayList<>();
        for (int i = 0; i < paths.size(); i++) {
            cells.add(new Cell(paths.get(i).toString(), captions.get(i), ""));
        }
        return ofCells(cells);
    }

    /** Returns a copy with a title shown above the grid. */
    public ImageGrid title(String title) {
        return new ImageGrid(Objects.requireNonNull(title, "title"), cells, baseDir, columns, thumbnail);
    }

    /** Returns a copy that resolves relative image paths against {@code baseDir} (default: the working folder). */
    public ImageGrid baseDir(Path baseDir) {
        return new ImageGrid(title, cells, Objects.requireNonNull(baseDir, "baseDir"), columns, thumbnail);
    }

    /** Returns a copy with {@code columns} thumbnails per row (1 to 20; default 5). */
    public ImageGrid columns(int columns) {
        if (columns < 1 || columns > 20) {
            throw new IllegalArgumentException("columns must be in 1..20, was " + columns);
        }
        return new ImageGrid(title, cells, baseDir, columns, thumbnail);
    }

    /** Returns a copy whose thumbnails fit in {@code pixels} x {@code pixels} (16 to 1024; default 128). */
    public ImageGrid thumbnailSize(int pixels) {
        if (pixels < 16 || pixels > 1024) {
            throw new IllegalArgumentException("thumbnail size must be in 16..1024 pixels, was " + pixels);
        }
        return new ImageGrid(title, cells, baseDir, columns, pixels);
    }

    /** Returns the cells, in order. */
    public List<Cell> cells() {
        return cells;
    }

    /** Returns the grid as an HTML fragment: a CSS grid of figures, one {@code <img>} per cell. */
    @Override
    public String toHtml() {
        StringBuilder html = new StringBuilder(1024 + cells.size() * 8192);
        html.append("<div class=\"vs-grid\" style=\"font-family:sans-serif\">");
        if (!title.isEmpty()) {
            html.append("<div style=\"font-weight:bold;margin:4px 0\">").append(Html.escape(title)).append("</div>");
        }
        html.append("<div style=\"display:grid;grid-template-columns:repeat(").append(columns)
                .append(",").append(thumbnail + 16).append("px);gap:8px\">");
        for (Cell cell : cells) {
            Thumb thumb = thumbnail(cell);
            String src = thumb.image == null
                    ? (isUrl(cell.path()) ? cell.path() : placeholderUri())
                    : jpegDataUri(thumb.image);
            html.append("<figure style=\"margin:0;text-align:center\">")
                    .append("<img src=\"").append(Html.escape(src)).append("\" alt=\"").append(Html.escape(cell.caption()))
                    .append("\" title=\"").append(Html.escape(cell.path())).append("\" style=\"max-width:").append(thumbnail)
                    .append("px;max-height:").append(thumbnail).append("px\"/>")
                    .append("<figcaption style=\"font-size:12px\">").append(Html.escape(cell.caption()));
            if (!cell.detail().isEmpty()) {
                html.append("<br/><span style=\"color:#555\">").append(Html.escape(cell.detail())).append("</span>");
            }
            if (thumb.problem != null) {
                html.append("<br/><span style=\"color:#b00\">").append(Html.escape(thumb.problem)).append("</span>");
            }
            html.append("</figcaption></figure>");
        }
        html.append("</div></div>");
        return html.toString();
    }

    /**
     * Returns the grid drawn as one image: thumbnails in rows of {@link #columns(int)} with their
     * captions (and details) underneath; unreadable images are grey boxes.
     */
    public BufferedImage contactSheet() {
        int pad = 8;
        int lineHeight = 14;
        int cellW = thumbnail + 2 * pad;
        int cellH = thumbnail + pad + 2 * lineHeight + pad;
        int titleH = title.isEmpty() ? 0 : 24;
        int cols = Math.max(1, Math.min(columns, cells.size()));
        int rows = Math.max(1, (cells.size() + columns - 1) / columns);
        BufferedImage sheet = new BufferedImage(cols * cellW, titleH + rows * cellH, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = sheet.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, sheet.getWidth(), sheet.getHeight());
            g.setColor(Color.BLACK);
            if (!title.isEmpty()) {
                g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
                g.drawString(title, pad, 17);
            }
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
            FontMetrics fm = g.getFontMetrics();
            for (int i = 0; i < cells.size(); i++) {
                Cell cell = cells.get(i);
                int x0 = (i % columns) * cellW + pad;
                int y0 = titleH + (i / columns) * cellH + pad;
                BufferedImage image = thumbnail(cell).image;
                if (image == null) {
                    g.setColor(Color.LIGHT_GRAY);
                    g.fillRect(x0, y0, thumbnail, thumbnail);
                } else {
                    g.drawImage(image, x0 + (thumbnail - image.getWidth()) / 2, y0 + (thumbnail - image.getHeight()) / 2, null);
                }
                g.setColor(Color.BLACK);
                g.drawString(fit(cell.caption(), fm, thumbnail), x0, y0 + thumbnail + lineHeight);
                g.setColor(Color.DARK_GRAY);
                g.drawString(fit(cell.detail(), fm, thumbnail), x0, y0 + thumbnail + 2 * lineHeight);
            }
        } finally {
            g.dispose();
        }
        return sheet;
    }

    private record Thumb(BufferedImage image, String problem) {
    }

    private Thumb thumbnail(Cell cell) {
        if (isUrl(cell.path())) {
            return new Thumb(null, null);
        }
        Path file = baseDir == null ? Path.of(cell.path()) : baseDir.resolve(cell.path());
        if (!Files.isRegularFile(file)) {
            return new Thumb(null, "not found: " + file);
        }
        try {
            BufferedImage image = ImageIO.read(file.toFile());
            if (image == null) {
                return new Thumb(null, "not a readable image: " + file);
            }
            return new Thumb(scale(image, thumbnail), null);
        } catch (IOException | RuntimeException e) {
            return new Thumb(null, "unreadable (" + e.getMessage() + "): " + file);
        }
    }

    static BufferedImage scale(BufferedImage image, int box) {
        double s = Math.min(1.0, Math.min((double) box / image.getWidth(), (double) box / image.getHeight()));
        int w = Math.max(1, (int) Math.round(image.getWidth() * s));
        int h = Math.max(1, (int) Math.round(image.getHeight() * s));
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BICUBIC);
            g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, w, h);
            g.drawImage(image, 0, 0, w, h, null);
        } finally {
            g.dispose();
        }
        return out;
    }

    private static String jpegDataUri(BufferedImage rgb) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ImageIO.write(rgb, "jpeg", out);
            return "data:image/jpeg;base64," + Base64.getEncoder().encodeToString(out.toByteArray());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("could not encode a thumbnail as JPEG", e);
        }
    }

    private String placeholderUri() {
        BufferedImage grey = new BufferedImage(thumbnail, thumbnail, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = grey.createGraphics();
        g.setColor(Color.LIGHT_GRAY);
        g.fillRect(0, 0, thumbnail, thumbnail);
        g.dispose();
        return Html.pngDataUri(grey);
    }

    private static boolean isUrl(String path) {
        return path.startsWith("http://") || path.startsWith("https://");
    }

    private static String fit(String text, FontMetrics fm, int width) {
        if (fm.stringWidth(text) <= width) {
            return text;
        }
        String t = text;
        while (!t.isEmpty() && fm.stringWidth(t + "…") > width) {
            t = t.substring(0, t.length() - 1);
        }
        return t + "…";
    }

    @Override
    public String toString() {
        return "ImageGrid[" + cells.size() + " images" + (title.isEmpty() ? "" : ", " + title) + "]";
    }
}
