package visionsearch.display;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.knowm.xchart.XYChart;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;
import visionsearch.store.VectorRecord;
import visionsearch.vector.Vectors;

/** The cosine similarity of every pair of records, split into pairs of the same group and pairs of different groups. */
public final class PairScores {
    private final double[] same;
    private final double[] different;

    private PairScores(double[] same, double[] different) {
        this.same = same;
        this.different = different;
    }

    /** Scores every pair of {@code records}, grouped by the metadata value of {@code key} (e.g. "theme"). */
    public static PairScores byGroup(List<VectorRecord> records, String key) {
        Objects.requireNonNull(records, "records");
        Objects.requireNonNull(key, "key");
        DoubleColumn same = DoubleColumn.create("same");
        DoubleColumn different = DoubleColumn.create("different");
        for (int i = 0; i < records.size(); i++) {
            for (int j = i + 1; j < records.size(); j++) {
                double s = Vectors.cosine(records.get(i).vector(), records.get(j).vector());
                String a = records.get(i).metadata().get(key);
                (a != null && a.equals(records.get(j).metadata().get(key)) ? same : different).append(s);
            }
        }
        return new PairScores(same.asDoubleArray(), different.asDoubleArray());
    }

    /** Returns the scores of pairs in the same group. */
    public double[] same() {
        return same.clone();
    }

    /** Returns the scores of pairs in different groups. */
    public double[] different() {
        return different.clone();
    }

    /** Returns both distributions as overlaid histograms. */
    public XYChart histogram(String title) {
        Map<String, double[]> samples = new LinkedHashMap<>();
        samples.put("same theme", same);
        samples.put("different themes", different);
        return Charts.histogram(title, "cosine similarity", samples, 30);
    }

    /** Returns pairs, mean, 10th percentile, median and 90th percentile of both, to 3 decimals. */
    public Table summary() {
        return Table.create("cosine by pair type", StringColumn.create("statistic",
                        List.of("pairs", "mean", "10th percentile", "median", "90th percentile")),
                DoubleColumn.create("same theme", stats(same)), DoubleColumn.create("different themes", stats(different)));
    }

    private static double[] stats(double[] values) {
        if (values.length == 0) {
            return new double[] {0, Double.NaN, Double.NaN, Double.NaN, Double.NaN};
        }
        DoubleColumn c = DoubleColumn.create("v", values);
        return new double[] {values.length, round(c.mean()), round(c.percentile(10)), round(c.median()), round(c.percentile(90))};
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
