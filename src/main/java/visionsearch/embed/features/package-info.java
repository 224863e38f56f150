/**
 * The classical image-feature embedder: a colour and edge descriptor made by hand, with no model at all.
 * It embeds images only (text fails with an error that says which embedder to configure); it is the
 * baseline the first notebook starts from and the offline fallback of the demo.
 *
 * <pre>{@code
 * try (ImageFeatureEmbedder features = ImageFeatureEmbedder.create()) {
 *     double score = features.embedImage(Path.of("images/beach-01.png"))
 *             .cosine(features.embedImage(Path.of("images/beach-02.png")));
 * }
 * }</pre>
 */
package visionsearch.embed.features;
