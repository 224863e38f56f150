package visionsearch.kernel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.dflib.jjava.jupyter.channels.JupyterConnection;
import org.dflib.jjava.jupyter.kernel.KernelConnectionProperties;

/**
 * Starts the Java notebook kernel for a Jupyter front end (JupyterLab, VS Code, nbclient). The
 * kernelspec written by {@link KernelSpec#install} runs {@code java -cp <kernel jar>
 * visionsearch.kernel.JupyterKernel <connection file>}, which calls {@link #serve(Path)}.
 */
public final class JupyterKernel {

    private JupyterKernel() {
    }

    /** Runs the kernel for the Jupyter connection file given as the only argument. */
    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: java -cp vision-search-kernel.jar " + JupyterKernel.class.getName()
                    + " CONNECTION_FILE  (Jupyter starts this; install it with: vision-search kernel install)");
            System.exit(2);
        }
        serve(Path.of(args[0]));
    }

    /**
     * Connects to the front end described by a Jupyter connection file and evaluates cells until
     * the front end shuts the kernel down.
     *
     * @throws IOException if the connection file cannot be read
     */
    public static void serve(Path connectionFile) throws IOException {
        if (!Files.isRegularFile(connectionFile)) {
            throw new IOException("Jupyter connection file " + connectionFile.toAbsolutePath()
                    + " does not exist; this command is started by Jupyter, which passes {connection_file}");
        }
        System.setProperty("java.awt.headless", "true");
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn"); // the front end shows stderr
        }
        KernelConnectionProperties properties = KernelConnectionProperties.parse(Files.readString(connectionFile));
        JupyterConnection connection;
        try {
            connection = new JupyterConnection(properties);
        } catch (java.security.GeneralSecurityException e) {
            throw new IOException("cannot set up message signing (" + properties.getSignatureScheme() + "): "
                    + e.getMessage(), e);
        }
        JavaKernel kernel = JavaKernel.builder().workingDirectory(Path.of("")).build();
        kernel.onStartup(); // registers the kernel for display(...) and the magics
        kernel.becomeHandlerForConnection(connection);
        connection.connect();
        connection.waitUntilClose();
    }
}
