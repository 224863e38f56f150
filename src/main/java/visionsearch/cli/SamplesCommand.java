package visionsearch.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import visionsearch.samples.SampleScenes;

/**
 * {@code vision-search samples}: (re)generates the sample collection in {@code images/} and the
 * query images in {@code images-queries/}, deterministically from a seed. Hidden from the help:
 * the committed images are its output.
 */
@Command(name = "samples", hidden = true, mixinStandardHelpOptions = true,
        description = "Generate the sample collection (images/, captions.csv, LICENSE) and query images (images-queries/).")
final class SamplesCommand implements Callable<Integer> {
    /** The licence text written beside the images. */
    static final String LICENSE = """
            The images in this folder (and in images-queries/) were drawn by this project's own generator,
            `vision-search samples` (src/main/java/visionsearch/samples/SampleScenes.java), from a fixed seed.
            They contain no third-party material.

            To the extent possible under law, the vision-search authors have waived all copyright and related
            or neighbouring rights to these images and to captions.csv: CC0 1.0 Universal
            (https://creativecommons.org/publicdomain/zero/1.0/).
            """;

    @Option(names = "--out", defaultValue = "images", description = "collection folder (default ${DEFAULT-VALUE})")
    Path out;

    @Option(names = "--queries-out", defaultValue = "images-queries",
            description = "query image folder, kept apart so indexing the collection never indexes them (default ${DEFAULT-VALUE})")
    Path queriesOut;

    @Option(names = "--seed", defaultValue = "" + SampleScenes.DEFAULT_SEED, description = "RNG seed (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--per-theme", defaultValue = "18", description = "collection images per theme (default ${DEFAULT-VALUE})")
    int perTheme;

    @Option(names = "--queries-per-theme", defaultValue = "2", description = "query images per theme (default ${DEFAULT-VALUE})")
    int queriesPerTheme;

    @Override
    public Integer call() {
        List<SampleScenes.Scene> collection = SampleScenes.collection(seed, perTheme);
        List<SampleScenes.Scene> queries = SampleScenes.queries(seed, queriesPerTheme);
        SampleScenes.write(out, collection);
        SampleScenes.write(queriesOut, queries);
        try {
            Files.writeString(out.resolve("LICENSE"), LICENSE, StandardCharsets.UTF_8);
            Files.writeString(queriesOut.resolve("LICENSE"), LICENSE, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        System.out.println("wrote " + collection.size() + " images and captions.csv to " + out + ", "
                + queries.size() + " query images and queries.csv to " + queriesOut + " (seed " + seed + ")");
        return 0;
    }
}
