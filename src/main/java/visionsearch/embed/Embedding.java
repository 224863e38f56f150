package visionsearch.embed;

import java.util.Arrays;
import java.util.Objects;
import visionsearch.vector.Vectors;

/**
 * An embedding vector together with the id of the model that made it.
 *
 * <p>Model ids look like {@code azure-vision:2023-04-15}, {@code clip:ViT-B-32} or
 * {@code features:grid-hist-v1}. Vectors of different models live in different spaces and must
 * never be compared; {@link #cosine(Embedding)} refuses to.
 *
 * @param vector  the vector; copied on the way in and out
 * @param modelId the id of the model that produced it
 */
public record Embedding(float[] vector, String modelId) {

    /** Creates an embedding, copying {@code vector}. */
    public Embedding {
        Objects.requireNonNull(vector, "vector");
        Objects.requireNonNull(modelId, "modelId");
        if (vector.length == 0) {
            throw new IllegalArgumentException("vector must not be empty (model " + modelId + ")");
        }
        vector = vector.clone();
    }

    /** Returns a copy of the vector. */
    @Override
    public float[] vector() {
        return vector.clone();
    }

    /** Returns the number of dimensions. */
    public int dimensions() {
        return vector.length;
    }

    /** Returns the L2 norm of the vector. */
    public double norm() {
        return Vectors.norm(vector);
    }

    /**
     * Returns the cosine similarity with {@code other}.
     *
     * @throws IllegalArgumentException if the two come from different models
     */
    public double cosine(Embedding other) {
        if (!modelId.equals(other.modelId)) {
            throw new IllegalArgumentException("cannot compare embeddings of different models: "
                    + modelId + " vs " + other.modelId);
        }
        return Vectors.cosine(vector, other.vector);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Embedding e && modelId.equals(e.modelId) && Arrays.equals(vector, e.vector);
    }

    @Override
    public int hashCode() {
        return 31 * modelId.hashCode() + Arrays.hashCode(vector);
    }

    @Override
    public String toString() {
        return "Embedding[model=" + modelId + ", dimensions=" + vector.length
                + String.format(", norm=%.4f]", norm());
    }
}
