/**
 * The {@code vision-search} command line: {@code embed}, {@code demo}, {@code index}, {@code search},
 * {@code kernel install}, {@code model download}, {@code emulator}. Run {@code vision-search help}.
 *
 * <p>One public class besides {@link visionsearch.cli.Main}: {@link visionsearch.cli.AzureVisionEmulator},
 * so tests and notebooks can run Azure code offline in-process:
 * <pre>{@code
 * try (AzureVisionEmulator emulator = AzureVisionEmulator.start(ImageFeatureEmbedder.create());
 *      Embedder azure = AzureVisionEmbedder.builder().endpoint(emulator.endpoint()).key("any").build()) {
 *     Embedding e = azure.embedImage(Path.of("images/beach-01.png"));   // model features:grid-hist-v1
 * }
 * }</pre>
 */
package visionsearch.cli;
