package visionsearch.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import visionsearch.embed.Settings;
import visionsearch.store.CollectionInfo;
import visionsearch.store.InMemoryVectorStore;
import visionsearch.store.PgVectorStore;
import visionsearch.store.VectorType;

/** {@code vision-search collections}: what each collection holds, and on Citus how it is spread over the nodes. */
@Command(name = "collections", mixinStandardHelpOptions = true,
        description = {"List the collections: model, dimension, rows, index, size; on Citus also distributed or not,",
            "shards, and rows per worker node.",
            "PostgreSQL when DATABASE_URL is set, else the store files in .vision-search/."})
final class CollectionsCommand implements Callable<Integer> {

    @Override
    public Integer call() {
        Settings settings = Settings.load();
        String url = settings.get("DATABASE_URL").orElse(null);
        List<CollectionInfo> all = url != null ? PgVectorStore.collections(url) : storeFiles(CollectionStore.DEFAULT_DIR);
        if (all.isEmpty()) {
            System.out.println("no collections " + (url != null ? "in PostgreSQL (DATABASE_URL)" : "in "
                    + CollectionStore.DEFAULT_DIR + "/") + ": index a folder with `vision-search index <folder>`");
            return 0;
        }
        System.out.println((url != null ? "PostgreSQL (DATABASE_URL)" : "store files in " + CollectionStore.DEFAULT_DIR + "/")
                + ": " + all.size() + " collection" + (all.size() == 1 ? "" : "s"));
        System.out.print(table(all, url != null));
        return 0;
    }

    /** The in-memory store files under {@code dir}, one collection each (named by the file's first part). */
    static List<CollectionInfo> storeFiles(Path dir) {
        List<CollectionInfo> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> found = Files.newDirectoryStream(dir, "*.vec")) {
            found.forEach(files::add);
            files.sort(null);
            for (Path f : files) {
                try (InMemoryVectorStore store = InMemoryVectorStore.load(f)) {
                    String name = f.getFileName().toString();
                    out.add(new CollectionInfo(name.substring(0, name.indexOf('.')), store.modelId(), store.dimensions(),
                            store.distance(), VectorType.VECTOR, store.count(), "exact (in memory)",
                            Files.size(f), false, 0, Map.of()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
        }
        return out;
    }

    /** A plain-text table; the Citus columns only for PostgreSQL. */
    static String table(List<CollectionInfo> all, boolean postgres) {
        List<String[]> rows = new ArrayList<>();
        rows.add(postgres ? new String[] {"collection", "model", "dims", "rows", "index", "size", "citus", "rows per node"}
                : new String[] {"collection", "model", "dims", "rows", "index", "size"});
        for (CollectionInfo c : all) {
            String rowsText = c.rows() < 0 ? "table missing" : String.format(Locale.ROOT, "%,d", c.rows());
            String[] base = {c.collection(), c.modelId(), String.valueOf(c.dimensions()), rowsText, c.index(),
                size(c.sizeBytes())};
            if (!postgres) {
                rows.add(base);
                continue;
            }
            String citus = c.distributed() ? "distributed, " + c.shards() + " shard" + (c.shards() == 1 ? "" : "s")
                    : "local";
            String perNode = c.rowsPerNode().entrySet().stream().sorted(Map.Entry.comparingByKey())
                    .map(e -> e.getKey() + " " + String.format(Locale.ROOT, "%,d", e.getValue()))
                    .collect(Collectors.joining(", "));
            String[] row = new String[8];
            System.arraycopy(base, 0, row, 0, base.length);
            row[6] = citus;
            row[7] = perNode.isEmpty() ? "-" : perNode;
            rows.add(row);
        }
        int columns = rows.get(0).length;
        int[] width = new int[columns];
        for (String[] r : rows) {
            for (int i = 0; i < columns; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        StringBuilder out = new StringBuilder();
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < columns; i++) {
                line.append(i == 0 ? "" : "  ").append(i == columns - 1 ? r[i] : pad(r[i], width[i]));
            }
            out.append(line.toString().stripTrailing()).append(System.lineSeparator());
        }
        return out.toString();
    }

    private static String pad(String s, int width) {
        return s + " ".repeat(width - s.length());
    }

    /** Bytes for reading: {@code 12 kB}, {@code 3.4 MB}, {@code 1.2 GB}. */
    static String size(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"kB", "MB", "GB", "TB"};
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return (v < 10 ? String.format(Locale.ROOT, "%.1f", v) : String.format(Locale.ROOT, "%.0f", v)) + " " + units[u];
    }
}
