/**
 * Azure AI Vision multimodal embeddings ({@code retrieval:vectorizeImage} / {@code retrieval:vectorizeText},
 * 1024-d): the client {@link visionsearch.embed.azure.AzureVisionEmbedder} (pacing, retries, error
 * mapping into {@link visionsearch.embed.azure.VisionApiException}) and
 * {@link visionsearch.embed.azure.AzureVisionEmulator}, a local server that speaks the same contract over
 * any {@link visionsearch.embed.Embedder}, for offline lessons and tests. Both live here so the contract
 * lives in one place. Package-private: the HTTP call and retry loop ({@code AzureCalls}), what is sent
 * ({@code AzureRequests}), what answers mean ({@code AzureAnswers}), which model answers
 * ({@code AnsweringModel}), the builder's checks, the sliding-window pacing ({@code RateLimiter}) and the
 * one-line-per-storm retry log ({@code RetryLog}).
 *
 * <pre>{@code
 * try (AzureVisionEmbedder azure = AzureVisionEmbedder.fromSettings(Settings.load())) {  // VISION_ENDPOINT, VISION_KEY
 *     Embedding text = azure.embedText("a snowy mountain");
 * }
 * try (AzureVisionEmulator emulator = AzureVisionEmulator.start(ImageFeatureEmbedder.create());
 *      AzureVisionEmbedder local = AzureVisionEmbedder.builder().endpoint(emulator.endpoint()).key("any").build()) {
 *     Embedding image = local.embedImage(Path.of("images/beach-01.png"));   // model features:grid-hist-v1
 * }
 * }</pre>
 */
package visionsearch.embed.azure;
