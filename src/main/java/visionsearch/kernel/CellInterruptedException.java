package visionsearch.kernel;

import java.util.List;

/** The cell was stopped by an interrupt request (the notebook's stop button). */
final class CellInterruptedException extends CellError {

    private static final long serialVersionUID = 1L;

    CellInterruptedException() {
        super("the cell was interrupted; definitions made before the interrupt are kept");
    }

    @Override
    List<String> traceback() {
        return List.of("Interrupted: " + getMessage());
    }
}
