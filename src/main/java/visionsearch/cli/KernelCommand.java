package visionsearch.cli;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import visionsearch.kernel.JupyterKernel;
import visionsearch.kernel.KernelSpec;

/** {@code vision-search kernel install|uninstall}: the Java notebook kernel for Jupyter and VS Code. */
@Command(name = "kernel", mixinStandardHelpOptions = true,
        description = "Install or remove the Java Jupyter kernel \"" + KernelSpec.DISPLAY_NAME + "\".",
        subcommands = {KernelCommand.Install.class, KernelCommand.Uninstall.class, KernelCommand.Run.class})
final class KernelCommand implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** Where the kernelspec goes; the default is the user's Jupyter data directory. */
    static final class Location {
        @Option(names = "--user", description = "the user's Jupyter data directory (default; JUPYTER_DATA_DIR overrides)")
        boolean user;

        @Option(names = "--sys-prefix", description = "the active Python or conda environment (<sys.prefix>/share/jupyter)")
        boolean sysPrefix;

        @Option(names = "--prefix", paramLabel = "DIR", description = "<DIR>/share/jupyter")
        Path prefix;

        static Path dataDir(Location location) throws IOException {
            if (location != null && location.prefix != null) {
                return KernelSpec.prefixDataDir(location.prefix.toAbsolutePath());
            }
            if (location != null && location.sysPrefix) {
                return KernelSpec.sysPrefixDataDir(System.getenv());
            }
            return KernelSpec.userDataDir(System.getenv());
        }
    }

    @Command(name = "install", mixinStandardHelpOptions = true,
            description = "Write the kernelspec (kernel.json) so Jupyter and VS Code offer \""
                    + KernelSpec.DISPLAY_NAME + "\"; running it again updates it.")
    static final class Install implements Callable<Integer> {
        @ArgGroup(exclusive = true)
        Location location;

        @Option(names = "--name", defaultValue = KernelSpec.DEFAULT_NAME, description = "kernel name (default ${DEFAULT-VALUE})")
        String name;

        @Option(names = "--jar", paramLabel = "JAR", description = "the jar the kernel runs from (default: "
                + KernelSpec.KERNEL_JAR + " beside this program's jar)")
        Path jar;

        @Option(names = "--java-option", paramLabel = "OPTION",
                description = "a JVM option for the kernel, e.g. --java-option=-Xmx8g (repeatable)")
        List<String> javaOptions = new ArrayList<>();

        @Option(names = "--fast-start", negatable = true, defaultValue = "true", fallbackValue = "true",
                description = "start the JVM with -XX:+UseSerialGC -XX:TieredStopAtLevel=1: quicker cells, "
                        + "slower long Java computations (default: on; --no-fast-start turns it off)")
        boolean fastStart;

        @Override
        public Integer call() throws IOException {
            List<String> options = new ArrayList<>(fastStart ? KernelSpec.FAST_START_OPTIONS : List.of());
            options.addAll(javaOptions);
            Path dir = KernelSpec.install(Location.dataDir(location), name, jar != null ? jar : kernelJar(), options);
            System.out.println("installed kernel '" + name + "' (" + KernelSpec.DISPLAY_NAME + ") in " + dir);
            return 0;
        }
    }

    @Command(name = "uninstall", mixinStandardHelpOptions = true, description = "Remove the kernelspec.")
    static final class Uninstall implements Callable<Integer> {
        @ArgGroup(exclusive = true)
        Location location;

        @Option(names = "--name", defaultValue = KernelSpec.DEFAULT_NAME, description = "kernel name (default ${DEFAULT-VALUE})")
        String name;

        @Override
        public Integer call() throws IOException {
            Path dataDir = Location.dataDir(location);
            boolean removed = KernelSpec.uninstall(dataDir, name);
            System.out.println(removed ? "removed kernel '" + name + "' from " + dataDir.resolve("kernels")
                    : "no kernel '" + name + "' in " + dataDir.resolve("kernels") + "; nothing to remove");
            return 0;
        }
    }

    @Command(name = "run", hidden = true, description = "Run the kernel (Jupyter starts this with its connection file).")
    static final class Run implements Callable<Integer> {
        @Parameters(paramLabel = "CONNECTION_FILE")
        Path connectionFile;

        @Override
        public Integer call() throws IOException {
            JupyterKernel.serve(connectionFile);
            return 0;
        }
    }

    /** The kernel's own jar beside this program's (the kernel alone, as JJava runs): else this program's jar. */
    private static Path kernelJar() throws IOException {
        Path own = ownJar();
        Path kernel = own.resolveSibling(KernelSpec.KERNEL_JAR);
        return Files.isRegularFile(kernel) ? kernel : own;
    }

    private static Path ownJar() throws IOException {
        try {
            Path path = Path.of(KernelCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (Files.isRegularFile(path) && path.toString().endsWith(".jar")) {
                return path;
            }
            throw new IOException("this program runs from " + path + ", not from a jar; pass --jar target/vision-search-all.jar");
        } catch (URISyntaxException | SecurityException | NullPointerException e) {
            throw new IOException("cannot tell which jar this program runs from; pass --jar target/vision-search-all.jar", e);
        }
    }
}
