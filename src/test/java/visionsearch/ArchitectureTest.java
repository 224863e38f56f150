package visionsearch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The package arrows of ARCHITECTURE.md, read from the compiled classes' constant pools (every class a
 * class names in its code, signatures and descriptors; Javadoc is not compiled, so it does not count).
 */
class ArchitectureTest {
    private static final Path CLASSES = Path.of("target/classes");
    private static final Pattern REFERENCE = Pattern.compile("visionsearch/((?:[a-z]+/)*)[A-Z]");

    /** Each main package and the project packages it may use (besides itself). */
    private static final Map<String, Set<String>> ALLOWED = Map.ofEntries(
            Map.entry("vector", Set.of()),
            Map.entry("samples", Set.of()),
            Map.entry("embed", Set.of("vector")),
            Map.entry("embed.azure", Set.of("embed", "vector")),
            Map.entry("embed.clip", Set.of("embed", "vector")),
            Map.entry("embed.features", Set.of("embed", "vector")),
            Map.entry("store", Set.of("vector")),
            Map.entry("index", Set.of("embed", "store", "vector")),
            Map.entry("display", Set.of("embed", "store", "vector")),
            Map.entry("kernel", Set.of("display", "embed", "store", "vector")),
            Map.entry("cli", Set.of("vector", "embed", "embed.azure", "embed.clip", "embed.features", "store",
                    "index", "display", "kernel", "samples")));

    private static Map<String, Set<String>> uses;

    @BeforeAll
    static void readClasses() throws IOException {
        assertTrue(Files.isDirectory(CLASSES), "run after compiling: " + CLASSES.toAbsolutePath());
        uses = new TreeMap<>();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(CLASSES)) {
            files = walk.filter(p -> p.toString().endsWith(".class")).toList();
        }
        for (Path file : files) {
            String className = CLASSES.relativize(file).toString().replace('\\', '/').replaceAll("\\.class$", "");
            String pkg = packageOf(className);
            Set<String> used = uses.computeIfAbsent(className, k -> new TreeSet<>());
            for (String utf8 : utf8Constants(Files.readAllBytes(file))) {
                Matcher m = REFERENCE.matcher(utf8);
                while (m.find()) {
                    String other = m.group(1).isEmpty() ? "" : m.group(1).substring(0, m.group(1).length() - 1)
                            .replace('/', '.');
                    if (!other.equals(pkg) && !other.isEmpty()) {
                        used.add(other);
                    }
                }
            }
        }
    }

    @Test
    void everyPackageIsKnown() {
        Set<String> packages = new TreeSet<>();
        uses.keySet().forEach(c -> packages.add(packageOf(c)));
        assertEquals(new TreeSet<>(ALLOWED.keySet()), packages, "a package was added or removed: update "
                + "ARCHITECTURE.md and this test together");
    }

    @Test
    void arrowsPointOneWay() {
        List<String> wrong = new ArrayList<>();
        uses.forEach((className, used) -> {
            String pkg = packageOf(className);
            for (String other : used) {
                // Embedders picks a model family from configuration: the one arrow down into embed's subpackages.
                boolean factory = className.equals("visionsearch/embed/Embedders") && other.startsWith("embed.");
                if (!ALLOWED.get(pkg).contains(other) && !factory) {
                    wrong.add(className + " -> " + other);
                }
            }
        });
        assertTrue(wrong.isEmpty(), "arrows against ARCHITECTURE.md: " + wrong);
    }

    @Test
    void nothingImportsTheCommandLine() {
        uses.forEach((className, used) -> {
            if (!packageOf(className).equals("cli")) {
                assertFalse(used.contains("cli"), className + " uses visionsearch.cli");
            }
        });
    }

    @Test
    void notebooksImportLibraryPackagesOnly() throws IOException {
        try (Stream<Path> notebooks = Files.list(Path.of("notebooks"))) {
            for (Path nb : notebooks.filter(p -> p.toString().endsWith(".ipynb")).toList()) {
                String text = Files.readString(nb);
                assertFalse(text.contains("visionsearch.cli") || text.contains("visionsearch.kernel"),
                        nb + " imports the command line or the kernel");
            }
        }
    }

    @Test
    void noMainSourceFileIsLong() throws IOException {
        List<String> long_ = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(Path.of("src/main/java"))) {
            for (Path f : walk.filter(p -> p.toString().endsWith(".java")).toList()) {
                long lines = Files.readAllLines(f).size();
                if (lines > 640) {
                    long_.add(f + " (" + lines + " lines)");
                }
            }
        }
        assertTrue(long_.isEmpty(), "split by responsibility: " + long_);
    }

    private static String packageOf(String className) {
        String rest = className.substring("visionsearch/".length());
        int slash = rest.lastIndexOf('/');
        return slash < 0 ? "" : rest.substring(0, slash).replace('/', '.');
    }

    /** The CONSTANT_Utf8 entries of a class file (JVMS 4.4): class names, descriptors and signatures among them. */
    private static List<String> utf8Constants(byte[] bytes) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
        if (in.readInt() != 0xCAFEBABE) {
            throw new IOException("not a class file");
        }
        in.readUnsignedShort();
        in.readUnsignedShort();
        int count = in.readUnsignedShort();
        List<String> out = new ArrayList<>();
        for (int i = 1; i < count; i++) {
            int tag = in.readUnsignedByte();
            switch (tag) {
                case 1 -> out.add(in.readUTF());
                case 7, 8, 16, 19, 20 -> in.skipBytes(2);
                case 15 -> in.skipBytes(3);
                case 3, 4, 9, 10, 11, 12, 17, 18 -> in.skipBytes(4);
                case 5, 6 -> {
                    in.skipBytes(8);
                    i++; // long and double take two slots
                }
                default -> throw new IOException("unknown constant pool tag " + tag);
            }
        }
        return out;
    }
}
