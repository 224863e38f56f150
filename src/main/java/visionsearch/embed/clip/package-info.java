/**
 * Local CLIP on ONNX Runtime: {@link visionsearch.embed.clip.ClipEmbedder} (image and text into one
 * L2-normalised space), its preprocessing ({@link visionsearch.embed.clip.ClipPreprocessor}, bit-exact with
 * the reference Pillow pipeline), tokenizer ({@link visionsearch.embed.clip.ClipTokenizer}) and the
 * checksummed one-time download ({@link visionsearch.embed.clip.ModelDownloader}, {@code vision-search model download}).
 *
 * <pre>{@code
 * try (ClipEmbedder clip = ClipEmbedder.open(ClipEmbedder.modelDir(Settings.load()))) {
 *     double score = clip.embedImage(Path.of("images/forest-01.png")).cosine(clip.embedText("a pine forest"));
 * }
 * }</pre>
 */
package visionsearch.embed.clip;
