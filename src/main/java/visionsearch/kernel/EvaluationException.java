package visionsearch.kernel;

import java.util.List;

/**
 * The cell's code threw: the message is the user's exception ({@code class: message}), the
 * traceback its stack trace cut at the cell, without JShell's or the kernel's frames.
 */
final class EvaluationException extends CellError {

    private static final long serialVersionUID = 1L;
    private final List<String> lines;
    private final String exceptionClass;
    private final String exceptionMessage;

    EvaluationException(String exceptionClass, String exceptionMessage, List<String> lines) {
        super(exceptionMessage == null ? exceptionClass : exceptionClass + ": " + exceptionMessage);
        this.exceptionClass = exceptionClass;
        this.exceptionMessage = exceptionMessage == null ? "" : exceptionMessage;
        this.lines = List.copyOf(lines);
    }

    /** The user's exception class, e.g. {@code java.lang.ArithmeticException}. */
    @Override
    String errorName() {
        return exceptionClass;
    }

    @Override
    String errorValue() {
        return exceptionMessage;
    }

    @Override
    List<String> traceback() {
        return lines;
    }
}
