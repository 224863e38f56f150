package visionsearch.display;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/** How well 2-D maps keep groups apart, measured on the map itself (not in the full space). */
public final class MapQuality {
    private MapQuality() {
    }

    /**
     * Returns one row per map: the share of images whose own group's centre (on the map) is the nearest
     * group centre, and how many queries have an image of their group as their nearest image on the map;
     * {@code queryGroups} gives each query's group, in the maps' query order.
     */
    public static Table of(List<EmbeddingMap> maps, List<String> queryGroups) {
        Objects.requireNonNull(maps, "maps");
        Objects.requireNonNull(queryGroups, "queryGroups");
        StringColumn method = StringColumn.create("projection");
        DoubleColumn nearCentre = DoubleColumn.create("images nearest their own theme's centre");
        IntColumn queriesRight = IntColumn.create("queries whose nearest image has their theme");
        for (EmbeddingMap map : maps) {
            if (map.queries().size() != queryGroups.size()) {
                throw new IllegalArgumentException(map.method() + " has " + map.queries().size() + " queries but "
                        + queryGroups.size() + " query groups were given");
            }
            method.append(map.method());
            nearCentre.append(Math.round(100.0 * nearestCentreShare(map.images())) / 100.0);
            int right = 0;
            for (int q = 0; q < queryGroups.size(); q++) {
                MapPoint query = map.queries().get(q);
                MapPoint nearest = null;
                for (MapPoint p : map.images()) {
                    if (nearest == null || dist(p, query.x(), query.y()) < dist(nearest, query.x(), query.y())) {
                        nearest = p;
                    }
                }
                right += nearest != null && nearest.group().equals(queryGroups.get(q)) ? 1 : 0;
            }
            queriesRight.append(right);
        }
        return Table.create("map quality", method, nearCentre, queriesRight);
    }

    static double nearestCentreShare(List<MapPoint> images) {
        Map<String, double[]> sums = new HashMap<>();
        for (MapPoint p : images) {
            double[] s = sums.computeIfAbsent(p.group(), g -> new double[3]);
            s[0] += p.x();
            s[1] += p.y();
            s[2]++;
        }
        int right = 0;
        for (MapPoint p : images) {
            String best = null;
            double bestDistance = Double.MAX_VALUE;
            for (Map.Entry<String, double[]> e : sums.entrySet()) {
                double[] s = e.getValue();
                double d = dist(p, s[0] / s[2], s[1] / s[2]);
                if (d < bestDistance) {
                    bestDistance = d;
                    best = e.getKey();
                }
            }
            right += p.group().equals(best) ? 1 : 0;
        }
        return images.isEmpty() ? 0 : right / (double) images.size();
    }

    private static double dist(MapPoint p, double x, double y) {
        return Math.hypot(p.x() - x, p.y() - y);
    }
}
