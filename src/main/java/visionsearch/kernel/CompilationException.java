package visionsearch.kernel;

import java.util.List;

/** A cell's Java did not compile: the traceback lists each problem with its line and a caret. */
final class CompilationException extends CellError {

    private static final long serialVersionUID = 1L;
    private final List<String> lines;

    CompilationException(String summary, List<String> lines) {
        super(summary);
        this.lines = List.copyOf(lines);
    }

    @Override
    List<String> traceback() {
        return lines;
    }
}
