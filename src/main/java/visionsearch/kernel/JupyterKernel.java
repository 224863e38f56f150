package visionsearch.kernel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.dflib.jjava.jupyter.channels.JupyterConnection;
import org.dflib.jjava.jupyter.kernel.KernelConnectionProperties;

/**
 * Starts the Java notebook kernel for a Jupyter front end (JupyterLab, VS Code, nbclient). The
 * kernelspec written by {@link KernelSpec#install} runs {@code vision-search kernel run <connection file>},
 * which calls {@link #serve(Path)}.
 */
public final class JupyterKernel {

    private JupyterKernel() {
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
