package visionsearch.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.stream.Stream;
import visionsearch.embed.CachedEmbedder;
import visionsearch.embed.Embedder;
import visionsearch.embed.ImageInput;
import visionsearch.embed.azure.AzureVisionEmbedder;
import visionsearch.embed.azure.VisionApiException;

/**
 * Learns which model answers before a command creates a store for it. A client of Azure's API
 * reports the configured Azure model until the server has answered, and a server such as the
 * emulator answers with its own local model; so for Azure one image of the folder is embedded
 * first (through the cache, if the embedder has one, so it is not paid for twice). Local embedders
 * know their model: no call.
 */
final class FirstAnswer {
    /** How many files are looked at, at most, to find one image. */
    private static final int MAX_FILES = 100;

    private FirstAnswer() {
    }

    /** Embeds the first image under {@code folder} (depth-first, sorted) if {@code embedder} talks to Azure's API. */
    static void learnModel(Embedder embedder, Path folder) {
        if (!talksToAzure(embedder) || !Files.isDirectory(folder)) {
            return;
        }
        try (Stream<Path> files = Files.walk(folder)) {
            learnModel(embedder, files.filter(Files::isRegularFile).sorted().limit(MAX_FILES).iterator());
        } catch (IOException | java.io.UncheckedIOException e) {
            // The indexer walks the folder again and reports what it cannot read.
        }
    }

    /** Embeds the first of {@code files} that is an image and that the service accepts. */
    static void learnModel(Embedder embedder, Iterator<Path> files) {
        if (!talksToAzure(embedder)) {
            return;
        }
        while (files.hasNext()) {
            ImageInput image;
            try {
                image = ImageInput.of(files.next());
            } catch (RuntimeException notAnImage) {
                continue;
            }
            try {
                embedder.embedImage(image);
                return;
            } catch (VisionApiException e) {
                if (e.status() != 400) {
                    throw e; // the service is unreachable, refuses the key, ...: the run cannot go on
                }
            }
        }
    }

    private static boolean talksToAzure(Embedder embedder) {
        Embedder inner = embedder instanceof CachedEmbedder cached ? cached.delegate() : embedder;
        return inner instanceof AzureVisionEmbedder;
    }
}
