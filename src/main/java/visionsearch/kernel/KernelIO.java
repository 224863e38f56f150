package visionsearch.kernel;

import java.nio.charset.Charset;
import org.dflib.jjava.jupyter.channels.ShellReplyEnvironment;
import org.dflib.jjava.jupyter.kernel.JupyterIO;

/** JJava's notebook streams, with the hooks the kernel's own execute handler needs. */
final class KernelIO extends JupyterIO {

    KernelIO(Charset encoding) {
        super(encoding);
    }

    /** Sends stdout, stderr and display output of the running cell to this request's front end. */
    void attach(ShellReplyEnvironment env, boolean stdinEnabled) {
        setEnv(env);
        setJupyterInEnabled(stdinEnabled);
    }

    void detach(ShellReplyEnvironment env) {
        retractEnv(env);
    }
}
