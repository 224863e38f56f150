package visionsearch.display;

import java.util.List;
import java.util.Objects;
import java.util.Random;

/**
 * Principal component analysis fitted on a set of vectors, able to project new vectors (for
 * example text queries) into the same components.
 *
 * <p>Plain Java (power iteration with deflation, never forming the d x d covariance), so it needs
 * no native LAPACK: Smile's PCA calls LAPACK through OpenBLAS natives, which we keep out of the
 * way for a few components of a few thousand vectors.
 */
public final class Pca {
    private static final int MAX_ITERATIONS = 500;
    private static final double TOLERANCE = 1e-10;

    private final double[] mean;
    private final double[][] components;
    private final double[] variances;
    private final double totalVariance;

    private Pca(double[] mean, double[][] components, double[] variances, double totalVariance) {
        this.mean = mean;
        this.components = components;
        this.variances = variances;
        this.totalVariance = totalVariance;
    }

    /**
     * Fits {@code k} principal components of {@code vectors} (all of one dimension, at least two).
     * The result is deterministic: a fixed seed starts the power iteration and each component's
     * sign is fixed so that its largest coordinate is positive.
     */
    public static Pca fit(List<float[]> vectors, int k) {
        Objects.requireNonNull(vectors, "vectors");
        if (vectors.size() < 2) {
            throw new IllegalArgumentException("PCA needs at least 2 vectors, got " + vectors.size());
        }
        int d = vectors.get(0).length;
        if (k < 1 || k > d) {
            throw new IllegalArgumentException("k must be in 1.." + d + " (the dimension), was " + k);
        }
        int n = vectors.size();
        double[] mean = new double[d];
        for (float[] v : vectors) {
            if (v.length != d) {
                throw new IllegalArgumentException("vectors differ in dimension: " + d + " vs " + v.length);
            }
            for (int j = 0; j < d; j++) {
                mean[j] += v[j];
            }
        }
        for (int j = 0; j < d; j++) {
            mean[j] /= n;
        }
        double[][] x = new double[n][d];
        double total = 0;
        for (int i = 0; i < n; i++) {
            float[] v = vectors.get(i);
            for (int j = 0; j < d; j++) {
                x[i][j] = v[j] - mean[j];
                total += x[i][j] * x[i][j];
            }
        }
        total /= (n - 1);
        double[][] components = new double[k][];
        double[] variances = new double[k];
        Random random = new Random(42);
        double[] xv = new double[n];
        for (int c = 0; c < k; c++) {
            double[] v = new double[d];
            for (int j = 0; j < d; j++) {
                v[j] = random.nextGaussian();
            }
            orthogonalize(v, components, c);
            normalizeInPlace(v);
            double lambda = 0;
            for (int it = 0; it < MAX_ITERATIONS; it++) {
                // w = X^T (X v) / (n - 1): the covariance times v without forming the covariance.
                for (int i = 0; i < n; i++) {
                    xv[i] = dot(x[i], v);
                }
                double[] w = new double[d];
                for (int i = 0; i < n; i++) {
                    double s = xv[i];
                    double[] row = x[i];
                    for (int j = 0; j < d; j++) {
                        w[j] += s * row[j];
                    }
                }
                for (int j = 0; j < d; j++) {
                    w[j] /= (n - 1);
                }
                orthogonalize(w, components, c);
                double norm = Math.sqrt(dot(w, w));
                if (norm == 0) {
                    lambda = 0;
                    break;
                }
                for (int j = 0; j < d; j++) {
                    w[j] /= norm;
                }
                double change = 1 - Math.abs(dot(w, v));
                v = w;
                lambda = norm;
                if (change < TOLERANCE) {
                    break;
                }
            }
            int largest = 0;
            for (int j = 1; j < d; j++) {
                if (Math.abs(v[j]) > Math.abs(v[largest])) {
                    largest = j;
                }
            }
            if (v[largest] < 0) {
                for (int j = 0; j < d; j++) {
                    v[j] = -v[j];
                }
            }
            components[c] = v;
            variances[c] = lambda;
        }
        return new Pca(mean, components, variances, total);
    }

    /** Returns the number of components. */
    public int components() {
        return components.length;
    }

    /** Returns the input dimension. */
    public int dimensions() {
        return mean.length;
    }

    /** Returns the coordinates of {@code vector} on the fitted components (centred by the fitted mean). */
    public double[] project(float[] vector) {
        Objects.requireNonNull(vector, "vector");
        if (vector.length != mean.length) {
            throw new IllegalArgumentException("PCA was fitted on " + mean.length
                    + "-d vectors, cannot project a " + vector.length + "-d vector");
        }
        double[] out = new double[components.length];
        for (int c = 0; c < components.length; c++) {
            double s = 0;
            double[] comp = components[c];
            for (int j = 0; j < vector.length; j++) {
                s += (vector[j] - mean[j]) * comp[j];
            }
            out[c] = s;
        }
        return out;
    }

    /** Returns the share of the total variance each component explains, in [0, 1], largest first. */
    public double[] explainedVarianceRatio() {
        double[] out = new double[variances.length];
        for (int c = 0; c < out.length; c++) {
            out[c] = totalVariance == 0 ? 0 : variances[c] / totalVariance;
        }
        return out;
    }

    /** Returns a copy of component {@code c} (unit length). */
    public double[] component(int c) {
        return components[c].clone();
    }

    private static void orthogonalize(double[] v, double[][] previous, int count) {
        for (int p = 0; p < count; p++) {
            double s = dot(v, previous[p]);
            for (int j = 0; j < v.length; j++) {
                v[j] -= s * previous[p][j];
            }
        }
    }

    private static void normalizeInPlace(double[] v) {
        double n = Math.sqrt(dot(v, v));
        for (int j = 0; j < v.length; j++) {
            v[j] /= n;
        }
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int j = 0; j < a.length; j++) {
            s += a[j] * b[j];
        }
        return s;
    }

    @Override
    public String toString() {
        return "Pca[" + mean.length + "-d -> " + components.length + " components]";
    }
}
