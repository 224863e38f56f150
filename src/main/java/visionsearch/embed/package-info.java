/**
 * Turning images and text into embeddings: the {@link visionsearch.embed.Embedder} API, validated
 * {@link visionsearch.embed.ImageInput}s, the Azure AI Vision client, local CLIP, classical image
 * features, the on-disk embedding cache and configuration.
 *
 * <pre>{@code
 * try (Embedder embedder = Embedders.fromSettings(Settings.load())) {
 *     Embedding image = embedder.embedImage(Path.of("images/cat.jpg"));
 *     Embedding text = embedder.embedText("a cat on a sofa");
 *     System.out.println(image.cosine(text));
 * }
 * }</pre>
 */
package visionsearch.embed;
