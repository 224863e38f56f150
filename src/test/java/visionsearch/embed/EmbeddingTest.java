package visionsearch.embed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class EmbeddingTest {

    @Test
    void copiesTheVectorInAndOut() {
        float[] v = {1, 2, 3};
        Embedding e = new Embedding(v, "m");
        v[0] = 99;
        assertEquals(1f, e.vector()[0]);
        e.vector()[1] = 99;
        assertEquals(2f, e.vector()[1]);
        assertEquals(3, e.dimensions());
        assertEquals(Math.sqrt(14), e.norm(), 1e-9);
    }

    @Test
    void refusesToCompareDifferentModels() {
        Embedding a = new Embedding(new float[] {1, 0}, "azure-vision:2023-04-15");
        Embedding b = new Embedding(new float[] {1, 0}, "azure-vision:2022-04-11");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.cosine(b));
        assertTrue(e.getMessage().contains("2023-04-15") && e.getMessage().contains("2022-04-11"), e.getMessage());
        assertEquals(1.0, a.cosine(new Embedding(new float[] {5, 0}, "azure-vision:2023-04-15")), 1e-12);
    }

    @Test
    void valueSemanticsAndReadableToString() {
        assertEquals(new Embedding(new float[] {1, 2}, "m"), new Embedding(new float[] {1, 2}, "m"));
        assertEquals(new Embedding(new float[] {1, 2}, "m").hashCode(), new Embedding(new float[] {1, 2}, "m").hashCode());
        assertTrue(new Embedding(new float[] {3, 4}, "m").toString().contains("dimensions=2"));
        assertThrows(IllegalArgumentException.class, () -> new Embedding(new float[0], "m"));
        assertThrows(NullPointerException.class, () -> new Embedding(null, "m"));
    }
}
