package visionsearch.kernel;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The Jupyter kernelspec ({@code kernels/<name>/kernel.json}) that makes Jupyter start this
 * project's Java kernel, and where Jupyter looks for it: the user's data directory
 * ({@code JUPYTER_DATA_DIR}, else {@code ~/.local/share/jupyter}, {@code ~/Library/Jupyter} on
 * macOS, {@code %APPDATA%\jupyter} on Windows), a Python environment's {@code <sys.prefix>/share/jupyter}
 * or any {@code <prefix>/share/jupyter}.
 */
public final class KernelSpec {

    /** The file name of the kernel's own jar, which {@code package} writes beside the others in {@code target/}. */
    public static final String KERNEL_JAR = "vision-search-kernel.jar";

    /** The kernel name used when none is given. */
    public static final String DEFAULT_NAME = "vision-search-java";

    /** The name front ends show in their kernel pickers. */
    public static final String DISPLAY_NAME = "Java (vision-search)";

    /**
     * JVM options the kernel starts with by default: the client compiler only and the serial
     * collector. Cells are short and javac-heavy, so this halves the CPU time of a notebook run
     * (measured on the five notebooks, 2 cores); pass other options to {@link #install(Path, String, Path, List)}
     * for long Java-side computations.
     */
    public static final List<String> FAST_START_OPTIONS = List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

    private static final Pattern VALID_NAME = Pattern.compile("[A-Za-z0-9._-]+");

    private KernelSpec() {
    }

    /**
     * Writes {@code <dataDir>/kernels/<name>/kernel.json} for a kernel run from {@code jar}
     * ({@link #KERNEL_JAR}: the kernel without the library, which notebooks load with
     * {@code %classpath}; any jar holding {@code visionsearch.kernel} works); running it again
     * overwrites the same file.
     *
     * @return the kernelspec directory
     */
    public static Path install(Path dataDir, String name, Path jar) throws IOException {
        return install(dataDir, name, jar, FAST_START_OPTIONS);
    }

    /**
     * Writes {@code <dataDir>/kernels/<name>/kernel.json} for a kernel run from {@code jar} with the
     * given JVM options (such as {@code -Xmx8g}); running it again overwrites the same file.
     *
     * @return the kernelspec directory
     */
    public static Path install(Path dataDir, String name, Path jar, List<String> javaOptions) throws IOException {
        checkName(name);
        if (!Files.isRegularFile(jar)) {
            throw new IOException("the kernel jar " + jar.toAbsolutePath() + " does not exist; build it with "
                    + "./mvnw -DskipTests package (./vision-search does that on first use)");
        }
        Path dir = dataDir.resolve("kernels").resolve(name);
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("kernel.json"), json(jar.toAbsolutePath().normalize(), javaOptions), StandardCharsets.UTF_8);
        return dir;
    }

    /**
     * Removes {@code <dataDir>/kernels/<name>}.
     *
     * @return whether there was a kernelspec to remove
     */
    public static boolean uninstall(Path dataDir, String name) throws IOException {
        checkName(name);
        Path dir = dataDir.resolve("kernels").resolve(name);
        if (!Files.exists(dir)) {
            return false;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path path : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(path);
            }
        }
        return true;
    }

    /** The kernel.json text for a kernel run from {@code jar} (an absolute path). */
    static String json(Path jar, List<String> javaOptions) {
        List<String> argv = new ArrayList<>();
        argv.add(javaCommand());
        argv.addAll(javaOptions);
        argv.addAll(List.of("-Djava.awt.headless=true", "-cp", jar.toString(), JupyterKernel.class.getName(),
                "{connection_file}"));
        StringBuilder out = new StringBuilder("{\n  \"argv\": [");
        for (int i = 0; i < argv.size(); i++) {
            out.append(i == 0 ? "" : ", ").append(quote(argv.get(i)));
        }
        out.append("],\n  \"display_name\": ").append(quote(DISPLAY_NAME))
                .append(",\n  \"language\": \"java\",\n  \"interrupt_mode\": \"message\",\n")
                .append("  \"metadata\": {\"debugger\": false}\n}\n");
        return out.toString();
    }

    /** The java launcher of the running JVM, so the kernel runs on the same Java as the installer. */
    static String javaCommand() {
        Path java = Path.of(System.getProperty("java.home"), "bin",
                System.getProperty("os.name", "").toLowerCase().startsWith("windows") ? "java.exe" : "java");
        return Files.isExecutable(java) ? java.toString() : "java";
    }

    /** The per-user Jupyter data directory, as {@code jupyter --data-dir} reports it. */
    public static Path userDataDir(Map<String, String> env) {
        String explicit = env.get("JUPYTER_DATA_DIR");
        if (explicit != null && !explicit.isBlank()) {
            return Path.of(explicit);
        }
        String home = System.getProperty("user.home");
        String os = System.getProperty("os.name", "").toLowerCase();
        if (os.startsWith("mac")) {
            return Path.of(home, "Library", "Jupyter");
        }
        if (os.startsWith("windows") && env.get("APPDATA") != null) {
            return Path.of(env.get("APPDATA"), "jupyter");
        }
        String xdg = env.get("XDG_DATA_HOME");
        return xdg != null && !xdg.isBlank() ? Path.of(xdg, "jupyter") : Path.of(home, ".local", "share", "jupyter");
    }

    /** The data directory under an installation prefix: {@code <prefix>/share/jupyter}. */
    public static Path prefixDataDir(Path prefix) {
        return prefix.resolve("share").resolve("jupyter");
    }

    /**
     * The data directory of the Python environment Jupyter runs in ({@code <sys.prefix>/share/jupyter}):
     * {@code CONDA_PREFIX} when a conda environment is active, else the {@code sys.prefix} of the
     * first that answers of: the Python the {@code jupyter} command on PATH runs on, {@code python3},
     * {@code python}.
     *
     * @throws IOException if no Python answers
     */
    public static Path sysPrefixDataDir(Map<String, String> env) throws IOException {
        String conda = env.get("CONDA_PREFIX");
        if (conda != null && !conda.isBlank()) {
            return prefixDataDir(Path.of(conda));
        }
        List<String> tried = new ArrayList<>();
        List<String> pythons = new ArrayList<>();
        jupyterPython(env).ifPresent(pythons::add);
        pythons.addAll(List.of("python3", "python"));
        for (String python : pythons) {
            tried.add(python);
            String prefix = pythonSysPrefix(python);
            if (prefix != null) {
                return prefixDataDir(Path.of(prefix));
            }
        }
        throw new IOException("--sys-prefix needs the Python that runs Jupyter, but none of " + tried
                + " answered; activate that environment, or use --prefix DIR or --user");
    }

    /** The interpreter named on the first line of the {@code jupyter} script first on PATH. */
    static Optional<String> jupyterPython(Map<String, String> env) {
        String path = env.getOrDefault("PATH", "");
        for (String dir : path.split(java.io.File.pathSeparator)) {
            if (dir.isBlank()) {
                continue;
            }
            Path jupyter = Path.of(dir, "jupyter");
            if (!Files.isRegularFile(jupyter)) {
                continue;
            }
            try (java.io.BufferedReader reader = Files.newBufferedReader(jupyter, StandardCharsets.ISO_8859_1)) {
                String first = reader.readLine();
                if (first != null && first.startsWith("#!")) {
                    String interpreter = first.substring(2).trim().split("\\s+")[0];
                    if (Files.isExecutable(Path.of(interpreter)) && interpreter.contains("python")) {
                        return Optional.of(interpreter);
                    }
                }
            } catch (IOException | RuntimeException e) {
                // Not a script we can read: fall back to python3 on PATH.
            }
            return Optional.empty();
        }
        return Optional.empty();
    }

    private static String pythonSysPrefix(String python) {
        try {
            Process process = new ProcessBuilder(python, "-c", "import sys; print(sys.prefix)")
                    .redirectErrorStream(true).start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return null;
            }
            return process.exitValue() == 0 && !out.isEmpty() ? out.lines().reduce((a, b) -> b).orElse(null) : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static void checkName(String name) {
        if (name == null || !VALID_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("kernel name must be letters, digits, '.', '_' or '-', got: " + name);
        }
    }

    private static String quote(String text) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            switch (c) {
                case '"': out.append("\\\""); break;
                case '\\': out.append("\\\\"); break;
                case '\n': out.append("\\n"); break;
                case '\t': out.append("\\t"); break;
                default:
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
            }
        }
        return out.append('"').toString();
    }
}
