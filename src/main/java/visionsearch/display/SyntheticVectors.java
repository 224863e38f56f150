package visionsearch.display;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import visionsearch.store.VectorRecord;
import visionsearch.vector.Vectors;

/**
 * Made-up vectors for lessons that need more rows, or other lengths, than the sample collection has:
 * clustered data with queries near the clusters, and real vectors given varying lengths. Deterministic
 * for a seed.
 */
public final class SyntheticVectors {
    private final List<VectorRecord> records;
    private final List<float[]> queries;

    private SyntheticVectors(List<VectorRecord> records, List<float[]> queries) {
        this.records = records;
        this.queries = queries;
    }

    /**
     * Returns {@code count} vectors of {@code dims} dimensions around {@code clusters} random centres
     * (unit Gaussian noise; ids {@code v0, v1, ...}, metadata {@code cluster}), and {@code queries} more
     * drawn the same way, not among them.
     */
    public static SyntheticVectors clustered(int count, int dims, int clusters, int queries, long seed) {
        if (count <= 0 || dims <= 0 || clusters <= 0 || queries < 0) {
            throw new IllegalArgumentException("count, dims and clusters must be positive and queries not negative, got "
                    + count + ", " + dims + ", " + clusters + ", " + queries);
        }
        Random random = new Random(seed);
        float[][] centres = new float[clusters][];
        for (int c = 0; c < clusters; c++) {
            centres[c] = noisy(new float[dims], random);
        }
        List<VectorRecord> records = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            records.add(new VectorRecord("v" + i, "synthetic/" + i, Map.of("cluster", Integer.toString(i % clusters)), "",
                    noisy(centres[i % clusters], random)));
        }
        List<float[]> qs = new ArrayList<>(queries);
        for (int q = 0; q < queries; q++) {
            qs.add(noisy(centres[random.nextInt(clusters)], random));
        }
        return new SyntheticVectors(List.copyOf(records), List.copyOf(qs));
    }

    private static float[] noisy(float[] centre, Random random) {
        float[] v = new float[centre.length];
        for (int j = 0; j < v.length; j++) {
            v[j] = centre[j] + (float) random.nextGaussian();
        }
        return v;
    }

    /** Returns the vectors, as records ready for a store. */
    public List<VectorRecord> records() {
        return records;
    }

    /** Returns copies of the query vectors. */
    public List<float[]> queries() {
        return queries.stream().map(float[]::clone).toList();
    }

    /**
     * Returns {@code records} with each vector scaled to its own random length, drawn from a normal
     * distribution of {@code meanNorm} and {@code sdNorm} (and at least a tenth of the mean): the
     * directions, and so every cosine, stay the same; dot products change. Azure's image vectors, for
     * one, have lengths of about 92 that differ from image to image.
     */
    public static List<VectorRecord> withNorms(List<VectorRecord> records, double meanNorm, double sdNorm, long seed) {
        Objects.requireNonNull(records, "records");
        if (!(meanNorm > 0) || !(sdNorm >= 0)) {
            throw new IllegalArgumentException("meanNorm must be positive and sdNorm not negative, got "
                    + meanNorm + ", " + sdNorm);
        }
        Random random = new Random(seed);
        List<VectorRecord> out = new ArrayList<>(records.size());
        for (VectorRecord r : records) {
            double norm = Math.max(meanNorm / 10, meanNorm + sdNorm * random.nextGaussian());
            float[] v = Vectors.normalize(r.vector());
            for (int i = 0; i < v.length; i++) {
                v[i] *= (float) norm;
            }
            out.add(new VectorRecord(r.id(), r.path(), r.metadata(), r.contentSha256(), v));
        }
        return out;
    }
}
