package visionsearch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code vision-search kernel install|uninstall} through the command line. */
class KernelCommandTest {

    @Test
    void installAndUninstallUnderAPrefix(@TempDir Path dir) throws Exception {
        Path jar = Files.writeString(dir.resolve("app.jar"), "jar");
        Path prefix = dir.resolve("env");
        Path spec = prefix.resolve("share/jupyter/kernels/my-java/kernel.json");

        assertEquals(0, Main.run("kernel", "install", "--prefix", prefix.toString(), "--name", "my-java", "--jar", jar.toString()));
        assertTrue(Files.readString(spec).contains(jar.toAbsolutePath().toString()));
        assertTrue(Files.readString(spec).contains("\"-XX:TieredStopAtLevel=1\""), "fast start by default");
        assertEquals(0, Main.run("kernel", "install", "--prefix", prefix.toString(), "--name", "my-java", "--jar", jar.toString(),
                "--no-fast-start", "--java-option=-Xmx3g"));
        String custom = Files.readString(spec);
        assertTrue(custom.contains("\"-Xmx3g\"") && !custom.contains("TieredStopAtLevel"), custom);
        assertEquals(0, Main.run("kernel", "install", "--prefix", prefix.toString(), "--name", "my-java", "--jar", jar.toString()));

        assertEquals(0, Main.run("kernel", "uninstall", "--prefix", prefix.toString(), "--name", "my-java"));
        assertFalse(Files.exists(spec.getParent()));
    }

    @Test
    void locationsAreExclusiveAndRunNeedsAConnectionFile(@TempDir Path dir) {
        assertNotEquals(0, Main.run("kernel", "install", "--user", "--prefix", dir.toString()));
        assertNotEquals(0, Main.run("kernel", "run", dir.resolve("missing.json").toString()));
    }
}
