package visionsearch.kernel;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Map;
import jdk.jshell.execution.LocalExecutionControl;
import jdk.jshell.spi.ExecutionControl;
import jdk.jshell.spi.ExecutionControlProvider;
import jdk.jshell.spi.ExecutionEnv;

/**
 * Runs JShell snippets in the kernel's own JVM, each on a worker thread, and keeps the real value
 * of the last one. In-process execution is what lets cells hand real objects (images, tables,
 * charts) to the kernel's renderer; the worker thread is what an interrupt can stop.
 */
final class CellExecutionControl extends LocalExecutionControl {

    /** Marks "no value": the snippet was not an expression, or nothing ran yet. */
    static final Object NO_VALUE = new Object();

    private final Object lock = new Object();
    private Thread worker;
    private volatile boolean stopRequested;
    private volatile Object lastValue = NO_VALUE;
    private final SnippetLoader loader;

    CellExecutionControl() {
        this(new SnippetLoader());
    }

    private CellExecutionControl(SnippetLoader loader) {
        super(loader);
        this.loader = loader;
    }

    /** Forgets the previous value and interrupt request before a new cell runs. */
    void resetForCell() {
        stopRequested = false;
        lastValue = NO_VALUE;
    }

    /** Forgets the previous value before the next snippet of a cell runs. */
    void resetValue() {
        lastValue = NO_VALUE;
    }

    /** The value of the last executed snippet, or {@link #NO_VALUE}. */
    Object lastValue() {
        return lastValue;
    }

    /** Whether {@link #stop()} was called since {@link #resetForCell()}. */
    boolean stopRequested() {
        return stopRequested;
    }

    /** The class loader cells run in (sees jars added with {@code %classpath}), from the start. */
    ClassLoader snippetLoader() {
        return loader.classLoader();
    }

    @Override
    protected String invoke(Method doitMethod) throws Exception {
        ClassLoader loader = doitMethod.getDeclaringClass().getClassLoader();
        Object[] result = {NO_VALUE};
        Throwable[] failure = {null};
        Thread thread = new Thread(() -> {
            try {
                result[0] = doitMethod.invoke(null);
            } catch (InvocationTargetException e) {
                failure[0] = e;
            } catch (Throwable e) { // ThreadDeath from stop(), or reflection trouble
                failure[0] = e;
            }
        }, "notebook-cell");
        thread.setContextClassLoader(loader);
        thread.setDaemon(true);
        synchronized (lock) {
            if (stopRequested) {
                throw new ExecutionControl.StoppedException();
            }
            worker = thread;
        }
        try {
            // The rendering of the value happens on this thread: let it see the snippet's classes too.
            Thread.currentThread().setContextClassLoader(loader);
            thread.start();
            thread.join();
        } finally {
            synchronized (lock) {
                worker = null;
            }
        }
        if (stopRequested) {
            throw new ExecutionControl.StoppedException();
        }
        if (failure[0] instanceof InvocationTargetException) {
            throw (InvocationTargetException) failure[0];
        }
        if (failure[0] != null) {
            throw new InvocationTargetException(failure[0]);
        }
        lastValue = result[0];
        return valueString(result[0]);
    }

    /** Stops the running cell: interrupts its thread, then stops it if it does not end soon. */
    @Override
    @SuppressWarnings({"deprecation", "removal"})
    public void stop() {
        Thread running;
        synchronized (lock) {
            stopRequested = true;
            running = worker;
        }
        if (running == null) {
            return;
        }
        running.interrupt();
        try {
            running.join(500);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        if (running.isAlive()) {
            try {
                running.stop(); // the only way to end a busy loop; JShell's own local engine does the same
            } catch (UnsupportedOperationException e) {
                // Java 20+: only the interrupt above is possible.
            }
        }
    }

    /** Hands JShell this (already created) execution control. */
    static final class Provider implements ExecutionControlProvider {
        private final CellExecutionControl control;

        Provider(CellExecutionControl control) {
            this.control = control;
        }

        @Override
        public String name() {
            return "vision-search-in-process";
        }

        @Override
        public ExecutionControl generate(ExecutionEnv env, Map<String, String> parameters) {
            return control;
        }
    }
}
