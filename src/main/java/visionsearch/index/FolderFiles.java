package visionsearch.index;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileSystemLoopException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import visionsearch.embed.ImageFormat;
import visionsearch.embed.ImageInput;
import visionsearch.embed.InvalidImageException;

/**
 * The files of a folder to index: the walk (sorted, hidden folders skipped, links followed, captions
 * read) and reading one file (image or not, its bytes and content hash).
 */
final class FolderFiles {
    final Path root;
    /** Regular files other than captions, sorted by relative path. */
    final List<Path> files = new ArrayList<>();
    final Captions captions = new Captions();
    /** Files and folders the walk could not enter: their records are kept whatever the store holds. */
    final List<Path> unvisited = new ArrayList<>();
    final List<IndexSummary.Failure> failures = new ArrayList<>();

    private FolderFiles(Path root) {
        this.root = root;
    }

    /** Lists the regular files under {@code root} (not in hidden folders), sorted by relative path; reads captions. */
    static FolderFiles walk(Path root) {
        FolderFiles out = new FolderFiles(root);
        try {
            // Symbolic links are followed (a linked data set is common); a link loop is reported, not fatal.
            Files.walkFileTree(root, EnumSet.of(FileVisitOption.FOLLOW_LINKS), Integer.MAX_VALUE, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                    return !dir.equals(root) && dir.getFileName().toString().startsWith(".")
                            ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    if (attrs.isSymbolicLink()) {
                        // A link whose target cannot be read (unmounted, deleted): its records are kept.
                        out.unvisited.add(file);
                    } else if (attrs.isRegularFile()) {
                        if (file.getFileName().toString().equalsIgnoreCase(Captions.FILE_NAME)) {
                            out.captions.read(file, root);
                        } else {
                            out.files.add(file);
                        }
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException e) {
                    out.unvisited.add(file);
                    out.failures.add(new IndexSummary.Failure(relative(root, file), e instanceof FileSystemLoopException
                            ? "UNREADABLE: a symbolic link loop (the folder contains itself); not entered"
                            : "UNREADABLE: " + e));
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot walk folder " + root + ": " + e.getMessage(), e);
        }
        out.files.sort(Comparator.comparing(f -> relative(root, f)));
        return out;
    }

    /** True if {@code path} is a file path under the root and not under a folder the walk could not enter. */
    boolean covers(String path) {
        Path p;
        try {
            p = Path.of(path);
        } catch (InvalidPathException e) {
            return false; // a URL or some other kind of path: not a file of this folder
        }
        if (!p.isAbsolute() || !p.normalize().startsWith(root)) {
            return false;
        }
        for (Path u : unvisited) {
            if (p.startsWith(u)) {
                return false;
            }
        }
        return true;
    }

    static String relative(Path root, Path file) {
        return root.relativize(file).toString().replace(file.getFileSystem().getSeparator(), "/");
    }

    /**
     * One file after reading: an image with its hash (and its bytes, when kept), a failure, or (both
     * null) not an image.
     */
    record Read(Path file, String relativePath, String sha256, byte[] bytes, IndexSummary.Failure failure) {
        boolean isImage() {
            return sha256 != null;
        }
    }

    /**
     * Reads {@code file}: its first bytes tell an image from other files; an image is read whole (under
     * 20 MB) and hashed, its bytes kept if {@code keepBytes}. Never throws for a bad file.
     */
    static Read read(Path root, Path file, boolean keepBytes) {
        String rel = relative(root, file);
        try (InputStream in = Files.newInputStream(file)) {
            byte[] head = in.readNBytes(16);
            if (head.length == 0) {
                // A hidden placeholder (.gitkeep) is nobody's image; any other empty file is named in the summary.
                return file.getFileName().toString().startsWith(".") ? new Read(file, rel, null, null, null)
                        : new Read(file, rel, null, null, new IndexSummary.Failure(rel, InvalidImageException.Reason.EMPTY
                                + ": the file is empty (0 bytes), perhaps an interrupted copy or download; copy it again"));
            }
            if (ImageFormat.detect(head).isEmpty()) {
                return new Read(file, rel, null, null, null);
            }
            long size = Files.size(file);
            if (size >= ImageInput.MAX_BYTES) {
                return new Read(file, rel, null, null, new IndexSummary.Failure(rel, InvalidImageException.Reason.TOO_LARGE
                        + ": the file is " + size + " bytes; images must be under " + ImageInput.MAX_BYTES
                        + " bytes (20 MB); resize or recompress it"));
            }
            MessageDigest digest = sha256();
            digest.update(head);
            byte[] bytes = null;
            if (keepBytes) {
                byte[] rest = in.readNBytes(ImageInput.MAX_BYTES);
                bytes = new byte[head.length + rest.length];
                System.arraycopy(head, 0, bytes, 0, head.length);
                System.arraycopy(rest, 0, bytes, head.length, rest.length);
                digest.update(rest);
            } else {
                byte[] buffer = new byte[64 * 1024];
                for (int n; (n = in.read(buffer)) > 0; ) {
                    digest.update(buffer, 0, n);
                }
            }
            return new Read(file, rel, HexFormat.of().formatHex(digest.digest()), bytes, null);
        } catch (IOException e) {
            return new Read(file, rel, null, null, new IndexSummary.Failure(rel,
                    InvalidImageException.Reason.UNREADABLE + ": cannot read the file: " + e));
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
