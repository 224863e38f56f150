package visionsearch.index;

import java.util.List;
import java.util.Objects;

/**
 * A {@link Query} turned into one vector by {@link QueryCombiner}: each part's unit-length vector, and their
 * weighted sum, normalised.
 *
 * @param query  the query
 * @param parts  each part with its unit vector, in the query's order
 * @param vector the combined unit vector to search with; copied on the way in and out
 * @param calls  how many times the combiner called the embedder: once per distinct text or image part (a
 *               repeated part and an item part cost none; a cached embedder may answer a call from its cache)
 */
public record CombinedQuery(Query query, List<EmbeddedPart> parts, float[] vector, int calls) {

    /**
     * One part of the query and its vector.
     *
     * @param part   the part
     * @param vector its unit vector (before the weight); copied on the way in and out
     */
    public record EmbeddedPart(Query.Part part, float[] vector) {
        /** Checks and copies the components. */
        public EmbeddedPart {
            Objects.requireNonNull(part, "part");
            vector = vector.clone();
        }

        /** Returns a copy of the vector. */
        @Override
        public float[] vector() {
            return vector.clone();
        }
    }

    /** Checks and copies the components. */
    public CombinedQuery {
        Objects.requireNonNull(query, "query");
        parts = List.copyOf(parts);
        vector = vector.clone();
    }

    /** Returns a copy of the combined vector. */
    @Override
    public float[] vector() {
        return vector.clone();
    }
}
