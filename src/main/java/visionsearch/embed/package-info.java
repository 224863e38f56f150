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
 *
 * <p><b>Caching.</b> {@link visionsearch.embed.EmbeddingCache} keeps vectors on disk keyed by model id,
 * modality and the SHA-256 of the content; {@code cache.wrap(embedder)} returns a
 * {@link visionsearch.embed.CachedEmbedder} that calls the embedder only for misses (in
 * {@code embedImages}, only the misses go out, as one batch), so re-indexing a folder makes no calls:
 *
 * <pre>{@code
 * try (EmbeddingCache cache = EmbeddingCache.open(Path.of(".vision-search/embeddings.cache"));
 *      CachedEmbedder embedder = cache.wrap(Embedders.fromSettings(Settings.load()))) {
 *     List<EmbeddingResult> results = embedder.embedImages(images, (done, total) -> { });
 * }
 * }</pre>
 *
 * <p><b>Azure errors.</b> {@link visionsearch.embed.AzureVisionEmbedder} throws
 * {@link visionsearch.embed.VisionApiException} (HTTP status, Azure error and inner code, request id,
 * {@code retryable()}) after its own retries; local input problems are
 * {@link visionsearch.embed.InvalidImageException} or {@link IllegalArgumentException}.
 */
package visionsearch.embed;
