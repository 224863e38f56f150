package visionsearch.kernel;

import java.util.List;

/**
 * A cell failed: the kernel publishes {@link #traceback()} as the Jupyter error's traceback, and
 * the exception's simple class name and message as {@code ename} and {@code evalue}.
 */
abstract class CellError extends RuntimeException {

    private static final long serialVersionUID = 1L;

    CellError(String message) {
        super(message, null, false, false);
    }

    /** Jupyter's {@code ename}: what kind of error this is. */
    String errorName() {
        return getClass().getSimpleName();
    }

    /** Jupyter's {@code evalue}: the message. */
    String errorValue() {
        return getMessage();
    }

    /** The lines Jupyter shows for this error, without kernel frames. */
    abstract List<String> traceback();
}
