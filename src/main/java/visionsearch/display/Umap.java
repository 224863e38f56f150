package visionsearch.display;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * UMAP in plain Java for small collections (exact k-NN, O(n^2) memory): fuzzy simplicial set of
 * the k-NN graph, symmetrised by fuzzy union, laid out by SGD with negative sampling, started from
 * PCA rather than a spectral layout so that disconnected components keep their place.
 */
final class Umap {
    private static final int NEGATIVE_SAMPLES = 5;

    private Umap() {
    }

    static double[][] fit(double[][] x, int k, double minDist, int epochs, long seed) {
        int n = x.length;
        double[][] dist = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                double s = 0;
                for (int c = 0; c < x[i].length; c++) {
                    double d = x[i][c] - x[j][c];
                    s += d * d;
                }
                dist[i][j] = Math.sqrt(s);
                dist[j][i] = dist[i][j];
            }
        }
        // k nearest neighbours of each point (self excluded), nearest first.
        int[][] knn = new int[n][k];
        for (int i = 0; i < n; i++) {
            Integer[] order = new Integer[n];
            for (int j = 0; j < n; j++) {
                order[j] = j;
            }
            final int row = i;
            Arrays.sort(order, (a, b) -> Double.compare(dist[row][a], dist[row][b]));
            int m = 0;
            for (int j = 0; j < n && m < k; j++) {
                if (order[j] != i) {
                    knn[i][m++] = order[j];
                }
            }
        }
        // Membership strengths: w_ij = exp(-(d_ij - rho_i) / sigma_i), sum_j w_ij = log2(k).
        double[][] w = new double[n][n];
        double target = Math.log(k) / Math.log(2);
        for (int i = 0; i < n; i++) {
            double rho = Double.POSITIVE_INFINITY;
            for (int j : knn[i]) {
                if (dist[i][j] > 0) {
                    rho = Math.min(rho, dist[i][j]);
                }
            }
            if (rho == Double.POSITIVE_INFINITY) {
                rho = 0;
            }
            double lo = 0;
            double hi = Double.POSITIVE_INFINITY;
            double sigma = 1;
            for (int it = 0; it < 64; it++) {
                double sum = 0;
                for (int j : knn[i]) {
                    sum += Math.exp(-Math.max(0, dist[i][j] - rho) / sigma);
                }
                if (Math.abs(sum - target) < 1e-5) {
                    break;
                }
                if (sum > target) {
                    hi = sigma;
                    sigma = (lo + hi) / 2;
                } else {
                    lo = sigma;
                    sigma = hi == Double.POSITIVE_INFINITY ? sigma * 2 : (lo + hi) / 2;
                }
            }
            sigma = Math.max(sigma, 1e-3 * meanOf(dist[i], knn[i]));
            for (int j : knn[i]) {
                w[i][j] = sigma > 0 ? Math.exp(-Math.max(0, dist[i][j] - rho) / sigma) : 1;
            }
        }
        List<int[]> edges = new ArrayList<>();
        List<Double> weights = new ArrayList<>();
        double maxWeight = 0;
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                double a = w[i][j];
                double b = w[j][i];
                double v = a + b - a * b;
                if (v > 0) {
                    edges.add(new int[] {i, j});
                    weights.add(v);
                    maxWeight = Math.max(maxWeight, v);
                }
            }
        }
        double[] ab = curve(minDist);
        double a = ab[0];
        double b = ab[1];
        double[][] y = initialLayout(x, seed);
        Random random = new Random(seed);
        for (int epoch = 0; epoch < epochs; epoch++) {
            double alpha = 1.0 - (double) epoch / epochs;
            for (int e = 0; e < edges.size(); e++) {
                if (random.nextDouble() * maxWeight > weights.get(e)) {
                    continue;
                }
                int i = edges.get(e)[0];
                int j = edges.get(e)[1];
                double d2 = sq(y[i], y[j]);
                if (d2 > 0) {
                    double coeff = -2 * a * b * Math.pow(d2, b - 1) / (1 + a * Math.pow(d2, b));
                    for (int c = 0; c < 2; c++) {
                        double g = clip(coeff * (y[i][c] - y[j][c])) * alpha;
                        y[i][c] += g;
                        y[j][c] -= g;
                    }
                }
                for (int s = 0; s < NEGATIVE_SAMPLES; s++) {
                    int other = random.nextInt(n);
                    if (other == i) {
                        continue;
                    }
                    double r2 = sq(y[i], y[other]);
                    for (int c = 0; c < 2; c++) {
                        double g = r2 > 0
                                ? clip(2 * b / ((0.001 + r2) * (1 + a * Math.pow(r2, b))) * (y[i][c] - y[other][c]))
                                : 4;
                        y[i][c] += g * alpha;
                    }
                }
            }
        }
        return y;
    }

    /** Returns umap-learn's (a, b) for spread 1 by a least-squares fit of 1 / (1 + a d^2b) to the target curve. */
    static double[] curve(double minDist) {
        double bestA = 1.577;
        double bestB = 0.895;
        double bestError = Double.POSITIVE_INFINITY;
        // A coarse grid then a fine grid is plenty for two parameters.
        for (int pass = 0; pass < 2; pass++) {
            double centreA = bestA;
            double centreB = bestB;
            double stepA = pass == 0 ? 0.05 : 0.002;
            double stepB = pass == 0 ? 0.02 : 0.001;
            for (int ia = -40; ia <= 40; ia++) {
                for (int ib = -20; ib <= 20; ib++) {
                    double ca = centreA + ia * stepA;
                    double cb = centreB + ib * stepB;
                    if (ca <= 0 || cb <= 0) {
                        continue;
                    }
                    double error = 0;
                    for (int t = 1; t <= 300; t++) {
                        double d = 3.0 * t / 300;
                        double target = d < minDist ? 1 : Math.exp(-(d - minDist));
                        double diff = 1 / (1 + ca * Math.pow(d, 2 * cb)) - target;
                        error += diff * diff;
                    }
                    if (error < bestError) {
                        bestError = error;
                        bestA = ca;
                        bestB = cb;
                    }
                }
            }
        }
        return new double[] {bestA, bestB};
    }

    private static double[][] initialLayout(double[][] x, long seed) {
        List<float[]> vectors = new ArrayList<>(x.length);
        for (double[] row : x) {
            float[] f = new float[row.length];
            for (int i = 0; i < row.length; i++) {
                f[i] = (float) row[i];
            }
            vectors.add(f);
        }
        Pca pca = Pca.fit(vectors, 2);
        double[][] y = new double[x.length][];
        double max = 0;
        for (int i = 0; i < x.length; i++) {
            y[i] = pca.project(vectors.get(i));
            max = Math.max(max, Math.max(Math.abs(y[i][0]), Math.abs(y[i][1])));
        }
        Random random = new Random(seed + 1);
        double scale = max > 0 ? 10 / max : 1;
        for (double[] p : y) {
            p[0] = p[0] * scale + random.nextGaussian() * 1e-4;
            p[1] = p[1] * scale + random.nextGaussian() * 1e-4;
        }
        return y;
    }

    private static double meanOf(double[] row, int[] idx) {
        double s = 0;
        for (int j : idx) {
            s += row[j];
        }
        return s / idx.length;
    }

    private static double sq(double[] p, double[] q) {
        double dx = p[0] - q[0];
        double dy = p[1] - q[1];
        return dx * dx + dy * dy;
    }

    private static double clip(double g) {
        return Math.max(-4, Math.min(4, g));
    }
}
