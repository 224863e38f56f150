package visionsearch.display;

import org.dflib.jjava.jupyter.Extension;
import org.dflib.jjava.jupyter.kernel.BaseKernel;

/**
 * The library's JJava extension: a kernel built on JJava's framework (JJava itself, or this project's
 * kernel) finds it through {@code META-INF/services/org.dflib.jjava.jupyter.Extension} when a notebook
 * adds the library jar with {@code %classpath}, and {@link #install} registers how grids, charts, maps
 * and tables look. Public only because {@link java.util.ServiceLoader} needs it; not for calling.
 */
public final class NotebookExtension implements Extension {

    /** Called by {@link java.util.ServiceLoader}. */
    public NotebookExtension() {
    }

    /** Registers this library's renderers on the kernel's renderer. */
    @Override
    public void install(BaseKernel kernel) {
        JupyterRenderers.registerAll(kernel.getRenderer());
    }
}
