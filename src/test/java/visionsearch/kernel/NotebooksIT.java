package visionsearch.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs notebooks under Jupyter's own tooling (Debian's nbclient on /usr/bin/python3) with this
 * project's kernel, from the kernel's own jar that {@code package} built (no library inside, as JJava
 * runs): a smoke notebook that loads the library jar with {@code %classpath} and gets its rich display
 * through the library's JJava extension, a broken one that must fail, and every notebook in
 * {@code notebooks/}, offline, against the throwaway database.
 */
class NotebooksIT {

    static final Path ROOT = Path.of("").toAbsolutePath();
    static final Path JAR = ROOT.resolve("target/" + KernelSpec.KERNEL_JAR);
    static final Path LIBRARY = ROOT.resolve("target/vision-search.jar");
    static final String PYTHON = "/usr/bin/python3";
    static final String KERNEL = KernelSpec.DEFAULT_NAME;

    @TempDir
    static Path jupyter;

    @BeforeAll
    static void installKernel() throws Exception {
        for (Path jar : List.of(JAR, LIBRARY)) {
            if (!Files.isRegularFile(jar)) {
                fail("no " + jar + ": the notebook tests run after `package`; run ./mvnw verify or scripts/test.sh");
            }
        }
        Process check = new ProcessBuilder(PYTHON, "-c", "import nbclient, nbconvert, nbformat, jupyter_client")
                .redirectErrorStream(true).start();
        String out = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (check.waitFor() != 0) {
            fail(PYTHON + " cannot import Jupyter's tools (" + out.strip() + "); run scripts/test.sh, "
                    + "which calls scripts/install-jupyter.sh");
        }
        KernelSpec.install(jupyter.resolve("data"), KERNEL, JAR);
    }

    record Run(int exitCode, String output, Path outputDir) {
        JsonNode notebook(String name) throws IOException {
            return new ObjectMapper().readTree(outputDir.resolve(name).toFile());
        }
    }

    static Run run(List<Path> notebooks, Map<String, String> extraEnv) throws Exception {
        Path outputDir = Files.createTempDirectory(jupyter, "executed");
        List<String> command = new ArrayList<>(List.of(PYTHON, ROOT.resolve("scripts/run-notebooks.py").toString(),
                "--kernel", KERNEL, "--timeout", "600", "--output-dir", outputDir.toString()));
        notebooks.forEach(n -> command.add(n.toString()));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        Map<String, String> env = builder.environment();
        // Offline: never call Azure from the tests; blank values also hide a developer's .env key.
        env.put("VISION_KEY", "");
        env.put("VISION_ENDPOINT", "");
        env.put("JUPYTER_DATA_DIR", jupyter.resolve("data").toString());
        env.put("JUPYTER_PATH", jupyter.resolve("data").toString());
        env.put("JUPYTER_RUNTIME_DIR", jupyter.resolve("runtime").toString());
        env.put("JUPYTER_CONFIG_DIR", jupyter.resolve("config").toString());
        env.putAll(extraEnv);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(30, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            fail("notebooks still running after 30 minutes:\n" + output);
        }
        System.out.println(output);
        return new Run(process.exitValue(), output, outputDir);
    }

    /** nbformat stores multi-line strings as arrays of lines. */
    static String text(JsonNode node) {
        if (node == null) {
            return "";
        }
        if (node.isArray()) {
            StringBuilder out = new StringBuilder();
            node.forEach(line -> out.append(line.asText()));
            return out.toString();
        }
        return node.asText();
    }

    /** The kernel jar holds no library and the library jar no kernel framework: each side brings its own. */
    @Test
    void jarsAreSplitAsJJavaNeedsThem() throws IOException {
        try (java.util.jar.JarFile kernelJar = new java.util.jar.JarFile(JAR.toFile());
             java.util.jar.JarFile library = new java.util.jar.JarFile(LIBRARY.toFile())) {
            List<String> kernelEntries = kernelJar.stream().map(java.util.zip.ZipEntry::getName).toList();
            List<String> libraryEntries = library.stream().map(java.util.zip.ZipEntry::getName).toList();
            assertTrue(kernelEntries.contains("visionsearch/kernel/JupyterKernel.class"));
            assertTrue(kernelEntries.contains("org/dflib/jjava/jupyter/Extension.class"));
            assertFalse(kernelEntries.stream().anyMatch(e -> e.startsWith("visionsearch/display/")
                    || e.startsWith("tech/tablesaw/") || e.contains("org.dflib.jjava.jupyter.Extension")), "kernel jar has the library");
            assertTrue(libraryEntries.contains("visionsearch/display/NotebookExtension.class"));
            assertFalse(libraryEntries.stream().anyMatch(e -> e.startsWith("org/dflib/") || e.startsWith("visionsearch/kernel/")),
                    "a second copy of the kernel framework in the library jar");
            String services = new String(library.getInputStream(library.getEntry(
                    "META-INF/services/org.dflib.jjava.jupyter.Extension")).readAllBytes(), StandardCharsets.UTF_8);
            assertEquals("visionsearch.display.NotebookExtension", services.strip());
        }
    }

    @Test
    void libraryJarsExtensionRendersChartsGridsAndTablesUnderJupyter() throws Exception {
        Run run = run(List.of(ROOT.resolve("src/test/resources/notebooks/kernel-smoke.ipynb")), Map.of());
        assertEquals(0, run.exitCode(), run.output());
        JsonNode cells = run.notebook("kernel-smoke.ipynb").get("cells");
        String streams = cells.get(2).get("outputs").findValues("text").stream()
                .map(JsonNode::toString).collect(Collectors.joining());
        assertTrue(streams.contains("to stdout") && streams.contains("to stderr"), streams);
        assertEquals("42", text(cells.get(2).get("outputs").findValue("text/plain")));
        assertTrue(text(cells.get(3).get("outputs").get(0).get("data").get("image/png")).startsWith("iVBOR"),
                "a BufferedImage is a base64 PNG");
        JsonNode display = cells.get(4).get("outputs");
        assertEquals(2, display.size(), display.toString());
        assertTrue(text(display.get(0).get("data").get("text/html")).contains(">score</th>"), display.toString());
        assertEquals("<div class=\"grid\">grid</div>", text(display.get(1).get("data").get("text/html")));
        JsonNode chart = cells.get(5).get("outputs").get(0).get("data");
        assertTrue(text(chart.get("image/png")).startsWith("iVBOR"), "an XChart chart is a PNG: " + chart);
        JsonNode grid = cells.get(6).get("outputs").get(0).get("data");
        assertTrue(text(grid.get("text/html")).contains("<img") && text(grid.get("text/html")).contains("beach-01"),
                "an ImageGrid is HTML with its thumbnails: " + grid);
        JsonNode table = cells.get(7).get("outputs").get(0).get("data");
        assertTrue(text(table.get("text/html")).contains(">a beach</td>"), "a Tablesaw table is HTML: " + table);
    }

    @Test
    void runnerFailsOnABrokenNotebookAndShowsTheCell() throws Exception {
        Run run = run(List.of(ROOT.resolve("src/test/resources/notebooks/broken.ipynb")), Map.of());
        assertNotEquals(0, run.exitCode(), run.output());
        assertTrue(run.output().contains("FAIL broken.ipynb"), run.output());
        assertTrue(run.output().contains("int total = scores[3];"), "names the cell's code: " + run.output());
        assertTrue(run.output().contains("java.lang.ArrayIndexOutOfBoundsException"), run.output());
        assertTrue(run.output().contains("at cell (line 2)"), "trace points into the cell: " + run.output());
        assertFalse(run.output().contains("visionsearch.kernel."), "no kernel frames: " + run.output());
        assertFalse(run.notebook("broken.ipynb").toString().contains("never reached\\n\""), "stops at the error");
    }

    /** Interrupt through Jupyter's control channel, as the stop button sends it; completion too. */
    @Test
    void interruptAndCompletionOverTheJupyterProtocol() throws Exception {
        String script = String.join("\n",
                "import sys, time",
                "from jupyter_client.manager import start_new_kernel",
                "km, kc = start_new_kernel(kernel_name=sys.argv[1], startup_timeout=300)",
                "try:",
                "    kc.execute_interactive('String word = \"abc\";', timeout=300)",
                "    reply = kc.complete('word.leng', 9, reply=True, timeout=120)['content']",
                "    print('completion', reply['status'], reply['matches'])",
                "    msg_id = kc.execute('long n = 0; while (true) { n++; }')",
                "    time.sleep(3)",
                "    km.interrupt_kernel()",
                "    reply = kc.get_shell_msg(timeout=120)",
                "    while reply['parent_header'].get('msg_id') != msg_id:",
                "        reply = kc.get_shell_msg(timeout=120)",
                "    print('interrupted', reply['content']['status'], reply['content'].get('ename'))",
                "    after = kc.execute_interactive('6 * 7', timeout=120, output_hook=lambda m: print('after', m['content'].get('data', {}).get('text/plain')) if m['msg_type'] == 'execute_result' else None)",
                "finally:",
                "    kc.stop_channels()",
                "    km.shutdown_kernel(now=True)");
        ProcessBuilder builder = new ProcessBuilder(PYTHON, "-c", script, KERNEL).redirectErrorStream(true);
        builder.environment().put("JUPYTER_DATA_DIR", jupyter.resolve("data").toString());
        builder.environment().put("JUPYTER_PATH", jupyter.resolve("data").toString());
        builder.environment().put("JUPYTER_RUNTIME_DIR", jupyter.resolve("runtime").toString());
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(10, TimeUnit.MINUTES), output);
        assertEquals(0, process.exitValue(), output);
        assertTrue(output.contains("completion ok ['length()']"), output);
        assertTrue(output.contains("interrupted error CellInterruptedException"), output);
        assertTrue(output.contains("after 42"), "the kernel keeps working after an interrupt: " + output);
    }

    @Test
    void everyNotebookRunsOfflineTopToBottom() throws Exception {
        String database = System.getenv("VISION_SEARCH_TEST_DATABASE_URL");
        if (database == null || database.isBlank()) {
            fail("VISION_SEARCH_TEST_DATABASE_URL is not set: notebook 04 needs the throwaway PostgreSQL + pgvector "
                    + "that scripts/test.sh starts; run scripts/test.sh");
        }
        List<Path> notebooks;
        try (Stream<Path> files = Files.list(ROOT.resolve("notebooks"))) {
            notebooks = files.filter(p -> p.toString().endsWith(".ipynb")).sorted().collect(Collectors.toList());
        }
        assertFalse(notebooks.isEmpty(), "no notebooks in " + ROOT.resolve("notebooks"));
        Run run = run(notebooks, Map.of("DATABASE_URL", database));
        assertEquals(0, run.exitCode(), run.output());
        int png = 0;
        for (Path nb : notebooks) {
            String name = nb.getFileName().toString();
            String executed = run.notebook(name).toString();
            assertFalse(executed.contains(ROOT.toString()) || executed.contains(System.getProperty("user.home") + "/"),
                    name + ": an output shows a machine path");
            assertFalse(executed.contains(">null</td>"), name + ": a table shows a literal null");
            int html = 0;
            for (JsonNode cell : run.notebook(name).get("cells")) {
                for (JsonNode output : cell.path("outputs")) {
                    html += output.path("data").has("text/html") ? 1 : 0;
                    png += output.path("data").has("image/png") ? 1 : 0;
                }
            }
            assertTrue(html > 0, name + " shows no table or grid as HTML");
        }
        assertTrue(png >= 8, "the lessons' charts, maps and images as PNG: " + png);
    }
}
