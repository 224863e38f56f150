package visionsearch.kernel;

import java.util.List;

/** A line magic such as {@code %jars} failed, for example because no file matched its argument. */
final class MagicException extends CellError {

    private static final long serialVersionUID = 1L;

    MagicException(String message) {
        super(message);
    }

    @Override
    List<String> traceback() {
        return List.of("MagicException: " + getMessage());
    }
}
