/**
 * Turning images and text into embeddings: the {@link visionsearch.embed.Embedder} API every model
 * shares, validated {@link visionsearch.embed.ImageInput}s, the exceptions, configuration
 * ({@link visionsearch.embed.Settings}), the on-disk embedding cache, and
 * {@link visionsearch.embed.Embedders}, which picks a model from configuration and says why. Each model
 * family lives in its own subpackage: {@code embed.azure} (Azure AI Vision and its emulator),
 * {@code embed.clip} (local CLIP on ONNX Runtime), {@code embed.features} (classical image features).
 * {@code Embedders} is the one class here that knows the subpackages; they know only this package.
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
 * <p><b>Azure errors.</b> {@link visionsearch.embed.azure.AzureVisionEmbedder} throws
 * {@link visionsearch.embed.azure.VisionApiException} (HTTP status, Azure error and inner code, request id,
 * {@code retryable()}) after its own retries; local input problems are
 * {@link visionsearch.embed.InvalidImageException} or {@link IllegalArgumentException}.
 */
package visionsearch.embed;
