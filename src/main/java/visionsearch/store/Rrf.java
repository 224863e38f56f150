package visionsearch.store;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** Reciprocal Rank Fusion in Java, for the in-memory store; PgHybrid does the same in SQL (see {@link RankFusion}). */
final class Rrf {
    /** One keyword match: an id and its relevance (higher is better). */
    record Match(String id, double score) {
    }

    private Rrf() {
    }

    /**
     * Fuses the vector candidates (best first) and the keyword matches (best first) into the best {@code k},
     * looking up the items that only the keyword list holds with {@code lookup}.
     */
    static List<HybridHit> fuse(List<SearchHit> nearest, List<Match> matches, RankFusion fusion, int k,
                                Function<String, SearchHit> lookup) {
        Map<String, int[]> ranks = new LinkedHashMap<>(); // id -> {vector rank, keyword rank}
        Map<String, SearchHit> hits = new LinkedHashMap<>();
        int[] vector = ranks(nearest.stream().mapToDouble(SearchHit::score).toArray());
        for (int i = 0; i < nearest.size(); i++) {
            ranks.computeIfAbsent(nearest.get(i).id(), id -> new int[2])[0] = vector[i];
            hits.put(nearest.get(i).id(), nearest.get(i));
        }
        int[] keyword = ranks(matches.stream().mapToDouble(Match::score).toArray());
        for (int i = 0; i < matches.size(); i++) {
            ranks.computeIfAbsent(matches.get(i).id(), id -> new int[2])[1] = keyword[i];
        }
        record Fused(String id, int vectorRank, int keywordRank, double score) {
        }
        List<Fused> fused = new ArrayList<>(ranks.size());
        ranks.forEach((id, r) -> fused.add(new Fused(id, r[0], r[1],
                fusion.contribution(fusion.vectorWeight(), r[0]) + fusion.contribution(fusion.keywordWeight(), r[1]))));
        fused.sort(Comparator.comparingDouble(Fused::score).reversed().thenComparing(Fused::id, Rrf::byCodePoint));
        List<HybridHit> out = new ArrayList<>(Math.min(k, fused.size()));
        for (Fused f : fused.subList(0, Math.min(k, fused.size()))) {
            SearchHit hit = hits.containsKey(f.id()) ? hits.get(f.id()) : lookup.apply(f.id());
            out.add(new HybridHit(hit, f.vectorRank(), f.keywordRank(), f.score()));
        }
        return out;
    }

    /** Code point order, which is UTF-8 byte order: PostgreSQL's {@code COLLATE "C"} and Lucene's term order. */
    static int byCodePoint(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int x = a.codePointAt(i);
            int y = b.codePointAt(j);
            if (x != y) {
                return Integer.compare(x, y);
            }
            i += Character.charCount(x);
            j += Character.charCount(y);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }

    /** Competition ranks of scores sorted best first: equal scores share the better rank (1, 2, 2, 4), as SQL's rank(). */
    static int[] ranks(double[] bestFirst) {
        int[] out = new int[bestFirst.length];
        for (int i = 0; i < bestFirst.length; i++) {
            out[i] = i > 0 && bestFirst[i] == bestFirst[i - 1] ? out[i - 1] : i + 1;
        }
        return out;
    }
}
