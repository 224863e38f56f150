package visionsearch.display;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.ToDoubleBiFunction;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;
import visionsearch.vector.Vectors;

/**
 * A matrix of similarity scores with labelled rows (for example text prompts) and columns (for
 * example image files), shown as a Tablesaw table or an XChart heatmap.
 *
 * @param rowLabels    one label per row
 * @param columnLabels one label per column
 * @param values       {@code values[row][column]}; copied on the way in and out
 */
public record SimilarityMatrix(List<String> rowLabels, List<String> columnLabels, double[][] values) {

    /** Checks the shape and copies the components. */
    public SimilarityMatrix {
        rowLabels = List.copyOf(Objects.requireNonNull(rowLabels, "rowLabels"));
        columnLabels = List.copyOf(Objects.requireNonNull(columnLabels, "columnLabels"));
        Objects.requireNonNull(values, "values");
        if (values.length != rowLabels.size()) {
            throw new IllegalArgumentException("values has " + values.length + " rows but there are "
                    + rowLabels.size() + " row labels");
        }
        double[][] copy = new double[values.length][];
        for (int r = 0; r < values.length; r++) {
            if (values[r].length != columnLabels.size()) {
                throw new IllegalArgumentException("values row " + r + " has " + values[r].length
                        + " columns but there are " + columnLabels.size() + " column labels");
            }
            copy[r] = values[r].clone();
        }
        values = copy;
    }

    /**
     * Returns the cosine similarity of every row vector with every column vector.
     *
     * @param rowLabels     labels of {@code rowVectors}, same size
     * @param rowVectors    for example text embeddings
     * @param columnLabels  labels of {@code columnVectors}, same size
     * @param columnVectors for example image embeddings
     */
    public static SimilarityMatrix cosine(List<String> rowLabels, List<float[]> rowVectors,
                                          List<String> columnLabels, List<float[]> columnVectors) {
        return of(rowLabels, rowVectors, columnLabels, columnVectors, Vectors::cosine);
    }

    /** Returns {@code score(row, column)} for every row vector and column vector, labelled. */
    public static SimilarityMatrix of(List<String> rowLabels, List<float[]> rowVectors,
                                      List<String> columnLabels, List<float[]> columnVectors,
                                      ToDoubleBiFunction<float[], float[]> score) {
        checkSameSize("row", rowLabels, rowVectors);
        checkSameSize("column", columnLabels, columnVectors);
        Objects.requireNonNull(score, "score");
        double[][] v = new double[rowVectors.size()][columnVectors.size()];
        for (int r = 0; r < v.length; r++) {
            for (int c = 0; c < v[r].length; c++) {
                v[r][c] = score.applyAsDouble(rowVectors.get(r), columnVectors.get(c));
            }
        }
        return new SimilarityMatrix(rowLabels, columnLabels, v);
    }

    /** Returns a copy of the scores, {@code [row][column]}. */
    @Override
    public double[][] values() {
        double[][] copy = new double[values.length][];
        for (int r = 0; r < values.length; r++) {
            copy[r] = values[r].clone();
        }
        return copy;
    }

    /** Returns the score at {@code row}, {@code column}. */
    public double get(int row, int column) {
        return values[row][column];
    }

    /** Returns the number of rows. */
    public int rows() {
        return rowLabels.size();
    }

    /** Returns the number of columns. */
    public int columns() {
        return columnLabels.size();
    }

    /** Returns, for each row, the index of the column with the highest score. */
    public int[] bestColumnPerRow() {
        int[] best = new int[values.length];
        for (int r = 0; r < values.length; r++) {
            for (int c = 1; c < values[r].length; c++) {
                if (values[r][c] > values[r][best[r]]) {
                    best[r] = c;
                }
            }
        }
        return best;
    }

    /**
     * Returns the matrix as a table: a first string column named {@code rowHeader} holding the
     * row labels, then one double column per column label, rounded to {@code decimals}.
     */
    public Table toTable(String rowHeader, int decimals) {
        Table table = Table.create("similarity");
        table.addColumns(StringColumn.create(rowHeader, rowLabels));
        double scale = Math.pow(10, decimals);
        List<String> used = new ArrayList<>();
        used.add(rowHeader);
        for (int c = 0; c < columnLabels.size(); c++) {
            double[] column = new double[values.length];
            for (int r = 0; r < values.length; r++) {
                column[r] = Math.round(values[r][c] * scale) / scale;
            }
            table.addColumns(DoubleColumn.create(uniqueName(columnLabels.get(c), used), column));
        }
        return table;
    }

    /** Returns the matrix as a table with a first column named "text" and scores to 3 decimals. */
    public Table toTable() {
        return toTable("text", 3);
    }

    /** Tablesaw refuses duplicate column names; file names may repeat across folders. */
    private static String uniqueName(String name, List<String> used) {
        String candidate = name;
        for (int i = 2; used.contains(candidate); i++) {
            candidate = name + " (" + i + ")";
        }
        used.add(candidate);
        return candidate;
    }

    private static void checkSameSize(String what, List<String> labels, List<float[]> vectors) {
        Objects.requireNonNull(labels, what + "Labels");
        Objects.requireNonNull(vectors, what + "Vectors");
        if (labels.size() != vectors.size()) {
            throw new IllegalArgumentException(what + " labels and vectors differ in number: "
                    + labels.size() + " labels vs " + vectors.size() + " vectors");
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SimilarityMatrix m && rowLabels.equals(m.rowLabels)
                && columnLabels.equals(m.columnLabels) && java.util.Arrays.deepEquals(values, m.values);
    }

    @Override
    public int hashCode() {
        return Objects.hash(rowLabels, columnLabels, java.util.Arrays.deepHashCode(values));
    }

    @Override
    public String toString() {
        return "SimilarityMatrix[" + rows() + " x " + columns() + "]";
    }
}
