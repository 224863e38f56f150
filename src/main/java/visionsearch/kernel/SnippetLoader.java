package visionsearch.kernel;

import java.io.File;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import jdk.jshell.execution.LoaderDelegate;
import jdk.jshell.spi.ExecutionControl.ClassBytecodes;
import jdk.jshell.spi.ExecutionControl.ClassInstallException;
import jdk.jshell.spi.ExecutionControl.InternalException;

/**
 * The one class loader of a notebook, set up as JJava sets up its own: cells' classes and every
 * {@code %classpath} jar live in a single {@link URLClassLoader} whose parent is the system class
 * loader (the kernel's). Parent first: the kernel's copy of a class always wins, so an extension in
 * a notebook's jar implements the kernel's {@code Extension}, and the types its renderers are keyed
 * by are the very classes the cells' values have. Extensions are discovered below this loader
 * ({@link JavaKernel#getClassLoader()}).
 */
final class SnippetLoader implements LoaderDelegate {

    private final Map<String, byte[]> declared = new ConcurrentHashMap<>();
    private final Map<String, Class<?>> loaded = new ConcurrentHashMap<>();
    private final Loader loader = new Loader(declared);

    /** The loader cells run in (also while it is still empty). */
    ClassLoader classLoader() {
        return loader;
    }

    @Override
    public void load(ClassBytecodes[] classes) throws ClassInstallException {
        // All bytes first: a snippet class may refer to another of the same batch.
        for (ClassBytecodes c : classes) {
            declared.put(c.name(), c.bytecodes());
        }
        boolean[] installed = new boolean[classes.length];
        for (int i = 0; i < classes.length; i++) {
            try {
                loaded.put(classes[i].name(), loader.loadClass(classes[i].name()));
                installed[i] = true;
            } catch (ClassNotFoundException | LinkageError e) {
                throw new ClassInstallException("cannot load " + classes[i].name() + ": " + e, installed);
            }
        }
    }

    @Override
    public void classesRedefined(ClassBytecodes[] classes) {
        for (ClassBytecodes c : classes) {
            declared.put(c.name(), c.bytecodes());
        }
    }

    @Override
    public void addToClasspath(String classpath) throws InternalException {
        for (String entry : classpath.split(File.pathSeparator)) {
            if (entry.isBlank()) {
                continue;
            }
            try {
                loader.addURL(Path.of(entry).toUri().toURL());
            } catch (MalformedURLException | RuntimeException e) {
                throw new InternalException("cannot add " + entry + " to the classpath: " + e.getMessage());
            }
        }
    }

    @Override
    public Class<?> findClass(String name) throws ClassNotFoundException {
        Class<?> found = loaded.get(name);
        if (found == null) {
            throw new ClassNotFoundException(name + " was not loaded by a cell");
        }
        return found;
    }

    /** Parent first; a class not found there is a cell's own (from its bytes) or in an added jar. */
    private static final class Loader extends URLClassLoader {
        private final Map<String, byte[]> declared;

        Loader(Map<String, byte[]> declared) {
            super("notebook", new URL[0], ClassLoader.getSystemClassLoader());
            this.declared = declared;
        }

        @Override
        protected void addURL(URL url) {
            super.addURL(url);
        }

        @Override
        protected Class<?> findClass(String name) throws ClassNotFoundException {
            byte[] bytes = declared.get(name);
            if (bytes == null) {
                return super.findClass(name);
            }
            return defineClass(name, bytes, 0, bytes.length);
        }
    }
}
