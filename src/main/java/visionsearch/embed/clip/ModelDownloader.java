package visionsearch.embed.clip;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;
import visionsearch.embed.EmbeddingException;
import visionsearch.embed.Settings;

/**
 * Downloads model files into a folder, for {@code vision-search model download}: resumes a partial
 * {@code NAME.part} with an HTTP Range request, checks sizes and SHA-256, moves each finished file
 * into place atomically and records what it got in {@code manifest.json}.
 *
 * <p>Checksums come from the file list when known, else from Hugging Face's {@code X-Linked-Etag}
 * header (the SHA-256 of a large file) and {@code X-Linked-Size}; what was downloaded is recorded
 * in the manifest and checked again on the next run. Offline it fails within the connect timeout
 * with a message that says which files to put where by hand.
 *
 * <pre>{@code
 * ModelDownloader.builder().directory(ClipEmbedder.modelDir(Settings.load())).build().download();
 * }</pre>
 */
public final class ModelDownloader {
    /** Where the CLIP ViT-B/32 export comes from: Xenova's ONNX export of openai/clip-vit-base-patch32 on Hugging Face. */
    public static final String CLIP_VIT_B_32_URL = "https://huggingface.co/Xenova/clip-vit-base-patch32/resolve/main/";

    /**
     * The files of the CLIP ViT-B/32 export. Sizes and SHA-256 are not pinned here (this project was
     * written offline): each download is checked against the server's X-Linked-Etag / X-Linked-Size
     * where it sends them and recorded in manifest.json, which later runs verify.
     */
    public static final List<ModelFile> CLIP_VIT_B_32_FILES = List.of(
            new ModelFile("onnx/vision_model.onnx", ClipEmbedder.VISION_FILE, -1, null),
            new ModelFile("onnx/text_model.onnx", ClipEmbedder.TEXT_FILE, -1, null),
            new ModelFile("vocab.json", "vocab.json", -1, null),
            new ModelFile("merges.txt", "merges.txt", -1, null),
            new ModelFile("config.json", "config.json", -1, null));

    /** The manifest this downloader writes into the model folder. */
    public static final String MANIFEST = "manifest.json";

    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");
    private static final int ATTEMPTS = 3;

    /**
     * One file to fetch.
     *
     * @param remotePath path relative to the base URL
     * @param fileName   name in the model folder
     * @param size       expected size in bytes, or -1 if unknown
     * @param sha256     expected lower-case hex SHA-256, or null if unknown
     */
    public record ModelFile(String remotePath, String fileName, long size, String sha256) {
        /** Checks the fields. */
        public ModelFile {
            Objects.requireNonNull(remotePath, "remotePath");
            Objects.requireNonNull(fileName, "fileName");
            if (fileName.contains("/") || fileName.contains("\\") || fileName.startsWith(".")) {
                throw new IllegalArgumentException("fileName must be a plain file name, got " + fileName);
            }
            if (sha256 != null && !SHA256.matcher(sha256).matches()) {
                throw new IllegalArgumentException("sha256 must be 64 lower-case hex digits, got " + sha256);
            }
        }
    }

    /** Receives download progress; the command line draws a progress bar from it. */
    public interface Listener {
        /** Ignores progress. */
        Listener NONE = new Listener() { };

        /** A file's transfer starts with {@code have} bytes already present of {@code total} (-1 if unknown). */
        default void started(ModelFile file, long have, long total) {
        }

        /** {@code done} bytes of {@code total} (-1 if unknown) are on disk. */
        default void progressed(ModelFile file, long done, long total) {
        }

        /** The file is in place and verified; {@code reused} when it was already there. */
        default void finished(ModelFile file, Path path, String sha256, boolean reused) {
        }
    }

    private final HttpUrl baseUrl;
    private final Path directory;
    private final List<ModelFile> files;
    private final OkHttpClient client;
    private final Listener listener;
    private final Duration connectTimeout;

    private ModelDownloader(Builder b) {
        this.baseUrl = b.baseUrl;
        this.directory = b.directory;
        this.files = List.copyOf(b.files);
        this.listener = b.listener;
        this.connectTimeout = b.connectTimeout;
        this.client = new OkHttpClient.Builder()
                .connectTimeout(b.connectTimeout)
                .readTimeout(b.readTimeout)
                .followRedirects(true)
                .retryOnConnectionFailure(false)
                .build();
    }

    /** Returns a builder with the CLIP ViT-B/32 defaults (its URL and files, 5 s connect timeout). */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns the folder the files go to. */
    public Path directory() {
        return directory;
    }

    /** Returns the files this downloader fetches. */
    public List<ModelFile> files() {
        return files;
    }

    /**
     * Fetches every file not already present and verified; returns their paths in list order.
     *
     * @throws EmbeddingException when a file cannot be fetched or fails its check; {@code retryable()}
     *     is true for network faults (run again to resume)
     */
    public List<Path> download() {
        try {
            Files.createDirectories(directory);
        } catch (IOException e) {
            throw new EmbeddingException("cannot create the model folder " + directory + ": " + e.getMessage(), false, e);
        }
        Map<String, JsonNode> manifest = readManifest();
        List<Path> out = new ArrayList<>();
        for (ModelFile file : files) {
            Path target = directory.resolve(file.fileName());
            String sha = reuse(file, target, manifest.get(file.fileName()));
            if (sha != null) {
                listener.finished(file, target, sha, true);
            } else {
                sha = fetch(file, target, manifest);
                listener.finished(file, target, sha, false);
            }
            out.add(target);
        }
        return out;
    }

    /** Returns the SHA-256 of an existing target that checks out, or null to download it. */
    private String reuse(ModelFile file, Path target, JsonNode recorded) {
        if (!Files.isRegularFile(target)) {
            return null;
        }
        try {
            long size = Files.size(target);
            String expectedSha = file.sha256() != null ? file.sha256()
                    : recorded != null ? recorded.path("sha256").asText(null) : null;
            long expectedSize = file.size() >= 0 ? file.size() : recorded != null ? recorded.path("size").asLong(-1) : -1;
            if (expectedSize >= 0 && size != expectedSize) {
                return null;
            }
            String actual = sha256(target);
            return expectedSha == null || expectedSha.equals(actual) ? actual : null;
        } catch (IOException e) {
            return null;
        }
    }

    private String fetch(ModelFile file, Path target, Map<String, JsonNode> manifest) {
        Path part = directory.resolve(file.fileName() + ".part");
        HttpUrl url = baseUrl.resolve(file.remotePath());
        if (url == null) {
            throw new IllegalArgumentException("cannot resolve " + file.remotePath() + " against " + baseUrl);
        }
        IOException last = null;
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            try {
                Transfer t = transfer(file, url, part);
                long size = Files.size(part);
                String sha = sha256(part);
                long expectedSize = file.size() >= 0 ? file.size() : t.serverSize;
                String expectedSha = file.sha256() != null ? file.sha256() : t.serverSha;
                if (expectedSize >= 0 && size != expectedSize || expectedSha != null && !expectedSha.equals(sha)) {
                    Files.deleteIfExists(part);
                    throw new EmbeddingException("download of " + url + " failed its check: expected "
                            + describe(expectedSize, expectedSha) + ", got " + describe(size, sha)
                            + "; the partial file was deleted, nothing was put in place. Run the command again;"
                            + " if it keeps failing, the source changed: " + manualAdvice(), false, null);
                }
                Files.move(part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                ObjectNode entry = new ObjectMapper().createObjectNode();
                entry.put("name", file.fileName()).put("url", url.toString()).put("size", size).put("sha256", sha)
                        .put("verifiedAgainst", file.sha256() != null ? "built-in checksum"
                                : t.serverSha != null ? "server X-Linked-Etag" : "nothing (no checksum known; recorded now)")
                        .put("downloaded", Instant.now().toString());
                manifest.put(file.fileName(), entry);
                writeManifest(manifest);
                return sha;
            } catch (UnknownHostException | ConnectException | NoRouteToHostException e) {
                throw new EmbeddingException("cannot reach " + url.host() + " (" + e.getClass().getSimpleName() + ": "
                        + e.getMessage() + "); are you offline? " + manualAdvice(), true, e);
            } catch (SocketTimeoutException e) {
                if (!Files.exists(part) || attempt == ATTEMPTS) {
                    throw new EmbeddingException("no answer from " + url.host() + " within " + connectTimeout.toSeconds()
                            + " s (" + e.getMessage() + "); are you offline? " + manualAdvice(), true, e);
                }
                last = e;
            } catch (HttpStatusException e) {
                throw new EmbeddingException(e.getMessage(), e.code == 429 || e.code >= 500, e);
            } catch (IOException e) {
                last = e; // a cut connection: the .part file keeps what arrived; resume
            }
        }
        long have = Files.exists(part) ? part.toFile().length() : 0;
        throw new EmbeddingException("download of " + url + " was interrupted " + ATTEMPTS + " times (" + last
                + "); " + have + " bytes are kept in " + part + ": run the command again to resume", true, last);
    }

    /** What the server said about the whole file. */
    private record Transfer(long serverSize, String serverSha) {
    }

    /** Brings {@code part} up to the whole file, resuming from its current length when the server allows. */
    private Transfer transfer(ModelFile file, HttpUrl url, Path part) throws IOException {
        long have = Files.exists(part) ? Files.size(part) : 0;
        Request.Builder request = new Request.Builder().url(url).header("User-Agent", "vision-search model download");
        if (have > 0) {
            request.header("Range", "bytes=" + have + "-");
        }
        try (Response response = client.newCall(request.build()).execute()) {
            String serverSha = linkedHeader(response, "X-Linked-Etag");
            long serverSize = parseLong(linkedHeader(response, "X-Linked-Size"));
            if (serverSha != null) {
                serverSha = serverSha.replace("W/", "").replace("\"", "").toLowerCase(Locale.ROOT);
                serverSha = SHA256.matcher(serverSha).matches() ? serverSha : null;
            }
            boolean append;
            long total;
            if (response.code() == 416 && have > 0) {
                // Range not satisfiable: the part may already be whole; the checks after this decide.
                return new Transfer(serverSize, serverSha);
            } else if (response.code() == 206) {
                Matcher m = CONTENT_RANGE.matcher(response.header("Content-Range", ""));
                if (!m.matches() || Long.parseLong(m.group(1)) != have) {
                    Files.deleteIfExists(part);
                    throw new IOException("server answered Range bytes=" + have + "- with Content-Range "
                            + response.header("Content-Range") + "; starting again from 0");
                }
                append = true;
                total = m.group(3).equals("*") ? serverSize : Long.parseLong(m.group(3));
            } else if (response.code() == 200) {
                append = false; // a server that ignores Range sends everything again
                have = 0;
                ResponseBody body = response.body();
                total = body.contentLength() >= 0 ? body.contentLength() : serverSize;
            } else {
                throw new HttpStatusException(response.code(), "download of " + url + " failed: HTTP " + response.code()
                        + (response.code() == 404 ? " (not found: the repository may have moved; pass --base-url)" : "")
                        + ". " + manualAdvice());
            }
            long expectedTotal = file.size() >= 0 ? file.size() : total;
            listener.started(file, have, expectedTotal);
            try (InputStream in = response.body().byteStream();
                 OutputStream out = Files.newOutputStream(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                         append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING)) {
                byte[] buffer = new byte[1 << 16];
                long done = have;
                long reported = 0;
                for (int n; (n = in.read(buffer)) >= 0; ) {
                    out.write(buffer, 0, n);
                    done += n;
                    if (done - reported >= 1 << 20) {
                        listener.progressed(file, done, expectedTotal);
                        reported = done;
                    }
                }
                listener.progressed(file, done, expectedTotal);
            }
            return new Transfer(serverSize >= 0 ? serverSize : total, serverSha);
        }
    }

    /** Returns a header from the response or any redirect before it (Hugging Face sets X-Linked-* on the redirect). */
    private static String linkedHeader(Response response, String name) {
        for (Response r = response; r != null; r = r.priorResponse()) {
            String v = r.header(name);
            if (v != null) {
                return v;
            }
        }
        return null;
    }

    private static long parseLong(String s) {
        try {
            return s == null ? -1 : Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static String describe(long size, String sha) {
        return (size >= 0 ? size + " bytes" : "any size") + (sha != null ? ", SHA-256 " + sha : "");
    }

    /** Says how to install the files by hand. */
    public String manualAdvice() {
        StringBuilder s = new StringBuilder("To install the model by hand, download ");
        for (int i = 0; i < files.size(); i++) {
            ModelFile f = files.get(i);
            s.append(i == 0 ? "" : ", ").append(baseUrl.resolve(f.remotePath()));
            if (!f.remotePath().equals(f.fileName())) {
                s.append(" as ").append(f.fileName());
            }
        }
        return s.append(" into ").append(directory)
                .append(" (or any folder, then set CLIP_MODEL_DIR to it, in the environment or .env)").toString();
    }

    private Map<String, JsonNode> readManifest() {
        Map<String, JsonNode> entries = new LinkedHashMap<>();
        Path file = directory.resolve(MANIFEST);
        if (Files.isRegularFile(file)) {
            try {
                for (JsonNode entry : new ObjectMapper().readTree(file.toFile()).path("files")) {
                    entries.put(entry.path("name").asText(), entry);
                }
            } catch (IOException e) {
                // an unreadable manifest only costs a re-check of the files
            }
        }
        return entries;
    }

    private void writeManifest(Map<String, JsonNode> entries) throws IOException {
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = json.createObjectNode();
        root.put("source", baseUrl.toString());
        ArrayNode list = root.putArray("files");
        entries.values().forEach(list::add);
        Path tmp = directory.resolve(MANIFEST + ".tmp");
        json.writeValue(tmp.toFile(), root);
        Files.move(tmp, directory.resolve(MANIFEST), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    static String sha256(Path file) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) >= 0; ) {
                digest.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /** An HTTP status that no retry in this run can fix. */
    private static final class HttpStatusException extends IOException {
        private static final long serialVersionUID = 1L;
        final int code;

        HttpStatusException(int code, String message) {
            super(message);
            this.code = code;
        }
    }

    /** Builds a {@link ModelDownloader}; every setting has a default except {@link #directory(Path)}. */
    public static final class Builder {
        private HttpUrl baseUrl = HttpUrl.get(CLIP_VIT_B_32_URL);
        private Path directory;
        private List<ModelFile> files = CLIP_VIT_B_32_FILES;
        private Duration connectTimeout = Duration.ofSeconds(5);
        private Duration readTimeout = Duration.ofSeconds(60);
        private Listener listener = Listener.NONE;

        private Builder() {
        }

        /** Sets the URL the files' remote paths are relative to; a trailing slash is added if missing. */
        public Builder baseUrl(String url) {
            Objects.requireNonNull(url, "url");
            HttpUrl parsed = HttpUrl.parse(url.endsWith("/") ? url : url + "/");
            if (parsed == null) {
                throw new IllegalArgumentException("baseUrl must be an http(s) URL, got " + url);
            }
            this.baseUrl = parsed;
            return this;
        }

        /** Sets the folder the files go to (required; usually {@link ClipEmbedder#modelDir(Settings)}). */
        public Builder directory(Path directory) {
            this.directory = Objects.requireNonNull(directory, "directory");
            return this;
        }

        /** Sets the files to fetch (default {@link #CLIP_VIT_B_32_FILES}). */
        public Builder files(List<ModelFile> files) {
            Objects.requireNonNull(files, "files");
            if (files.isEmpty()) {
                throw new IllegalArgumentException("files must not be empty");
            }
            this.files = List.copyOf(files);
            return this;
        }

        /** Sets how long to wait for a connection (default 5 s), so that offline fails fast. */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /** Sets how long a read may stall (default 60 s). */
        public Builder readTimeout(Duration timeout) {
            this.readTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /** Sets the progress listener (default none). */
        public Builder listener(Listener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /** Builds the downloader. */
        public ModelDownloader build() {
            if (directory == null) {
                throw new IllegalStateException("directory is required: call directory(ClipEmbedder.modelDir(settings))");
            }
            return new ModelDownloader(this);
        }
    }
}
