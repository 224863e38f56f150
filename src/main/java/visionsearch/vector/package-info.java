/**
 * Small dense vector math used everywhere: dot, cosine, Euclidean distance, normalisation.
 *
 * <pre>{@code
 * double sim = Vectors.cosine(imageVector, textVector);   // works for Azure's unnormalised vectors
 * float[] unit = Vectors.normalize(imageVector);
 * }</pre>
 */
package visionsearch.vector;
