package visionsearch.display;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import smile.manifold.TSNE;
import smile.math.MathEx;
import visionsearch.vector.Vectors;

/**
 * 2-D maps of embeddings with PCA, t-SNE and UMAP, images and text queries in one map.
 *
 * <p>Every method L2-normalises the vectors first, so that distances on the map follow cosine
 * similarity (Azure's vectors have norms near 92, text and image norms differ). All results are
 * deterministic (fixed seeds).
 * <ul>
 *   <li>{@link #pca}: fitted on the images only; queries are projected with the fitted components,
 *       so the image layout does not move when queries change.</li>
 *   <li>{@link #tsne}: Smile's t-SNE, fitted on images and queries together.</li>
 *   <li>{@link #umap}: UMAP (McInnes et al. 2018) fitted on images and queries together, in plain
 *       Java. Smile 3.1.1's UMAP needs native ARPACK/OpenBLAS (not shipped for every platform) and
 *       silently drops every point outside the largest connected component of the k-NN graph,
 *       which loses whole themes of a well-clustered collection; this one keeps every point.</li>
 * </ul>
 */
public final class Projections {
    private static final long SEED = 42;

    private Projections() {
    }

    /** Returns a PCA map of {@code images} with {@code queries} projected onto the same components. */
    public static EmbeddingMap pca(List<MapItem> images, List<MapItem> queries) {
        checkInputs(images, queries, 2);
        List<float[]> fit = new ArrayList<>();
        for (MapItem item : images) {
            fit.add(unit(item));
        }
        Pca pca = Pca.fit(fit, 2);
        List<MapPoint> points = new ArrayList<>();
        for (MapItem item : images) {
            double[] p = pca.project(unit(item));
            points.add(new MapPoint(item.label(), item.group(), p[0], p[1], false));
        }
        for (MapItem item : queries) {
            double[] p = pca.project(unit(item));
            points.add(new MapPoint(item.label(), item.group(), p[0], p[1], true));
        }
        double[] ratio = pca.explainedVarianceRatio();
        return new EmbeddingMap(String.format(java.util.Locale.ROOT, "PCA (%.0f%% + %.0f%% of variance)",
                100 * ratio[0], 100 * ratio[1]), points);
    }

    /** Returns a PCA map of {@code images} alone. */
    public static EmbeddingMap pca(List<MapItem> images) {
        return pca(images, List.of());
    }

    /**
     * Returns a t-SNE map of images and queries fitted together, with a perplexity suited to the
     * number of points (a fifth of them, between 2 and 15) and 500 iterations.
     */
    public static EmbeddingMap tsne(List<MapItem> images, List<MapItem> queries) {
        int n = images.size() + queries.size();
        double perplexity = Math.max(2, Math.min(15, Math.floor((n - 1) / 5.0)));
        return tsne(images, queries, perplexity, 500);
    }

    /**
     * Returns a t-SNE map of images and queries fitted together.
     *
     * @param perplexity the effective number of neighbours, below a third of the number of points
     * @param iterations gradient steps (250 to 1000 are typical; more is slower)
     */
    public static EmbeddingMap tsne(List<MapItem> images, List<MapItem> queries, double perplexity, int iterations) {
        checkInputs(images, queries, 4);
        int n = images.size() + queries.size();
        if (!(perplexity > 0) || perplexity >= (n - 1) / 2.0) {
            throw new IllegalArgumentException("perplexity must be above 0 and well below the number of points ("
                    + n + "); was " + perplexity + ", try " + Math.max(2, (n - 1) / 3));
        }
        if (iterations < 250) {
            throw new IllegalArgumentException("t-SNE needs at least 250 iterations (Smile's early"
                    + " exaggeration phase), was " + iterations);
        }
        double[][] x = unitRows(images, queries);
        // Smile treats a square input as a distance matrix, so always pass one (squared Euclidean):
        // with 512 images of 512-d vectors the raw data would silently be misread as distances.
        double[][] d2 = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                double s = 0;
                for (int k = 0; k < x[i].length; k++) {
                    double diff = x[i][k] - x[j][k];
                    s += diff * diff;
                }
                d2[i][j] = s;
                d2[j][i] = s;
            }
        }
        double[][] y;
        synchronized (MathEx.class) {
            MathEx.setSeed(SEED);
            y = new TSNE(d2, 2, perplexity, 200, iterations).coordinates;
        }
        return new EmbeddingMap(String.format(java.util.Locale.ROOT, "t-SNE (perplexity %.0f)", perplexity),
                toPoints(images, queries, y));
    }

    /** Returns a UMAP map of images and queries fitted together, with 15 neighbours (fewer for tiny sets). */
    public static EmbeddingMap umap(List<MapItem> images, List<MapItem> queries) {
        int n = images.size() + queries.size();
        return umap(images, queries, Math.max(2, Math.min(15, n - 1)), 0.1, 300);
    }

    /**
     * Returns a UMAP map of images and queries fitted together.
     *
     * @param neighbours the size of the local neighbourhood (2 to 100; larger keeps more global structure)
     * @param minDist    how tightly points may pack, in (0, 1]; 0.1 is umap-learn's default
     * @param epochs     optimisation epochs (200 to 500 are typical)
     */
    public static EmbeddingMap umap(List<MapItem> images, List<MapItem> queries, int neighbours, double minDist,
                                    int epochs) {
        checkInputs(images, queries, 3);
        int n = images.size() + queries.size();
        if (neighbours < 2 || neighbours >= n) {
            throw new IllegalArgumentException("neighbours must be in 2.." + (n - 1) + " for " + n
                    + " points, was " + neighbours);
        }
        if (!(minDist > 0) || minDist > 1) {
            throw new IllegalArgumentException("minDist must be in (0, 1], was " + minDist);
        }
        if (epochs < 1) {
            throw new IllegalArgumentException("epochs must be positive, was " + epochs);
        }
        double[][] x = unitRows(images, queries);
        double[][] y = Umap.fit(x, neighbours, minDist, epochs, SEED);
        return new EmbeddingMap(String.format(java.util.Locale.ROOT, "UMAP (%d neighbours)", neighbours),
                toPoints(images, queries, y));
    }

    private static List<MapPoint> toPoints(List<MapItem> images, List<MapItem> queries, double[][] y) {
        List<MapPoint> points = new ArrayList<>(y.length);
        int i = 0;
        for (MapItem item : images) {
            points.add(new MapPoint(item.label(), item.group(), y[i][0], y[i][1], false));
            i++;
        }
        for (MapItem item : queries) {
            points.add(new MapPoint(item.label(), item.group(), y[i][0], y[i][1], true));
            i++;
        }
        return points;
    }

    private static double[][] unitRows(List<MapItem> images, List<MapItem> queries) {
        double[][] x = new double[images.size() + queries.size()][];
        int i = 0;
        for (MapItem item : images) {
            x[i++] = toDouble(unit(item));
        }
        for (MapItem item : queries) {
            x[i++] = toDouble(unit(item));
        }
        return x;
    }

    private static float[] unit(MapItem item) {
        float[] v = item.vector();
        if (Vectors.norm(v) == 0) {
            throw new IllegalArgumentException("'" + item.label() + "' has a zero vector; it cannot be placed on a map");
        }
        return Vectors.normalize(v);
    }

    private static double[] toDouble(float[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }

    private static void checkInputs(List<MapItem> images, List<MapItem> queries, int minimum) {
        Objects.requireNonNull(images, "images");
        Objects.requireNonNull(queries, "queries");
        int n = images.size() + queries.size();
        if (images.size() + queries.size() < minimum) {
            throw new IllegalArgumentException("a map needs at least " + minimum + " points, got " + n);
        }
        if (images.isEmpty()) {
            throw new IllegalArgumentException("a map needs at least one image");
        }
        int d = images.get(0).vector().length;
        for (List<MapItem> list : List.of(images, queries)) {
            for (MapItem item : list) {
                if (item.vector().length != d) {
                    throw new IllegalArgumentException("all vectors must have one dimension (one model): '"
                            + images.get(0).label() + "' has " + d + ", '" + item.label() + "' has "
                            + item.vector().length);
                }
            }
        }
    }
}
