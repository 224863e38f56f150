package visionsearch.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.dflib.jjava.jupyter.kernel.ReplacementOptions;
import org.dflib.jjava.jupyter.kernel.display.DisplayData;
import org.dflib.jjava.jupyter.kernel.display.mime.MIMEType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The kernel in-process through its lifecycle: start, evaluate, display, errors, magics, interrupt, shut down. */
class JavaKernelTest {

    @TempDir
    static Path workDir;

    static JavaKernel kernel;

    @BeforeAll
    static void start() throws IOException {
        Files.createDirectories(workDir.resolve("libs"));
        kernel = JavaKernel.builder().workingDirectory(workDir).build();
        kernel.onStartup();
    }

    @AfterAll
    static void shutDown() {
        if (kernel != null) {
            kernel.onShutdown(false);
        }
    }

    private static String text(DisplayData data) {
        assertNotNull(data, "expected a displayed value");
        return String.valueOf(data.getData(MIMEType.TEXT_PLAIN));
    }

    @Test
    void lastExpressionIsTheCellValue() {
        assertEquals("42", text(kernel.eval("int answer = 20;\nanswer + 22")));
        assertEquals("42", text(kernel.eval("answer + 22;")), "a trailing semicolon keeps the value");
        assertNull(kernel.eval("int unused = 1;"), "a declaration shows nothing");
        assertNull(kernel.eval("void noop() {}\nnoop()"), "a void call shows nothing");
    }

    @Test
    void definitionsCarryAcrossCellsAndStartupImportsWork() {
        kernel.eval("String greet(String name) { return \"hello \" + name; }");
        assertEquals("hello notebook", text(kernel.eval("greet(\"notebook\")")));
        assertEquals("3", text(kernel.eval("List.of(1, 2, 3).stream().collect(Collectors.toList()).size()")));
    }

    @Test
    void standardOutputGoesToSystemOut() {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            kernel.eval("for (int i = 0; i < 3; i++) System.out.println(\"line \" + i);");
        } finally {
            System.setOut(original);
        }
        assertEquals("line 0\nline 1\nline 2\n", captured.toString(StandardCharsets.UTF_8).replace("\r", ""));
    }

    @Test
    void bufferedImageIsShownAsPng() {
        DisplayData data = kernel.eval("var img = new java.awt.image.BufferedImage(8, 6, java.awt.image.BufferedImage.TYPE_INT_RGB);\nimg");
        assertPng(data);
    }

    @Test
    void xchartIsShownAsPng() {
        DisplayData data = kernel.eval("var chart = new org.knowm.xchart.XYChartBuilder().width(200).height(120).build();\n"
                + "chart.addSeries(\"s\", new double[] {1, 2, 3}, new double[] {3, 1, 2});\nchart");
        byte[] png = assertPng(data);
        assertTrue(png.length > 500, "a 200x120 chart is more than a blank header: " + png.length + " bytes");
    }

    private static byte[] assertPng(DisplayData data) {
        assertNotNull(data);
        Object base64 = data.getData(MIMEType.IMAGE_PNG);
        assertNotNull(base64, "image/png missing");
        byte[] png = Base64.getDecoder().decode(base64.toString());
        assertEquals((byte) 0x89, png[0]);
        assertEquals("PNG", new String(png, 1, 3, StandardCharsets.US_ASCII));
        return png;
    }

    @Test
    void tablesawTableIsShownAsHtml() {
        DisplayData data = kernel.eval("import tech.tablesaw.api.*;\n"
                + "Table t = Table.create(\"hits\", IntColumn.create(\"rank\", 1, 2), StringColumn.create(\"file\", \"a<b>.jpg\", \"c.jpg\"));\nt");
        String html = String.valueOf(data.getData(MIMEType.TEXT_HTML));
        assertTrue(html.startsWith("<table"), html);
        assertTrue(html.contains(">rank</th>") && html.contains(">file</th>"), html);
        assertTrue(html.contains("a&lt;b&gt;.jpg"), "cells are escaped: " + html);
        assertTrue(html.contains("2 rows"), html);
    }

    @Test
    void htmlRenderableIsShownAsHtml() {
        DisplayData data = kernel.eval("visionsearch.display.HtmlRenderable grid = () -> \"<div class='grid'>x</div>\";\ngrid");
        assertEquals("<div class='grid'>x</div>", data.getData(MIMEType.TEXT_HTML));
    }

    @Test
    void compileErrorNamesTheLineAndPointsAtIt() {
        CompilationException e = assertThrows(CompilationException.class,
                () -> kernel.eval("int ok = 1;\nint broken = missingVariable + 1;"));
        String traceback = String.join("\n", e.traceback());
        assertTrue(e.getMessage().startsWith("line 2: cannot find symbol"), e.getMessage());
        assertTrue(traceback.contains("    int broken = missingVariable + 1;\n                 ^"), traceback);
        assertEquals(kernel.formatError(e), e.traceback());
    }

    @Test
    void runtimeExceptionHasATrimmedTrace() {
        kernel.eval("int divide(int a, int b) {\n  return a / b;\n}");
        EvaluationException e = assertThrows(EvaluationException.class,
                () -> kernel.eval("int a = 1;\nint r = divide(a, 0);"));
        assertEquals("java.lang.ArithmeticException: / by zero", e.getMessage());
        assertEquals("java.lang.ArithmeticException", e.errorName());
        assertEquals("/ by zero", e.errorValue());
        List<String> lines = e.traceback();
        assertEquals("java.lang.ArithmeticException: / by zero", lines.get(0));
        assertTrue(lines.get(1).contains("at divide (an earlier cell"), lines.toString());
        assertEquals("    at cell (line 2)", lines.get(lines.size() - 1), lines.toString());
        assertFalse(lines.stream().anyMatch(l -> l.contains("visionsearch.kernel") || l.contains("reflect")
                || l.contains("jdk.jshell")), "no kernel frames: " + lines);
    }

    @Test
    void exceptionFromLibraryKeepsLibraryFramesAndCause() {
        EvaluationException e = assertThrows(EvaluationException.class, () -> kernel.eval(
                "throw new IllegalStateException(\"outer\", new java.io.IOException(\"inner\"));"));
        String traceback = String.join("\n", e.traceback());
        assertTrue(traceback.startsWith("java.lang.IllegalStateException: outer"), traceback);
        assertTrue(traceback.contains("Caused by: java.io.IOException: inner"), traceback);
    }

    /**
     * JJava's extension path: a jar added with %classpath that lists an Extension in META-INF/services
     * gets it installed once, in the notebook's class loader, so its renderer is keyed by the very class
     * the cell's value has (a class loaded twice would never match, and the value would print as text).
     */
    @Test
    void extensionInAClasspathJarIsInstalledOnceAndRendersItsJarsTypes() throws Exception {
        String key = "ext.installs:demo.BadgeExtension";
        System.clearProperty(key);
        Path jar = compileJar("badge.jar", "demo.BadgeExtension", Map.of(
                "demo.Badge", "package demo; public final class Badge { final String text;"
                        + " public Badge(String text) { this.text = text; } }",
                "demo.BadgeExtension", "package demo;"
                        + " import org.dflib.jjava.jupyter.kernel.display.mime.MIMEType;"
                        + " public final class BadgeExtension implements org.dflib.jjava.jupyter.Extension {"
                        + " public void install(org.dflib.jjava.jupyter.kernel.BaseKernel kernel) {"
                        + "  System.setProperty(\"" + key + "\", String.valueOf(Integer.getInteger(\"" + key + "\", 0) + 1));"
                        + "  kernel.getRenderer().createRegistration(Badge.class).preferring(MIMEType.TEXT_HTML)"
                        + "   .register((b, context) -> context.renderIfRequested(MIMEType.TEXT_HTML, () -> \"<b>\" + b.text + \"</b>\"));"
                        + " } }"));
        assertNull(System.getProperty(key), "nothing installs it before the notebook adds the jar");
        assertNull(kernel.eval("%classpath " + jar));
        assertEquals("1", System.getProperty(key));
        DisplayData badge = kernel.eval("new demo.Badge(\"hi\")");
        assertEquals("<b>hi</b>", badge.getData(MIMEType.TEXT_HTML), "rendered by the jar's extension");
        kernel.eval("%classpath " + jar.getParent() + "/*.jar");
        assertEquals("1", System.getProperty(key), "an installed extension is not installed again");
    }

    @ParameterizedTest(name = "JJAVA_LOAD_EXTENSIONS={0} -> {1}")
    @CsvSource(value = {"NULL, true", "1, true", "true, true", "yes, true", "'', false", "' 0 ', false",
            "FALSE, false"}, nullValues = "NULL")
    void extensionsCanBeSwitchedOffAsInJJava(String value, boolean enabled) {
        assertEquals(enabled, JavaKernel.Builder.loadExtensions(value));
    }

    @Test
    void classpathMagicAddsAJarFoundByGlob() throws Exception {
        Path jar = compileJar("greeter.jar", null, Map.of("demo.Greeter",
                "package demo; public class Greeter { public static String hi() { return \"hi from jar\"; } }"));
        assertNull(kernel.eval("%jars libs/*.jar"));
        assertEquals("hi from jar", text(kernel.eval("demo.Greeter.hi()")));
        assertEquals("hi from jar", text(kernel.eval("%classpath " + jar + "\ndemo.Greeter.hi()")),
                "adding the same jar again is harmless and code after the magic runs");
    }

    @Test
    void classpathMagicExplainsAMissingJar() {
        MagicException e = assertThrows(MagicException.class, () -> kernel.eval("%jars ../nowhere/missing.jar"));
        assertTrue(e.getMessage().contains("does not exist") && e.getMessage().contains("missing.jar"), e.getMessage());
        MagicException glob = assertThrows(MagicException.class, () -> kernel.eval("%classpath nothing-*.jar"));
        assertTrue(glob.getMessage().contains("nothing matches"), glob.getMessage());
        MagicException unknown = assertThrows(MagicException.class, () -> kernel.eval("%maven a:b:1"));
        assertTrue(unknown.getMessage().contains("%classpath") && unknown.getMessage().contains("%jars"), unknown.getMessage());
    }

    @Test
    void completionSuggestsMembers() {
        kernel.eval("String word = \"abc\";");
        String code = "%jars libs/*.jar\nint other = 1;\nword.leng";
        ReplacementOptions options = kernel.complete(code, code.length());
        assertNotNull(options);
        assertTrue(options.getReplacements().contains("length()"), options.getReplacements().toString());
        assertEquals(code.length() - "leng".length(), options.getSourceStart());
        assertEquals(code.length(), options.getSourceEnd());
    }

    @Test
    void inspectionShowsSignatures() {
        String code = "Math.max(1, 2)";
        DisplayData doc = kernel.inspect(code, "Math.max(".length(), false);
        assertNotNull(doc);
        assertTrue(text(doc).contains("max(int"), text(doc));
    }

    @Test
    void completenessForConsoles() {
        assertEquals(JavaKernel.IS_COMPLETE_YES, kernel.isComplete("int x = 1;"));
        assertEquals("    ", kernel.isComplete("for (int i = 0; i < 3; i++) {"));
    }

    @Test
    void interruptStopsABusyCellAndTheKernelKeepsWorking() throws Exception {
        CompletableFuture<Object> running = CompletableFuture.supplyAsync(() -> {
            try {
                return kernel.eval("long spins = 0;\nwhile (true) { spins++; }");
            } catch (RuntimeException e) {
                return e;
            }
        });
        Thread.sleep(1500);
        kernel.interrupt();
        Object outcome = running.get(30, TimeUnit.SECONDS);
        assertTrue(outcome instanceof CellInterruptedException, "got " + outcome);
        assertEquals("7", text(kernel.eval("3 + 4")));
    }

    /** Compiles {@code sources} (class name to source) into {@code libs/<name>}, listing {@code extension} as a service. */
    private static Path compileJar(String name, String extension, Map<String, String> sources) throws IOException {
        Path src = Files.createDirectories(workDir.resolve("src-" + name));
        Path classes = Files.createDirectories(workDir.resolve("classes-" + name));
        List<String> args = new ArrayList<>(List.of("-d", classes.toString(), "-cp", System.getProperty("java.class.path")));
        for (Map.Entry<String, String> e : sources.entrySet()) {
            Path file = src.resolve(e.getKey().substring(e.getKey().lastIndexOf('.') + 1) + ".java");
            Files.writeString(file, e.getValue());
            args.add(file.toString());
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertEquals(0, javac.run(null, null, null, args.toArray(String[]::new)));
        Path jar = workDir.resolve("libs").resolve(name);
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            for (String className : sources.keySet()) {
                String entry = className.replace('.', '/') + ".class";
                out.putNextEntry(new JarEntry(entry));
                out.write(Files.readAllBytes(classes.resolve(entry)));
                out.closeEntry();
            }
            if (extension != null) {
                out.putNextEntry(new JarEntry("META-INF/services/org.dflib.jjava.jupyter.Extension"));
                out.write((extension + "\n").getBytes(StandardCharsets.UTF_8));
                out.closeEntry();
            }
        }
        return jar;
    }
}
