package visionsearch.cli;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.Properties;
import visionsearch.embed.azure.AzureVisionEmbedder;
import visionsearch.store.VectorStores;

/**
 * Which model an Azure AI Vision endpoint answered with last time, kept in
 * {@code .vision-search/served-models.properties}: an endpoint tells its model only with its answers
 * (the emulator serves a local one), and a rerun must find the collection without a call.
 */
final class ServedModels {
    static final Path FILE = CollectionStore.DEFAULT_DIR.resolve("served-models.properties");

    private ServedModels() {
    }

    /** The key of a client's settings: endpoint, api-version and model version (never the key). */
    static String key(AzureVisionEmbedder azure) {
        return azure.endpoint() + " api-version=" + azure.apiVersion() + " model-version=" + azure.modelVersion();
    }

    /** The model the endpoint answered with last time, if known. */
    static Optional<VectorStores.StoredModel> get(String key) {
        String value = read().getProperty(key);
        if (value == null) {
            return Optional.empty();
        }
        int space = value.lastIndexOf(' ');
        try {
            return Optional.of(new VectorStores.StoredModel(value.substring(0, space),
                    Integer.parseInt(value.substring(space + 1))));
        } catch (RuntimeException e) {
            return Optional.empty(); // an edited or damaged line: learn the model again
        }
    }

    /** Remembers the model the endpoint answered with (written atomically). */
    static void put(String key, String modelId, int dimensions) {
        Properties p = read();
        String value = modelId + " " + dimensions;
        if (value.equals(p.getProperty(key))) {
            return;
        }
        p.setProperty(key, value);
        try {
            Files.createDirectories(FILE.toAbsolutePath().getParent());
            Path tmp = FILE.resolveSibling(FILE.getFileName() + ".tmp");
            try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                p.store(w, "vision-search: the model each Azure AI Vision endpoint answered with last");
            }
            Files.move(tmp, FILE, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + FILE + ": " + e.getMessage(), e);
        }
    }

    private static Properties read() {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(FILE, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (NoSuchFileException e) {
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + FILE + ": " + e.getMessage(), e);
        }
        return p;
    }
}
