package visionsearch.kernel;

import java.io.File;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.dflib.jjava.jupyter.kernel.magic.LineMagic;

/**
 * The IJava-compatible {@code %classpath} and {@code %jars} line magics: each argument is a path or
 * a glob ({@code *}, {@code **}, {@code ?}, {@code {a,b}}), relative to the kernel's working
 * directory (Jupyter starts kernels in the notebook's folder). {@code %classpath} also accepts
 * directories and {@code File.pathSeparator}-separated lists; {@code %jars} takes jar files only.
 */
final class ClasspathMagic implements LineMagic<List<String>, JavaKernel> {

    private final boolean jarsOnly;

    private ClasspathMagic(boolean jarsOnly) {
        this.jarsOnly = jarsOnly;
    }

    /** {@code %classpath}: jars, class folders, globs and path lists. */
    static ClasspathMagic classpath() {
        return new ClasspathMagic(false);
    }

    /** {@code %jars}: jar files and globs of jar files. */
    static ClasspathMagic jars() {
        return new ClasspathMagic(true);
    }

    @Override
    public List<String> eval(JavaKernel kernel, List<String> args) {
        String magic = jarsOnly ? "%jars" : "%classpath";
        if (args.isEmpty()) {
            throw new MagicException(magic + " needs at least one path or glob, e.g. "
                    + magic + " ../target/vision-search-all.jar");
        }
        Path base = kernel.workingDirectory();
        List<Path> found = new ArrayList<>();
        for (String arg : args) {
            List<String> parts = jarsOnly ? List.of(arg) : List.of(arg.split(File.pathSeparator));
            for (String part : parts) {
                if (!part.isBlank()) {
                    found.addAll(resolve(magic, base, part.strip()));
                }
            }
        }
        List<String> added = found.stream().map(Path::toString).distinct().collect(Collectors.toList());
        kernel.addToClasspath(added);
        return added;
    }

    private List<Path> resolve(String magic, Path base, String arg) {
        String expanded = arg.startsWith("~/") ? System.getProperty("user.home") + arg.substring(1) : arg;
        if (!isGlob(expanded)) {
            Path path = base.resolve(expanded).toAbsolutePath().normalize();
            if (!Files.exists(path)) {
                throw new MagicException(magic + ": " + path + " does not exist (argument '" + arg
                        + "', relative to " + base + "). If it is this project's jar, build it first: "
                        + "./vision-search help (or ./mvnw -DskipTests package)");
            }
            checkKind(magic, path);
            return List.of(path);
        }
        // Walk from the longest leading part of the pattern that has no glob characters.
        Path pattern = base.resolve(expanded).toAbsolutePath().normalize();
        Path root = pattern.getRoot();
        for (Path segment : pattern) {
            if (isGlob(segment.toString())) {
                break;
            }
            root = root.resolve(segment);
        }
        PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + pattern.toString()
                .replace("\\", "\\\\"));
        List<Path> matches;
        if (!Files.isDirectory(root)) {
            matches = List.of();
        } else {
            try (Stream<Path> walk = Files.walk(root)) {
                matches = walk.filter(matcher::matches)
                        .filter(p -> !jarsOnly || Files.isRegularFile(p))
                        .sorted()
                        .collect(Collectors.toList());
            } catch (IOException e) {
                throw new MagicException(magic + ": cannot list " + root + ": " + e.getMessage());
            }
        }
        if (matches.isEmpty()) {
            throw new MagicException(magic + ": nothing matches '" + arg + "' (looked for " + pattern + ")");
        }
        matches.forEach(p -> checkKind(magic, p));
        return matches;
    }

    private void checkKind(String magic, Path path) {
        if (jarsOnly && !Files.isRegularFile(path)) {
            throw new MagicException(magic + " expects jar files but " + path
                    + " is a directory; use %classpath for class folders");
        }
    }

    private static boolean isGlob(String text) {
        return text.chars().anyMatch(c -> c == '*' || c == '?' || c == '{' || c == '[');
    }
}
