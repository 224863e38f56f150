package visionsearch.kernel;

import java.util.List;

/**
 * The cell's code threw: the message is the user's exception ({@code class: message}), the
 * traceback its stack trace cut at the cell, without JShell's or the kernel's frames.
 */
final class EvaluationException extends CellError {

    private static final long serialVersionUID = 1L;
    private final List<String> lines;

    EvaluationException(String summary, List<String> lines) {
        super(summary);
        this.lines = List.copyOf(lines);
    }

    @Override
    List<String> traceback() {
        return lines;
    }
}
