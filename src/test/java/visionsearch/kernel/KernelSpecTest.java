package visionsearch.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** kernel.json contents, idempotent install, uninstall, and where Jupyter's data directory is. */
class KernelSpecTest {

    @TempDir
    Path dir;

    @Test
    void installWritesKernelJsonThatRunsTheJarAndIsIdempotent() throws IOException {
        Path jar = Files.writeString(dir.resolve("vision search-kernel.jar"), "not really a jar");
        Path data = dir.resolve("data");
        Path installed = KernelSpec.install(data, KernelSpec.DEFAULT_NAME, jar);
        assertEquals(data.resolve("kernels/vision-search-java"), installed);
        String first = Files.readString(installed.resolve("kernel.json"));
        JsonNode spec = new ObjectMapper().readTree(first);
        List<String> argv = new ObjectMapper().convertValue(spec.get("argv"), List.class);
        assertTrue(argv.get(0).endsWith("java"), argv.toString());
        assertEquals(List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Djava.awt.headless=true", "-cp",
                jar.toAbsolutePath().toString(), "visionsearch.kernel.JupyterKernel", "{connection_file}"),
                argv.subList(1, argv.size()));
        assertEquals("Java (vision-search)", spec.get("display_name").asText());
        assertEquals("java", spec.get("language").asText());
        assertEquals("message", spec.get("interrupt_mode").asText());

        KernelSpec.install(data, KernelSpec.DEFAULT_NAME, jar);
        assertEquals(first, Files.readString(installed.resolve("kernel.json")), "installing twice changes nothing");
        try (var files = Files.list(data.resolve("kernels"))) {
            assertEquals(1, files.count());
        }

        assertTrue(KernelSpec.uninstall(data, KernelSpec.DEFAULT_NAME));
        assertFalse(Files.exists(installed));
        assertFalse(KernelSpec.uninstall(data, KernelSpec.DEFAULT_NAME), "nothing left to remove");
    }

    @Test
    void installRefusesAMissingJarAndBadNames() {
        IOException missing = assertThrows(IOException.class,
                () -> KernelSpec.install(dir, KernelSpec.DEFAULT_NAME, dir.resolve("absent.jar")));
        assertTrue(missing.getMessage().contains("absent.jar") && missing.getMessage().contains("package"),
                missing.getMessage());
        assertThrows(IllegalArgumentException.class, () -> KernelSpec.install(dir, "../escape", dir));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "JUPYTER_DATA_DIR wins, /custom/jupyter, /xdg, /custom/jupyter",
        "XDG_DATA_HOME next, '', /xdg, /xdg/jupyter",
    })
    void userDataDirFollowsJupyter(String name, String jupyterDataDir, String xdg, String expected) {
        if (!System.getProperty("os.name").toLowerCase().startsWith("linux")) {
            return; // the macOS and Windows defaults differ by design
        }
        assertEquals(Path.of(expected), KernelSpec.userDataDir(Map.of("JUPYTER_DATA_DIR", jupyterDataDir, "XDG_DATA_HOME", xdg)));
    }

    @Test
    void sysPrefixUsesThePythonThatRunsJupyter() throws IOException {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Path python = bin.resolve("python3.11");
        Files.writeString(python, "#!/bin/sh\necho /opt/jupyter-env\n");
        python.toFile().setExecutable(true);
        Files.writeString(bin.resolve("jupyter"), "#!" + python + "\nimport sys\n");
        Map<String, String> env = Map.of("PATH", bin.toString());
        assertEquals(python.toString(), KernelSpec.jupyterPython(env).orElseThrow());
        assertEquals(Path.of("/opt/jupyter-env/share/jupyter"), KernelSpec.sysPrefixDataDir(env));
    }

    @Test
    void defaultUserDataDirAndPrefixes() throws IOException {
        if (System.getProperty("os.name").toLowerCase().startsWith("linux")) {
            assertEquals(Path.of(System.getProperty("user.home"), ".local/share/jupyter"), KernelSpec.userDataDir(Map.of()));
        }
        assertEquals(Path.of("/opt/env/share/jupyter"), KernelSpec.prefixDataDir(Path.of("/opt/env")));
        assertEquals(Path.of("/opt/conda/envs/vs/share/jupyter"),
                KernelSpec.sysPrefixDataDir(Map.of("CONDA_PREFIX", "/opt/conda/envs/vs")));
    }
}
