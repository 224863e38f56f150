package visionsearch.display;

import java.util.ArrayList;
import java.util.List;

/**
 * Places point labels on a chart so that they cover neither each other nor the points: each label
 * tries a few spots around its point (above, below, right, left, then further out) and takes the
 * first free one. Works in the plot's unit square (0..1 on both axes, log axes already taken into
 * account by the caller), so sizes are estimates for a chart about {@link Charts#WIDTH} wide.
 */
final class LabelPlacer {
    /** About one character's width, and one line's height, as a share of the plot. */
    static final double CHAR_WIDTH = 0.0125;
    static final double LINE_HEIGHT = 0.035;
    /** How far a label must keep from any point's centre. */
    static final double MARKER = 0.015;

    private final List<double[]> points = new ArrayList<>();
    private final List<double[]> boxes = new ArrayList<>();

    /** Marks a point (unit-square coordinates) that no label may cover. */
    void avoid(double x, double y) {
        points.add(new double[] {x, y});
    }

    /**
     * Returns where to centre a label of {@code chars} characters for the point at ({@code x}, {@code y}),
     * preferring above ({@code preferAbove}) or below; the spot is then taken.
     */
    double[] place(double x, double y, int chars, boolean preferAbove) {
        double w = chars * CHAR_WIDTH;
        double h = LINE_HEIGHT;
        double up = preferAbove ? 1 : -1;
        double[][] offsets = {
            {0, up * (h * 0.5 + MARKER)}, {0, -up * (h * 0.5 + MARKER)},
            {w / 2 + MARKER * 1.5, 0}, {-(w / 2 + MARKER * 1.5), 0},
            {w / 2 + MARKER, up * (h * 0.5 + MARKER)}, {-(w / 2 + MARKER), up * (h * 0.5 + MARKER)},
            {0, up * (h * 1.5 + MARKER)}, {0, -up * (h * 1.5 + MARKER)},
            {w / 2 + MARKER, -up * (h * 0.5 + MARKER)}, {-(w / 2 + MARKER), -up * (h * 0.5 + MARKER)},
            {0, up * (h * 2.5 + MARKER)}, {0, -up * (h * 2.5 + MARKER)},
        };
        double[] best = null;
        for (double[] o : offsets) {
            double[] box = {x + o[0] - w / 2, y + o[1] - h / 2, x + o[0] + w / 2, y + o[1] + h / 2};
            if (free(box)) {
                best = box;
                break;
            }
        }
        if (best == null) { // crowded: the first choice, overlaps and all
            best = new double[] {x - w / 2, y + offsets[0][1] - h / 2, x + w / 2, y + offsets[0][1] + h / 2};
        }
        boxes.add(best);
        return new double[] {(best[0] + best[2]) / 2, (best[1] + best[3]) / 2};
    }

    private boolean free(double[] box) {
        if (box[0] < 0 || box[2] > 1 || box[1] < 0 || box[3] > 1) {
            return false;
        }
        for (double[] b : boxes) {
            if (box[0] < b[2] && b[0] < box[2] && box[1] < b[3] && b[1] < box[3]) {
                return false;
            }
        }
        for (double[] p : points) {
            if (p[0] > box[0] - MARKER && p[0] < box[2] + MARKER && p[1] > box[1] - MARKER && p[1] < box[3] + MARKER) {
                return false;
            }
        }
        return true;
    }
}
