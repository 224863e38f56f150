package visionsearch.vector;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class VectorsTest {

    @Test
    void smallHandComputedCases() {
        float[] a = {1, 2, 3};
        float[] b = {4, -5, 6};
        assertEquals(4 - 10 + 18, Vectors.dot(a, b), 1e-12);
        assertEquals(Math.sqrt(14), Vectors.norm(a), 1e-12);
        assertEquals(Math.sqrt(9 + 49 + 9), Vectors.euclidean(a, b), 1e-12);
        assertEquals(12 / (Math.sqrt(14) * Math.sqrt(77)), Vectors.cosine(a, b), 1e-12);
    }

    @ParameterizedTest(name = "dimension {0}")
    @ValueSource(ints = {1, 2, 3, 5, 512, 1023, 1024})
    void matchesNaiveDoubleLoopsForEveryLength(int n) {
        Random random = new Random(n);
        float[] a = new float[n];
        float[] b = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) random.nextGaussian() * 3;
            b[i] = (float) random.nextGaussian() * 3;
        }
        double dot = 0, na = 0, nb = 0, d2 = 0;
        for (int i = 0; i < n; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
            d2 += ((double) a[i] - b[i]) * ((double) a[i] - b[i]);
        }
        assertEquals(dot, Vectors.dot(a, b), 1e-4 * Math.max(1, Math.abs(dot)));
        assertEquals(Math.sqrt(na), Vectors.norm(a), 1e-5 * Math.sqrt(na));
        assertEquals(d2, Vectors.squaredEuclidean(a, b), 1e-5 * d2);
        assertEquals(dot / Math.sqrt(na * nb), Vectors.cosine(a, b), 1e-9);
    }

    @Test
    void cosineIgnoresScaleLikeAzuresNorm92Vectors() {
        Random random = new Random(7);
        float[] unit = new float[1024];
        for (int i = 0; i < unit.length; i++) {
            unit[i] = (float) random.nextGaussian();
        }
        unit = Vectors.normalize(unit);
        float[] scaled = new float[1024];
        for (int i = 0; i < unit.length; i++) {
            scaled[i] = unit[i] * 92.1f;
        }
        assertEquals(1.0, Vectors.norm(unit), 1e-6);
        assertEquals(92.1, Vectors.norm(scaled), 1e-3);
        assertEquals(1.0, Vectors.cosine(unit, scaled), 1e-6);
        // dot is not cosine for unnormalised vectors: about 92 here.
        assertEquals(92.1, Vectors.dot(unit, scaled), 1e-2);
    }

    @Test
    void normalizeReturnsACopyAndRejectsZero() {
        float[] a = {3, 4};
        float[] n = Vectors.normalize(a);
        assertArrayEquals(new float[] {0.6f, 0.8f}, n, 1e-7f);
        assertArrayEquals(new float[] {3, 4}, a, 0f);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Vectors.normalize(new float[3]));
        assertTrue(e.getMessage().contains("zero vector"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Vectors.cosine(new float[2], new float[] {1, 1}));
    }

    @Test
    void dimensionMismatchNamesBothLengths() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Vectors.dot(new float[1024], new float[512]));
        assertTrue(e.getMessage().contains("1024") && e.getMessage().contains("512"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Vectors.cosine(new float[2], new float[3]));
        assertThrows(IllegalArgumentException.class, () -> Vectors.euclidean(new float[2], new float[3]));
    }

    @Test
    void allFiniteSpotsNanAndInfinity() {
        assertTrue(Vectors.allFinite(new float[] {0, -1, 1e30f}));
        assertFalse(Vectors.allFinite(new float[] {0, Float.NaN}));
        assertFalse(Vectors.allFinite(new float[] {Float.NEGATIVE_INFINITY}));
    }

    @Test
    void cosineStaysWithinMinusOneAndOne() {
        float[] a = {1e-3f, 1e-3f, 1e-3f};
        assertTrue(Vectors.cosine(a, a) <= 1.0);
        assertEquals(-1.0, Vectors.cosine(new float[] {1, 2}, new float[] {-2, -4}), 1e-12);
    }
}
