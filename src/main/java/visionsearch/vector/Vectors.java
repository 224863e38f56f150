package visionsearch.vector;

/**
 * Distances and norms for dense {@code float[]} vectors.
 *
 * <p>All methods work on unnormalised vectors (Azure AI Vision returns vectors with an L2 norm
 * near 92), accumulate in {@code double} for accuracy, and throw {@link IllegalArgumentException}
 * naming both lengths when two vectors differ in dimension.
 */
public final class Vectors {
    private Vectors() {
    }

    /** Returns the dot product of {@code a} and {@code b}. */
    public static double dot(float[] a, float[] b) {
        checkSameLength(a, b);
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int n = a.length;
        int i = 0;
        for (; i + 3 < n; i += 4) {
            s0 += a[i] * b[i];
            s1 += a[i + 1] * b[i + 1];
            s2 += a[i + 2] * b[i + 2];
            s3 += a[i + 3] * b[i + 3];
        }
        for (; i < n; i++) {
            s0 += a[i] * b[i];
        }
        return (s0 + s1) + (s2 + s3);
    }

    /** Returns the L2 (Euclidean) norm of {@code a}. */
    public static double norm(float[] a) {
        double s0 = 0, s1 = 0;
        int i = 0;
        for (; i + 1 < a.length; i += 2) {
            s0 += a[i] * a[i];
            s1 += a[i + 1] * a[i + 1];
        }
        if (i < a.length) {
            s0 += a[i] * a[i];
        }
        return Math.sqrt(s0 + s1);
    }

    /**
     * Returns the cosine similarity of {@code a} and {@code b}, in [-1, 1].
     *
     * @throws IllegalArgumentException if either vector has zero length (norm 0), where cosine is undefined
     */
    public static double cosine(float[] a, float[] b) {
        checkSameLength(a, b);
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.length; i++) {
            double x = a[i];
            double y = b[i];
            dot += x * y;
            na += x * x;
            nb += y * y;
        }
        if (na == 0 || nb == 0) {
            throw new IllegalArgumentException("cosine is undefined for a zero vector (norms "
                    + Math.sqrt(na) + " and " + Math.sqrt(nb) + ")");
        }
        double c = dot / (Math.sqrt(na) * Math.sqrt(nb));
        return Math.max(-1.0, Math.min(1.0, c));
    }

    /** Returns the Euclidean (L2) distance between {@code a} and {@code b}. */
    public static double euclidean(float[] a, float[] b) {
        return Math.sqrt(squaredEuclidean(a, b));
    }

    /** Returns the squared Euclidean distance between {@code a} and {@code b}. */
    public static double squaredEuclidean(float[] a, float[] b) {
        checkSameLength(a, b);
        double s0 = 0, s1 = 0;
        int i = 0;
        for (; i + 1 < a.length; i += 2) {
            double d0 = a[i] - b[i];
            double d1 = a[i + 1] - b[i + 1];
            s0 += d0 * d0;
            s1 += d1 * d1;
        }
        if (i < a.length) {
            double d = a[i] - b[i];
            s0 += d * d;
        }
        return s0 + s1;
    }

    /**
     * Returns a new unit-length copy of {@code a}.
     *
     * @throws IllegalArgumentException if {@code a} is the zero vector
     */
    public static float[] normalize(float[] a) {
        double n = norm(a);
        if (n == 0) {
            throw new IllegalArgumentException("cannot normalise a zero vector of length " + a.length);
        }
        float[] out = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = (float) (a[i] / n);
        }
        return out;
    }

    /** Returns true if every component of {@code a} is finite (no NaN, no infinity). */
    public static boolean allFinite(float[] a) {
        for (float v : a) {
            if (!Float.isFinite(v)) {
                return false;
            }
        }
        return true;
    }

    private static void checkSameLength(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException(
                    "vectors differ in dimension: " + a.length + " vs " + b.length);
        }
    }
}
