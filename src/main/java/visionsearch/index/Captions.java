package visionsearch.index;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Captions and themes read from {@code captions.csv} files inside an indexed folder.
 *
 * <p>Each {@code captions.csv} describes the images of its own folder: a header row, then one row
 * per image. Columns are found by header name, ignoring case, spaces, dashes and underscores: the
 * file column is one of {@link #FILE_COLUMNS} (a file name or a path relative to the CSV's folder),
 * then optionally {@code caption} (or {@code description}, {@code text}) and {@code theme}
 * (or {@code category}, {@code label}). Other columns are ignored. Quoted fields may hold commas,
 * quotes ({@code ""}) and line breaks.
 */
public final class Captions {
    /** The CSV file name looked for in every folder. */
    static final String FILE_NAME = "captions.csv";

    static final List<String> FILE_COLUMNS = List.of("file", "filename", "file_name", "image", "imagefile", "path",
            "relativepath", "name");
    private static final List<String> CAPTION_COLUMNS = List.of("caption", "description", "text");
    private static final List<String> THEME_COLUMNS = List.of("theme", "category", "label");

    private final Map<Path, Map<String, String>> byPath = new HashMap<>();
    private final List<String> warnings = new ArrayList<>();

    Captions() {
    }

    /**
     * Returns file name (as the CSV writes it) to theme from one captions CSV such as
     * {@code images/captions.csv}; empty if the file is missing or has no file or theme column.
     *
     * @throws UncheckedIOException if the file exists but cannot be read
     */
    public static Map<String, String> themes(Path csv) {
        Map<String, String> out = new LinkedHashMap<>();
        if (!Files.isRegularFile(csv)) {
            return out;
        }
        List<List<String>> rows;
        try {
            rows = parse(Files.readString(csv, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + csv + ": " + e.getMessage(), e);
        }
        if (rows.isEmpty()) {
            return out;
        }
        int file = column(rows.get(0), FILE_COLUMNS);
        int theme = column(rows.get(0), THEME_COLUMNS);
        if (file < 0 || theme < 0) {
            return out;
        }
        for (List<String> row : rows.subList(1, rows.size())) {
            if (!cell(row, file).isEmpty()) {
                out.put(cell(row, file), cell(row, theme));
            }
        }
        return out;
    }

    /** Reads one {@code captions.csv}; problems become warnings, never exceptions. */
    void read(Path csv, Path root) {
        List<List<String>> rows;
        try {
            rows = parse(Files.readString(csv, StandardCharsets.UTF_8));
        } catch (IOException | RuntimeException e) {
            warnings.add(root.relativize(csv) + " cannot be read (" + e.getMessage() + "); its captions are ignored");
            return;
        }
        if (rows.isEmpty()) {
            return;
        }
        List<String> header = rows.get(0);
        int file = column(header, FILE_COLUMNS);
        int caption = column(header, CAPTION_COLUMNS);
        int theme = column(header, THEME_COLUMNS);
        if (file < 0) {
            warnings.add(root.relativize(csv) + " has no file column: expected a header naming one of " + FILE_COLUMNS
                    + ", got " + header + "; its captions are ignored");
            return;
        }
        Path dir = csv.toAbsolutePath().normalize().getParent();
        for (List<String> row : rows.subList(1, rows.size())) {
            String name = cell(row, file);
            if (name.isEmpty()) {
                continue;
            }
            Map<String, String> meta = new LinkedHashMap<>();
            if (!cell(row, caption).isEmpty()) {
                meta.put("caption", cell(row, caption));
            }
            if (!cell(row, theme).isEmpty()) {
                meta.put("theme", cell(row, theme));
            }
            try {
                byPath.put(dir.resolve(name).normalize(), meta);
            } catch (java.nio.file.InvalidPathException e) {
                warnings.add(root.relativize(csv) + " names an invalid file " + name + "; row ignored");
            }
        }
    }

    /** Returns the caption and theme of {@code image} (empty if no CSV names it). */
    Map<String, String> of(Path image) {
        return byPath.getOrDefault(image.toAbsolutePath().normalize(), Map.of());
    }

    /** Returns the warnings collected while reading. */
    List<String> warnings() {
        return List.copyOf(warnings);
    }

    private static int column(List<String> header, List<String> names) {
        for (String name : names) {
            String wanted = normalise(name);
            for (int i = 0; i < header.size(); i++) {
                if (normalise(header.get(i)).equals(wanted)) {
                    return i;
                }
            }
        }
        return -1;
    }

    private static String normalise(String header) {
        return header.replace("\uFEFF", "").toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "");
    }

    private static String cell(List<String> row, int index) {
        return index < 0 || index >= row.size() ? "" : row.get(index).trim();
    }

    /** Parses RFC 4180 CSV (quoted fields, doubled quotes, CRLF or LF); blank lines are dropped. */
    static List<List<String>> parse(String text) {
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1);
        }
        List<List<String>> rows = new ArrayList<>();
        List<String> row = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        boolean any = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') {
                    field.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    field.append(c);
                }
            } else if (c == '"') {
                quoted = true;
                any = true;
            } else if (c == ',') {
                row.add(field.toString());
                field.setLength(0);
                any = true;
            } else if (c == '\n' || c == '\r') {
                if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
                    i++;
                }
                if (any || field.length() > 0) {
                    row.add(field.toString());
                    rows.add(row);
                }
                row = new ArrayList<>();
                field.setLength(0);
                any = false;
            } else {
                field.append(c);
            }
        }
        if (any || field.length() > 0) {
            row.add(field.toString());
            rows.add(row);
        }
        return rows;
    }
}
