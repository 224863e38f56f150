package visionsearch.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A writer of one store file in a child JVM, for {@link StoreWritersTest}: saves groups FROM..GROUPS-1 of a
 * fixed sequence of upserts and deletes (see {@link #group} and {@link #deleted}), appending "saved G COUNT
 * MILLIS" to SIGNAL after each save returns (COUNT: the records the store holds then, its own and other
 * writers'). With a GO file it first appends "ready" and waits until GO exists.
 *
 * <p>Usage: {@code StoreWriterChild FILE PREFIX FROM GROUPS GROUP_SIZE KEYS DIMS SIGNAL [GO]}
 */
public final class StoreWriterChild {
    static final String MODEL = "test:writers";

    private StoreWriterChild() {
    }

    /** Runs the writer; see the class comment. */
    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        String prefix = args[1];
        int from = Integer.parseInt(args[2]);
        int groups = Integer.parseInt(args[3]);
        int size = Integer.parseInt(args[4]);
        int keys = Integer.parseInt(args[5]);
        int dims = Integer.parseInt(args[6]);
        Path signal = Path.of(args[7]);
        try (InMemoryVectorStore store = InMemoryVectorStore.open(file, MODEL, dims, Distance.DOT)) {
            if (args.length > 8) {
                append(signal, "ready");
                while (!Files.exists(Path.of(args[8]))) {
                    Thread.sleep(1);
                }
            }
            for (int g = from; g < groups; g++) {
                store.upsert(group(prefix, g, size, keys, dims));
                String gone = deleted(prefix, g, keys);
                if (gone != null) {
                    store.delete(gone);
                }
                store.save();
                append(signal, "saved " + g + " " + store.count() + " " + System.currentTimeMillis());
            }
            append(signal, "done");
        }
    }

    /** The records group {@code g} upserts: record n = g * size + j goes to id PREFIX + (n % keys). */
    static List<VectorRecord> group(String prefix, int g, int size, int keys, int dims) {
        List<VectorRecord> out = new ArrayList<>(size);
        for (int j = 0; j < size; j++) {
            int n = g * size + j;
            out.add(new VectorRecord(prefix + (n % keys), prefix + "/" + n, Map.of("n", prefix + n), prefix + "#" + n,
                    vector(prefix, n, dims)));
        }
        return out;
    }

    /** The id group {@code g} deletes after its upserts, or null. */
    static String deleted(String prefix, int g, int keys) {
        return g % 3 == 2 ? prefix + ((g * 7919) % keys) : null;
    }

    static float[] vector(String prefix, int n, int dims) {
        float[] v = new float[dims];
        for (int d = 0; d < dims; d++) {
            v[d] = (float) Math.sin(n * 13.0 + d + prefix.hashCode());
        }
        return v;
    }

    /** Id to path of every record after groups 0..{@code last} of one writer. */
    static Map<String, String> expected(String prefix, int last, int size, int keys) {
        Map<String, String> out = new HashMap<>();
        for (int g = 0; g <= last; g++) {
            for (int j = 0; j < size; j++) {
                int n = g * size + j;
                out.put(prefix + (n % keys), prefix + "/" + n);
            }
            String gone = deleted(prefix, g, keys);
            if (gone != null) {
                out.remove(gone);
            }
        }
        return out;
    }

    private static void append(Path signal, String line) {
        try {
            Files.writeString(signal, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND, StandardOpenOption.SYNC);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
