package visionsearch.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import visionsearch.embed.Embedder;
import visionsearch.embed.azure.AzureVisionEmbedder;
import visionsearch.embed.Embedders;
import visionsearch.embed.Embedding;
import visionsearch.embed.ImageInput;
import visionsearch.embed.Settings;

/** {@code vision-search embed --text ... | --image FILE_OR_URL}: embeds one input and prints a summary. */
@Command(name = "embed", mixinStandardHelpOptions = true,
        description = "Embed one image (file or URL) or one text and print the vector's size, norm and model.")
final class EmbedCommand implements Callable<Integer> {

    static final class Input {
        @Option(names = "--text", description = "a text prompt (1 to 70 words)")
        String text;

        @Option(names = "--image", description = "an image file path or http(s) URL")
        String image;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    @Option(names = "--show", defaultValue = "5", description = "how many leading values to print (default ${DEFAULT-VALUE})")
    int show;

    @Option(names = "--truncate", description = "with Azure, embed only the first 70 words of a longer --text"
            + " (default: refuse it)")
    boolean truncate;

    @Override
    public Integer call() {
        Embedders.Selection selection = Embedders.select(Settings.load());
        try (Embedder embedder = selection.embedder()) {
            Embedding e = input.text != null ? text(embedder, input.text, truncate) : embedder.embedImage(image(input.image));
            // After the call: a server speaking Azure's API (the emulator) names its model only in its answers.
            System.out.println("embedder: " + embedder.modelId() + " (" + selection.reason() + ")");
            System.out.println("model:      " + e.modelId());
            System.out.println("dimensions: " + e.dimensions());
            System.out.printf("norm:       %.4f%n", e.norm());
            float[] v = e.vector();
            StringBuilder head = new StringBuilder("[");
            for (int i = 0; i < Math.min(show, v.length); i++) {
                head.append(i == 0 ? "" : ", ").append(String.format("%.5f", v[i]));
            }
            System.out.println("vector:     " + head + (v.length > show ? ", ...]" : "]"));
        }
        return 0;
    }

    /**
     * Embeds a {@code --text} argument. Azure takes 1 to 70 words: a longer text is refused with the
     * flag to use, or cut after the 70th word with {@code --truncate}.
     */
    static Embedding text(Embedder embedder, String text, boolean truncate) {
        if (embedder instanceof AzureVisionEmbedder azure) {
            if (truncate) {
                return azure.embedTextTruncated(text);
            }
            int words = AzureVisionEmbedder.wordCount(text);
            if (words > AzureVisionEmbedder.MAX_TEXT_WORDS) {
                throw new IllegalArgumentException("--text has " + words + " words: Azure AI Vision accepts 1 to "
                        + AzureVisionEmbedder.MAX_TEXT_WORDS + "; shorten it, or add --truncate to embed the first "
                        + AzureVisionEmbedder.MAX_TEXT_WORDS);
            }
        }
        return embedder.embedText(text);
    }

    static ImageInput image(String spec) {
        return spec.startsWith("http://") || spec.startsWith("https://") ? ImageInput.ofUrl(spec) : ImageInput.of(Path.of(spec));
    }
}
