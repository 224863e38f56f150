package visionsearch.samples;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.Polygon;
import java.awt.RenderingHints;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import javax.imageio.ImageIO;

/**
 * Draws the sample collection: simple, varied scenes in six themes, each from a seeded RNG, so
 * the same seed always gives the same pixels (on the same JDK) and image-to-image search has right
 * answers. Each scene comes with a caption that says what was drawn.
 */
public final class SampleScenes {
    /** Width of every sample image. */
    public static final int WIDTH = 256;
    /** Height of every sample image. */
    public static final int HEIGHT = 192;
    /** The default seed of the committed collection. */
    public static final long DEFAULT_SEED = 20240201L;

    /** The themes, in file-name form. */
    public enum Theme {
        BEACH("beach"), FOREST("forest"), CITY("city"), UNDERWATER("underwater"), MOUNTAINS("mountains"),
        FLOWERS("flowers");

        private final String label;

        Theme(String label) {
            this.label = label;
        }

        /** Returns the theme as it appears in file names and captions.csv, e.g. {@code beach}. */
        public String label() {
            return label;
        }
    }

    /** One drawn scene. */
    public record Scene(String file, Theme theme, String caption, BufferedImage image) {
        /** Encodes the image as PNG. */
        public byte[] png() {
            try {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                ImageIO.write(image, "png", out);
                return out.toByteArray();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private SampleScenes() {
    }

    /** Draws {@code perTheme} scenes of every theme, named {@code <theme>-NN.png}. */
    public static List<Scene> collection(long seed, int perTheme) {
        List<Scene> scenes = new ArrayList<>();
        for (Theme theme : Theme.values()) {
            for (int i = 1; i <= perTheme; i++) {
                scenes.add(scene(seed, theme, i, String.format(Locale.ROOT, "%s-%02d.png", theme.label(), i)));
            }
        }
        return scenes;
    }

    /** Draws {@code perTheme} query scenes of every theme, from seeds the collection never uses. */
    public static List<Scene> queries(long seed, int perTheme) {
        List<Scene> scenes = new ArrayList<>();
        for (Theme theme : Theme.values()) {
            for (int i = 1; i <= perTheme; i++) {
                scenes.add(scene(seed, theme, 1000 + i, String.format(Locale.ROOT, "query-%s-%d.png", theme.label(), i)));
            }
        }
        return scenes;
    }

    /** Draws scene number {@code index} of {@code theme}. */
    public static Scene scene(long seed, Theme theme, int index, String file) {
        Random rng = new Random(seed * 1_000_003L + theme.ordinal() * 10_007L + index);
        BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
        String caption;
        try {
            switch (theme) {
                case BEACH -> caption = beach(g, rng);
                case FOREST -> caption = forest(g, rng);
                case CITY -> caption = city(g, rng);
                case UNDERWATER -> caption = underwater(g, rng);
                case MOUNTAINS -> caption = mountains(g, rng);
                case FLOWERS -> caption = flowers(g, rng);
                default -> throw new IllegalStateException("no painter for " + theme);
            }
        } finally {
            g.dispose();
        }
        return new Scene(file, theme, caption, image);
    }

    /**
     * Writes the scenes' PNGs and a CSV ({@code file,caption,theme}) into {@code dir}: {@code queries.csv}
     * for query scenes, else {@code captions.csv}.
     */
    public static void write(Path dir, List<Scene> scenes) {
        try {
            Files.createDirectories(dir);
            StringBuilder csv = new StringBuilder("file,caption,theme\n");
            for (Scene scene : scenes) {
                Files.write(dir.resolve(scene.file()), scene.png());
                csv.append(scene.file()).append(",\"").append(scene.caption().replace("\"", "\"\"")).append("\",")
                        .append(scene.theme().label()).append('\n');
            }
            String name = scenes.stream().anyMatch(s -> s.file().startsWith("query-")) ? "queries.csv" : "captions.csv";
            Files.writeString(dir.resolve(name), csv, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write samples to " + dir + ": " + e.getMessage(), e);
        }
    }

    // --- themes ---------------------------------------------------------------------------------

    private static String beach(Graphics2D g, Random rng) {
        int horizon = 95 + rng.nextInt(35);
        boolean dusk = rng.nextBoolean();
        Color top = dusk ? hsb(0.78f + jitter(rng, 0.04f), 0.55f, 0.45f) : hsb(0.95f + jitter(rng, 0.03f), 0.5f, 0.85f);
        Color low = hsb(0.08f + jitter(rng, 0.03f), 0.85f, 1f);
        vertical(g, 0, horizon, top, low);
        int sunX = 30 + rng.nextInt(WIDTH - 60);
        int sunR = 14 + rng.nextInt(16);
        int sunY = horizon - sunR / 2 - rng.nextInt(30);
        g.setColor(hsb(0.12f, 0.6f + jitter(rng, 0.1f), 1f));
        g.fill(new Ellipse2D.Double(sunX - sunR, sunY - sunR, 2 * sunR, 2 * sunR));
        int shore = horizon + 35 + rng.nextInt(30);
        vertical(g, horizon, shore, hsb(0.62f + jitter(rng, 0.04f), 0.6f, 0.55f), hsb(0.7f, 0.5f, 0.35f));
        g.setColor(hsb(0.1f, 0.7f, 1f));
        for (int y = horizon + 3; y < shore - 2; y += 4 + rng.nextInt(3)) {
            int half = 4 + rng.nextInt(sunR + 6);
            g.fillRect(sunX - half, y, 2 * half, 1 + rng.nextInt(2));
        }
        vertical(g, shore, HEIGHT, hsb(0.11f, 0.35f, 0.95f), hsb(0.09f, 0.45f, 0.8f));
        int palms = rng.nextInt(3);
        for (int p = 0; p < palms; p++) {
            palm(g, rng, rng.nextBoolean() ? 15 + rng.nextInt(50) : WIDTH - 65 + rng.nextInt(50), shore + 10 + rng.nextInt(20));
        }
        String sky = dusk ? "a purple dusk sky" : "a pink and orange sky";
        return "a sunset over the sea and a sandy beach, " + sky + ", the sun low on the horizon"
                + (palms == 0 ? "" : palms == 1 ? ", one palm tree" : ", two palm trees");
    }

    private static void palm(Graphics2D g, Random rng, int x, int base) {
        int height = 60 + rng.nextInt(40);
        int lean = -15 + rng.nextInt(31);
        g.setColor(new Color(35, 22, 30));
        g.setStroke(new BasicStroke(4f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
        Path2D trunk = new Path2D.Double();
        trunk.moveTo(x, base);
        trunk.quadTo(x + lean * 0.2, base - height * 0.5, x + lean, base - height);
        g.draw(trunk);
        g.setStroke(new BasicStroke(3f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
        for (int leaf = 0; leaf < 6; leaf++) {
            double angle = Math.PI * leaf / 5;
            Path2D l = new Path2D.Double();
            l.moveTo(x + lean, base - height);
            l.quadTo(x + lean + Math.cos(angle) * 18, base - height - 12, x + lean + Math.cos(angle) * 30, base - height + 8);
            g.draw(l);
        }
        g.setStroke(new BasicStroke(1f));
    }

    private static String forest(Graphics2D g, Random rng) {
        boolean misty = rng.nextBoolean();
        vertical(g, 0, HEIGHT, misty ? hsb(0.33f, 0.12f, 0.85f) : hsb(0.55f, 0.35f, 0.95f), hsb(0.3f, 0.3f, 0.75f));
        int ground = 140 + rng.nextInt(25);
        vertical(g, ground, HEIGHT, hsb(0.25f + jitter(rng, 0.03f), 0.65f, 0.45f), hsb(0.22f, 0.7f, 0.3f));
        int rows = 3;
        int trees = 0;
        for (int row = 0; row < rows; row++) {
            float value = 0.55f - row * 0.12f;
            int count = 6 + rng.nextInt(5);
            for (int t = 0; t < count; t++) {
                int x = rng.nextInt(WIDTH);
                int base = ground - 20 + row * 14 + rng.nextInt(10);
                int h = 55 + row * 12 + rng.nextInt(40);
                int w = h / 3 + rng.nextInt(10);
                g.setColor(new Color(90, 60, 35));
                g.fillRect(x - 2, base - 8, 5, 12);
                g.setColor(hsb(0.3f + jitter(rng, 0.05f), 0.6f + jitter(rng, 0.15f), value + jitter(rng, 0.06f)));
                for (int tier = 0; tier < 3; tier++) {
                    int ty = base - 6 - tier * h / 4;
                    int tw = w - tier * w / 4;
                    g.fillPolygon(new Polygon(new int[] {x - tw, x + tw, x}, new int[] {ty, ty, ty - h / 2}, 3));
                }
                trees++;
            }
        }
        boolean path = rng.nextBoolean();
        if (path) {
            g.setColor(hsb(0.09f, 0.35f, 0.6f));
            int cx = 80 + rng.nextInt(96);
            g.fillPolygon(new Polygon(new int[] {cx - 6, cx + 6, cx + 40, cx - 40}, new int[] {ground, ground, HEIGHT, HEIGHT}, 4));
        }
        return (misty ? "a misty green pine forest" : "a green pine forest under a clear sky") + " with about " + trees
                + " fir trees on grass" + (path ? " and a dirt path" : "");
    }

    private static String city(Graphics2D g, Random rng) {
        vertical(g, 0, HEIGHT, hsb(0.66f + jitter(rng, 0.03f), 0.8f, 0.12f), hsb(0.72f, 0.6f, 0.3f));
        g.setColor(new Color(235, 235, 255));
        for (int s = 0; s < 40; s++) {
            g.fillRect(rng.nextInt(WIDTH), rng.nextInt(90), 1, 1);
        }
        boolean moon = rng.nextBoolean();
        if (moon) {
            int mx = 20 + rng.nextInt(WIDTH - 40);
            g.setColor(new Color(245, 240, 210));
            g.fill(new Ellipse2D.Double(mx, 12 + rng.nextInt(25), 20, 20));
        }
        int buildings = 0;
        for (int layer = 0; layer < 2; layer++) {
            int x = -rng.nextInt(20);
            while (x < WIDTH) {
                int w = 20 + rng.nextInt(30);
                int h = (layer == 0 ? 80 : 50) + rng.nextInt(layer == 0 ? 90 : 70);
                int top = HEIGHT - h;
                g.setColor(hsb(0.65f, 0.3f, layer == 0 ? 0.2f : 0.12f));
                g.fillRect(x, top, w - 2, h);
                float windowHue = 0.13f + jitter(rng, 0.03f);
                for (int wy = top + 5; wy < HEIGHT - 6; wy += 8) {
                    for (int wx = x + 3; wx < x + w - 6; wx += 6) {
                        if (rng.nextInt(100) < 45) {
                            g.setColor(hsb(windowHue, 0.7f, 0.9f + jitter(rng, 0.1f)));
                            g.fillRect(wx, wy, 3, 4);
                        }
                    }
                }
                x += w;
                buildings++;
            }
        }
        return "a city skyline at night with " + buildings + " dark buildings and yellow lit windows under a starry sky"
                + (moon ? " and a full moon" : "");
    }

    private static String underwater(Graphics2D g, Random rng) {
        vertical(g, 0, HEIGHT, hsb(0.5f + jitter(rng, 0.03f), 0.6f, 0.85f), hsb(0.6f + jitter(rng, 0.03f), 0.9f, 0.3f));
        g.setColor(new Color(255, 255, 255, 40));
        for (int r = 0; r < 4; r++) {
            int x = rng.nextInt(WIDTH);
            g.fillPolygon(new Polygon(new int[] {x, x + 14, x + 60, x + 30}, new int[] {0, 0, HEIGHT, HEIGHT}, 4));
        }
        int floor = 160 + rng.nextInt(20);
        vertical(g, floor, HEIGHT, hsb(0.12f, 0.35f, 0.7f), hsb(0.1f, 0.4f, 0.5f));
        g.setStroke(new BasicStroke(4f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
        int weeds = 3 + rng.nextInt(5);
        for (int w = 0; w < weeds; w++) {
            int x = rng.nextInt(WIDTH);
            int h = 40 + rng.nextInt(60);
            g.setColor(hsb(0.35f + jitter(rng, 0.05f), 0.7f, 0.5f));
            Path2D weed = new Path2D.Double();
            weed.moveTo(x, floor + 5);
            for (int k = 1; k <= 4; k++) {
                weed.lineTo(x + (k % 2 == 0 ? -6 : 6), floor + 5 - h * k / 4.0);
            }
            g.draw(weed);
        }
        g.setStroke(new BasicStroke(1f));
        int fish = 2 + rng.nextInt(5);
        for (int f = 0; f < fish; f++) {
            int x = 20 + rng.nextInt(WIDTH - 50);
            int y = 30 + rng.nextInt(110);
            int len = 16 + rng.nextInt(16);
            boolean left = rng.nextBoolean();
            g.setColor(hsb(0.07f + jitter(rng, 0.05f), 0.9f, 1f));
            g.fill(new Ellipse2D.Double(x, y, len, len / 2.2));
            int tail = left ? x + len : x;
            int dir = left ? 1 : -1;
            g.fillPolygon(new Polygon(new int[] {tail, tail + dir * 9, tail + dir * 9},
                    new int[] {y + (int) (len / 4.4), y, y + (int) (len / 2.2)}, 3));
        }
        g.setColor(new Color(220, 245, 255, 160));
        g.setStroke(new BasicStroke(1.2f));
        int bubbles = 5 + rng.nextInt(10);
        for (int b = 0; b < bubbles; b++) {
            int r = 2 + rng.nextInt(5);
            g.draw(new Ellipse2D.Double(rng.nextInt(WIDTH), rng.nextInt(floor), r * 2, r * 2));
        }
        g.setStroke(new BasicStroke(1f));
        return "an underwater scene in blue-green water with " + fish + " orange fish, green seaweed, bubbles and a sandy sea floor";
    }

    private static String mountains(Graphics2D g, Random rng) {
        vertical(g, 0, HEIGHT, hsb(0.58f + jitter(rng, 0.03f), 0.45f, 0.9f), hsb(0.56f, 0.15f, 1f));
        int peaks = 2 + rng.nextInt(3);
        for (int layer = 0; layer < 2; layer++) {
            for (int p = 0; p < peaks; p++) {
                int cx = rng.nextInt(WIDTH);
                int top = (layer == 0 ? 20 : 55) + rng.nextInt(40);
                int base = 150 + rng.nextInt(15);
                int half = 60 + rng.nextInt(60);
                g.setColor(hsb(0.62f, 0.2f + jitter(rng, 0.05f), layer == 0 ? 0.55f : 0.42f));
                g.fillPolygon(new Polygon(new int[] {cx - half, cx, cx + half}, new int[] {base, top, base}, 3));
                double cap = 0.3 + rng.nextDouble() * 0.15;
                int capY = (int) (top + (base - top) * cap);
                int capHalf = (int) (half * cap);
                g.setColor(new Color(248, 250, 255));
                g.fillPolygon(new Polygon(new int[] {cx - capHalf, cx, cx + capHalf, cx + capHalf / 3, cx - capHalf / 3},
                        new int[] {capY, top, capY, capY - 5, capY + 4}, 5));
            }
        }
        int snow = 150 + rng.nextInt(15);
        vertical(g, snow, HEIGHT, new Color(245, 248, 255), new Color(215, 225, 240));
        int pines = rng.nextInt(6);
        for (int t = 0; t < pines; t++) {
            int x = rng.nextInt(WIDTH);
            int base = snow + 10 + rng.nextInt(25);
            int h = 20 + rng.nextInt(15);
            g.setColor(new Color(30, 55, 45));
            g.fillPolygon(new Polygon(new int[] {x - h / 4, x + h / 4, x}, new int[] {base, base, base - h}, 3));
        }
        return "snowy mountains with " + (peaks * 2) + " white-capped grey peaks under a pale blue sky and a snowfield"
                + (pines == 0 ? "" : " with a few dark pine trees");
    }

    private static String flowers(Graphics2D g, Random rng) {
        int horizon = 60 + rng.nextInt(40);
        vertical(g, 0, horizon, hsb(0.58f + jitter(rng, 0.02f), 0.6f, 0.95f), hsb(0.55f, 0.3f, 1f));
        g.setColor(Color.WHITE);
        int clouds = rng.nextInt(4);
        for (int c = 0; c < clouds; c++) {
            int x = rng.nextInt(WIDTH);
            int y = 8 + rng.nextInt(Math.max(1, horizon - 30));
            for (int k = 0; k < 3; k++) {
                g.fill(new Ellipse2D.Double(x + k * 12, y - (k == 1 ? 6 : 0), 22, 14));
            }
        }
        vertical(g, horizon, HEIGHT, hsb(0.25f + jitter(rng, 0.03f), 0.7f, 0.75f), hsb(0.28f, 0.8f, 0.5f));
        float[] hues = {0.0f, 0.14f, 0.8f, 0.92f, 0.72f};
        String[] names = {"red", "yellow", "purple", "pink", "violet"};
        int a = rng.nextInt(hues.length);
        int b = (a + 1 + rng.nextInt(hues.length - 1)) % hues.length;
        int count = 120 + rng.nextInt(120);
        for (int f = 0; f < count; f++) {
            int y = horizon + 4 + rng.nextInt(HEIGHT - horizon);
            double depth = (double) (y - horizon) / (HEIGHT - horizon);
            int r = 1 + (int) (depth * 5);
            int x = rng.nextInt(WIDTH);
            float hue = rng.nextBoolean() ? hues[a] : hues[b];
            g.setColor(hsb(hue + jitter(rng, 0.02f), 0.8f, 0.95f));
            g.fill(new Ellipse2D.Double(x - r, y - r, 2 * r, 2 * r));
            if (r >= 3) {
                g.setColor(hsb(0.14f, 0.9f, 1f));
                g.fillRect(x, y, 1, 1);
            }
        }
        return "a meadow of " + names[a] + " and " + names[b] + " flowers in green grass under a blue sky"
                + (clouds == 0 ? "" : " with white clouds");
    }

    // --- helpers --------------------------------------------------------------------------------

    private static void vertical(Graphics2D g, int y0, int y1, Color top, Color bottom) {
        g.setPaint(new GradientPaint(0, y0, top, 0, y1, bottom));
        g.fillRect(0, y0, WIDTH, y1 - y0);
    }

    private static Color hsb(float h, float s, float b) {
        return Color.getHSBColor(h - (float) Math.floor(h), clamp(s), clamp(b));
    }

    private static float clamp(float v) {
        return Math.max(0f, Math.min(1f, v));
    }

    private static float jitter(Random rng, float amount) {
        return (rng.nextFloat() * 2 - 1) * amount;
    }
}
