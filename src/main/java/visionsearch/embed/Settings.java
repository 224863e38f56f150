package visionsearch.embed;

import io.github.cdimascio.dotenv.Dotenv;
import io.github.cdimascio.dotenv.DotenvEntry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The one place configuration is read: explicit values first, then environment variables, then a
 * {@code .env} file in the working directory or the nearest parent that has one.
 *
 * <p>Names: {@code VISION_ENDPOINT}, {@code VISION_KEY}, {@code VISION_API_VERSION},
 * {@code VISION_MODEL_VERSION}, {@code VISION_TIER}, {@code VISION_EMBEDDER}, {@code CLIP_MODEL_DIR},
 * {@code DATABASE_URL}. {@code .env.sample} documents each. {@link #toString()} never shows a
 * secret value.
 */
public final class Settings {
    /** Names whose values are secret and never printed. */
    private static final Set<String> SECRETS = Set.of("VISION_KEY", "DATABASE_URL", "PGPASSWORD");

    private final Map<String, String> explicit;
    private final Map<String, String> environment;
    private final Map<String, String> dotenv;
    private final Path dotenvFile;

    private Settings(Map<String, String> explicit, Map<String, String> environment,
                     Map<String, String> dotenv, Path dotenvFile) {
        this.explicit = Map.copyOf(explicit);
        this.environment = Map.copyOf(environment);
        this.dotenv = Map.copyOf(dotenv);
        this.dotenvFile = dotenvFile;
    }

    /** Reads the process environment and the nearest {@code .env} from the working directory upwards. */
    public static Settings load() {
        return load(Path.of("").toAbsolutePath(), System.getenv());
    }

    /** Reads {@code environment} and the nearest {@code .env} from {@code startDir} upwards. */
    public static Settings load(Path startDir, Map<String, String> environment) {
        Objects.requireNonNull(startDir, "startDir");
        Objects.requireNonNull(environment, "environment");
        Path file = findDotenv(startDir.toAbsolutePath());
        Map<String, String> values = new HashMap<>();
        if (file != null) {
            Dotenv parsed = Dotenv.configure().directory(file.getParent().toString()).filename(".env")
                    .ignoreIfMalformed().load();
            for (DotenvEntry entry : parsed.entries(Dotenv.Filter.DECLARED_IN_ENV_FILE)) {
                values.put(entry.getKey(), entry.getValue());
            }
        }
        return new Settings(Map.of(), environment, values, file);
    }

    /** Settings from explicit values only (no environment, no file); handy in tests and notebooks. */
    public static Settings of(Map<String, String> values) {
        return new Settings(values, Map.of(), Map.of(), null);
    }

    /**
     * Returns a copy with {@code name} set explicitly, overriding environment and file; {@code null} removes
     * the explicit value, a blank value hides the environment's and the file's.
     */
    public Settings with(String name, String value) {
        Objects.requireNonNull(name, "name");
        Map<String, String> copy = new HashMap<>(explicit);
        if (value == null) {
            copy.remove(name);
        } else {
            copy.put(name, value);
        }
        return new Settings(copy, environment, dotenv, dotenvFile);
    }

    /**
     * Returns the value of {@code name}. A blank value counts as unset, and a blank explicit value or
     * environment variable also hides the {@code .env} file's value ({@code VISION_KEY= cmd} runs
     * without a key even when {@code .env} has one).
     */
    public Optional<String> get(String name) {
        for (Map<String, String> source : java.util.List.of(explicit, environment, dotenv)) {
            String v = source.get(name);
            if (v != null) {
                return v.isBlank() ? Optional.empty() : Optional.of(v.trim());
            }
        }
        return Optional.empty();
    }

    /** Returns the value of {@code name} or {@code fallback}. */
    public String get(String name, String fallback) {
        return get(name).orElse(fallback);
    }

    /** Returns the {@code .env} file that was read, if any. */
    public Optional<Path> dotenvFile() {
        return Optional.ofNullable(dotenvFile);
    }

    /** Lists the known names with where each value came from; secret values are masked. */
    @Override
    public String toString() {
        Map<String, String> shown = new TreeMap<>();
        for (Map<String, String> source : java.util.List.of(dotenv, environment, explicit)) {
            for (String name : source.keySet()) {
                if (name.startsWith("VISION_") || name.startsWith("CLIP_") || name.equals("DATABASE_URL")) {
                    get(name).ifPresent(v -> shown.put(name, SECRETS.contains(name.toUpperCase(Locale.ROOT)) ? "***" : v));
                }
            }
        }
        return "Settings" + shown;
    }

    private static Path findDotenv(Path dir) {
        for (Path d = dir; d != null; d = d.getParent()) {
            Path candidate = d.resolve(".env");
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        return null;
    }
}
