package visionsearch.embed.clip;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.stream.IntStream;
import visionsearch.vector.Vectors;
import visionsearch.embed.BatchProgress;
import visionsearch.embed.CallPlan;
import visionsearch.embed.Embedder;
import visionsearch.embed.Embedding;
import visionsearch.embed.EmbeddingException;
import visionsearch.embed.EmbeddingResult;
import visionsearch.embed.ImageInput;
import visionsearch.embed.Settings;

/**
 * Local CLIP (ViT-B/32 by default) on ONNX Runtime: images and text in one 512-d space, offline.
 *
 * <p>The model folder has the layout of the common Hugging Face ONNX exports (for example
 * Xenova/clip-vit-base-patch32, which {@code vision-search model download} fetches):
 * {@code vision_model.onnx} ({@code pixel_values} float32 [batch,3,224,224] to {@code image_embeds})
 * and {@code text_model.onnx} ({@code input_ids} int64 [batch,sequence] to {@code text_embeds}),
 * or instead the combined {@code model.onnx}; plus {@code vocab.json} + {@code merges.txt} or
 * {@code tokenizer.json}. Files may also sit in an {@code onnx/} sub-folder. The optional
 * {@code config.json} names the model ({@code clip:ViT-B-32} when absent).
 *
 * <p>Preprocessing and tokenisation match the reference CLIP (see {@code ClipPreprocessor} and
 * {@code ClipTokenizer}); every vector is L2-normalised. Instances are thread-safe; close them to
 * free the native sessions, after which every call throws {@link IllegalStateException}.
 */
public final class ClipEmbedder implements Embedder {
    /** The model id when the folder has no config.json saying otherwise. */
    public static final String DEFAULT_MODEL_ID = "clip:ViT-B-32";
    /** Images per model run in {@link #embedImages} when not set. */
    public static final int DEFAULT_BATCH_SIZE = 16;

    static final String VISION_FILE = "vision_model.onnx";
    static final String TEXT_FILE = "text_model.onnx";
    static final String COMBINED_FILE = "model.onnx";
    private static final String PIXELS = "pixel_values";
    private static final String IDS = "input_ids";
    private static final String MASK = "attention_mask";
    private static final Duration URL_TIMEOUT = Duration.ofSeconds(30);

    private final Path dir;
    private final OrtEnvironment env;
    private final OrtSession.SessionOptions options;
    private final OrtSession vision;
    private final OrtSession text;
    private final String imageOutput;
    private final String textOutput;
    private final long fixedSequence;
    private final ClipTokenizer tokenizer;
    private final String modelId;
    private final int dimensions;
    private final int batchSize;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    /**
     * One image-model run at a time: a run already spreads over every core, so two at once only
     * contend; a second {@link #embedImages} call decodes and preprocesses while the first one runs.
     */
    private final ReentrantLock imageRuns = new ReentrantLock(true);
    private boolean closed;

    private ClipEmbedder(Path dir, OrtEnvironment env, OrtSession.SessionOptions options, OrtSession vision,
                         OrtSession text, ClipTokenizer tokenizer, String modelId, int batchSize) throws OrtException {
        this.dir = dir;
        this.env = env;
        this.options = options;
        this.vision = vision;
        this.text = text;
        this.tokenizer = tokenizer;
        this.modelId = modelId;
        this.batchSize = batchSize;
        this.imageOutput = outputName(vision, "image_embeds");
        this.textOutput = outputName(text, "text_embeds");
        for (OrtSession s : List.of(vision, text)) {
            for (String input : s.getInputNames()) {
                if (!List.of(PIXELS, IDS, MASK).contains(input)) {
                    throw new EmbeddingException("CLIP model in " + dir + " has an input '" + input
                            + "' that CLIP exports do not have: expected only " + List.of(PIXELS, IDS, MASK), false, null);
                }
            }
        }
        if (!vision.getInputNames().contains(PIXELS) || !text.getInputNames().contains(IDS)) {
            throw new EmbeddingException("CLIP model in " + dir + " lacks the inputs " + PIXELS + " / " + IDS
                    + ": vision inputs " + vision.getInputNames() + ", text inputs " + text.getInputNames(), false, null);
        }
        long[] idsShape = ((TensorInfo) text.getInputInfo().get(IDS).getInfo()).getShape();
        this.fixedSequence = idsShape.length == 2 && idsShape[1] > 0 ? idsShape[1] : -1;
        long[] outShape = ((TensorInfo) vision.getOutputInfo().get(imageOutput).getInfo()).getShape();
        long last = outShape[outShape.length - 1];
        this.dimensions = last > 0 ? (int) last : runImages(new float[ClipPreprocessor.FLOATS], 1)[0].length;
    }

    /** Returns the model folder: {@code CLIP_MODEL_DIR}, else the default download folder. */
    public static Path modelDir(Settings settings) {
        return settings.get("CLIP_MODEL_DIR").map(Path::of)
                .orElse(Path.of(System.getProperty("user.home"), ".cache", "vision-search", "clip-vit-base-patch32"));
    }

    /**
     * Returns what the CLIP image model sees for {@code image}: channel-first float32 [3, 224, 224],
     * resized (Pillow bicubic), centre-cropped and normalised exactly as the reference preprocessing.
     */
    public static float[] pixelValues(BufferedImage image) {
        return ClipPreprocessor.pixelValues(Objects.requireNonNull(image, "image"));
    }

    /**
     * Writes what the CLIP image model sees for {@code image} into {@code out} from {@code offset}:
     * 3 x 224 x 224 floats, channel-first, as {@link #pixelValues(BufferedImage)} returns them. For
     * filling a batch buffer [n, 3, 224, 224] without allocating one array per image.
     */
    public static void pixelValues(BufferedImage image, float[] out, int offset) {
        Objects.requireNonNull(image, "image");
        Objects.checkFromIndexSize(offset, ClipPreprocessor.FLOATS, Objects.requireNonNull(out, "out").length);
        ClipPreprocessor.pixelValues(image, out, offset);
    }

    /** Returns true if {@code dir} holds everything {@link #open(Path)} needs (models and tokenizer). */
    public static boolean isModelDir(Path dir) {
        return dir != null && Files.isDirectory(dir) && missingFiles(dir).isEmpty();
    }

    /** Loads the model export in {@code dir} with ONNX Runtime's default thread count and batches of 16. */
    public static ClipEmbedder open(Path dir) {
        return open(dir, 0, DEFAULT_BATCH_SIZE);
    }

    /**
     * Loads the model export in {@code dir}.
     *
     * @param intraOpThreads threads ONNX Runtime uses inside one model run; 0 means its default (all cores)
     * @param batchSize      images per model run in {@link #embedImages}; at least 1
     * @throws EmbeddingException if files are missing (the message names them and says how to get them)
     *     or the model cannot be loaded
     */
    public static ClipEmbedder open(Path dir, int intraOpThreads, int batchSize) {
        Objects.requireNonNull(dir, "dir");
        if (intraOpThreads < 0) {
            throw new IllegalArgumentException("intraOpThreads must be 0 (default) or more, got " + intraOpThreads);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be at least 1, got " + batchSize);
        }
        List<String> missing = Files.isDirectory(dir) ? missingFiles(dir) : List.of("the folder itself");
        if (!missing.isEmpty()) {
            throw new EmbeddingException("CLIP model folder " + dir + " is incomplete: missing " + String.join(", ", missing)
                    + ". Expected " + VISION_FILE + " + " + TEXT_FILE + " (or " + COMBINED_FILE + ") and vocab.json + merges.txt"
                    + " (or tokenizer.json). Run `vision-search model download`, or set CLIP_MODEL_DIR to a folder"
                    + " that holds these files.", false, null);
        }
        ClipTokenizer tokenizer;
        try {
            tokenizer = ClipTokenizer.load(tokenizerDir(dir));
        } catch (IOException | RuntimeException e) {
            throw new EmbeddingException("cannot read the CLIP tokenizer in " + dir + ": " + e.getMessage()
                    + "; run `vision-search model download` again to replace it", false, e);
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        OrtSession vision = null;
        OrtSession text = null;
        try {
            options.setIntraOpNumThreads(intraOpThreads);
            Path visionFile = find(dir, VISION_FILE);
            if (visionFile != null) {
                vision = env.createSession(visionFile.toString(), options);
                text = env.createSession(find(dir, TEXT_FILE).toString(), options);
            } else {
                vision = env.createSession(find(dir, COMBINED_FILE).toString(), options);
                text = vision;
            }
            return new ClipEmbedder(dir, env, options, vision, text, tokenizer, readModelId(dir), batchSize);
        } catch (OrtException | RuntimeException e) {
            closeQuietly(text == vision ? null : text);
            closeQuietly(vision);
            options.close();
            if (e instanceof EmbeddingException) {
                throw (EmbeddingException) e;
            }
            throw new EmbeddingException("ONNX Runtime cannot load the CLIP model in " + dir + ": " + e.getMessage()
                    + "; the files may be truncated: run `vision-search model download` again", false, e);
        }
    }

    /** Names the files {@link #open(Path)} needs that {@code dir} lacks; empty when complete. */
    static List<String> missingFiles(Path dir) {
        List<String> missing = new ArrayList<>();
        if (find(dir, COMBINED_FILE) == null || find(dir, VISION_FILE) != null) {
            for (String name : List.of(VISION_FILE, TEXT_FILE)) {
                if (find(dir, name) == null) {
                    missing.add(name);
                }
            }
        }
        if (find(dir, "tokenizer.json") == null) {
            for (String name : List.of("vocab.json", "merges.txt")) {
                if (find(dir, name) == null) {
                    missing.add(name);
                }
            }
        }
        return missing;
    }

    /** Returns dir/name or dir/onnx/name, whichever is a file, else null. */
    private static Path find(Path dir, String name) {
        for (Path candidate : List.of(dir.resolve(name), dir.resolve("onnx").resolve(name))) {
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    private static Path tokenizerDir(Path dir) {
        boolean pair = Files.isRegularFile(dir.resolve("vocab.json")) && Files.isRegularFile(dir.resolve("merges.txt"));
        return pair || Files.isRegularFile(dir.resolve("tokenizer.json")) ? dir : dir.resolve("onnx");
    }

    /**
     * The model id: config.json's {@code vision_search_model_id} if set, else {@code clip:ViT-<size>-<patch>}
     * from its {@code vision_config} (hidden size 768 is B, 1024 L, 1280 H), else {@link #DEFAULT_MODEL_ID}.
     */
    static String readModelId(Path dir) {
        Path config = find(dir, "config.json");
        if (config == null) {
            return DEFAULT_MODEL_ID;
        }
        try {
            JsonNode root = new ObjectMapper().readTree(config.toFile());
            if (root.hasNonNull("vision_search_model_id")) {
                return root.get("vision_search_model_id").asText();
            }
            JsonNode vision = root.path("vision_config");
            int hidden = vision.path("hidden_size").asInt(768);
            int patch = vision.path("patch_size").asInt(32);
            String size = hidden == 768 ? "B" : hidden == 1024 ? "L" : hidden == 1280 ? "H" : "d" + hidden;
            return "clip:ViT-" + size + "-" + patch;
        } catch (IOException e) {
            throw new EmbeddingException("cannot read " + config + ": " + e.getMessage(), false, e);
        }
    }

    @Override
    public Embedding embedImage(ImageInput image) {
        Objects.requireNonNull(image, "image");
        EmbeddingResult result = embedImages(List.of(image), BatchProgress.NONE).get(0);
        if (!result.ok()) {
            throw result.error();
        }
        return result.embedding();
    }

    /**
     * Embeds many images, {@link #batchSize()} per model run; a bad image gives a failed result and
     * never fails the batch. URL inputs are downloaded first.
     */
    @Override
    public List<EmbeddingResult> embedImages(List<ImageInput> images, BatchProgress progress) {
        Objects.requireNonNull(images, "images");
        Objects.requireNonNull(progress, "progress");
        lock.readLock().lock();
        try {
            ensureOpen();
            EmbeddingResult[] results = new EmbeddingResult[images.size()];
            int done = 0;
            // One batch buffer for the whole call (ONNX Runtime copies it into its own tensor).
            float[] pixels = new float[Math.min(batchSize, images.size()) * ClipPreprocessor.FLOATS];
            for (int start = 0; start < images.size(); start += batchSize) {
                int end = Math.min(images.size(), start + batchSize);
                RuntimeException[] errors = new RuntimeException[end - start];
                // Decoding and preprocessing are independent per image: spread them over the cores.
                int first = start;
                IntStream.range(start, end).parallel().forEach(i -> {
                    try {
                        ImageInput input = Objects.requireNonNull(images.get(i), "images[" + i + "]");
                        BufferedImage decoded = input.fetch(URL_TIMEOUT).decode();
                        ClipPreprocessor.pixelValues(decoded, pixels, (i - first) * ClipPreprocessor.FLOATS);
                    } catch (RuntimeException e) {
                        errors[i - first] = e;
                    }
                });
                int[] members = new int[end - start];
                int n = 0;
                for (int j = 0; j < errors.length; j++) {
                    int i = start + j;
                    if (errors[j] != null) {
                        ImageInput input = images.get(i);
                        results[i] = EmbeddingResult.failure(i, input == null ? "null" : input.source(), errors[j]);
                        progress.update(++done, images.size());
                        continue;
                    }
                    if (n != j) {
                        System.arraycopy(pixels, j * ClipPreprocessor.FLOATS, pixels, n * ClipPreprocessor.FLOATS,
                                ClipPreprocessor.FLOATS);
                    }
                    members[n++] = i;
                }
                if (n == 0) {
                    continue;
                }
                float[][] vectors = null;
                RuntimeException failure = null;
                try {
                    imageRuns.lock();
                    try {
                        vectors = runImages(pixels, n);
                    } finally {
                        imageRuns.unlock();
                    }
                } catch (RuntimeException e) {
                    failure = e;
                }
                for (int j = 0; j < n; j++) {
                    int i = members[j];
                    results[i] = failure == null
                            ? EmbeddingResult.success(i, images.get(i).source(), embedding(vectors[j]))
                            : EmbeddingResult.failure(i, images.get(i).source(), failure);
                    progress.update(++done, images.size());
                }
            }
            return List.of(results);
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public Embedding embedText(String text) {
        return embedTexts(List.of(Objects.requireNonNull(text, "text"))).get(0);
    }

    /** Embeds several texts in one model run; CLIP truncates each to 77 tokens. */
    public List<Embedding> embedTexts(List<String> texts) {
        Objects.requireNonNull(texts, "texts");
        lock.readLock().lock();
        try {
            ensureOpen();
            if (texts.isEmpty()) {
                return List.of();
            }
            int[][] ids = new int[texts.size()][];
            int longest = 0;
            for (int i = 0; i < ids.length; i++) {
                ids[i] = tokenizer.encode(Objects.requireNonNull(texts.get(i), "texts[" + i + "]"));
                longest = Math.max(longest, ids[i].length);
            }
            int length = fixedSequence > 0 ? (int) fixedSequence : longest;
            float[][] vectors = runText(ids, length);
            List<Embedding> out = new ArrayList<>(vectors.length);
            for (float[] v : vectors) {
                out.add(embedding(v));
            }
            return out;
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Returns the token ids CLIP sees for {@code text}: start, tokens, end; at most 77. */
    public int[] tokenize(String text) {
        Objects.requireNonNull(text, "text");
        ensureOpenNow();
        return tokenizer.encode(text);
    }

    @Override
    public String modelId() {
        return modelId;
    }

    @Override
    public int dimensions() {
        return dimensions;
    }

    /**
     * Returns {@link #batchSize()} images per call and two calls at once: while the model runs on one
     * batch, the next one is decoded and preprocessed (the model itself runs one batch at a time).
     */
    @Override
    public CallPlan callPlan() {
        return new CallPlan(batchSize, 2);
    }

    /** Returns the number of images per model run in {@link #embedImages}. */
    public int batchSize() {
        return batchSize;
    }

    /** Returns the model folder this embedder was loaded from. */
    public Path directory() {
        return dir;
    }

    /** Frees the ONNX Runtime sessions; later calls throw {@link IllegalStateException}. Idempotent. */
    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            if (text != vision) {
                closeQuietly(text);
            }
            closeQuietly(vision);
            options.close();
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public String toString() {
        return "ClipEmbedder[" + modelId + ", " + dimensions + "-d, " + dir + "]";
    }

    private Embedding embedding(float[] raw) {
        if (!Vectors.allFinite(raw)) {
            throw new EmbeddingException("CLIP model in " + dir + " returned a non-finite vector", false, null);
        }
        return new Embedding(Vectors.normalize(raw), modelId);
    }

    /** Runs the image model on the first {@code count} images of {@code pixels}. */
    private float[][] runImages(float[] pixels, int count) {
        Map<String, OnnxTensor> inputs = new HashMap<>();
        try {
            inputs.put(PIXELS, OnnxTensor.createTensor(env, FloatBuffer.wrap(pixels, 0, count * ClipPreprocessor.FLOATS),
                    new long[] {count, 3, ClipPreprocessor.SIZE, ClipPreprocessor.SIZE}));
            if (vision.getInputNames().contains(IDS)) {
                // The combined export runs both towers; give the text tower the shortest prompt.
                addText(inputs, vision, new int[][] {{tokenizer.encode("")[0], tokenizer.endId()}},
                        fixedSequence > 0 ? (int) fixedSequence : 2);
            }
            return run(vision, inputs, imageOutput, count);
        } catch (OrtException e) {
            throw new EmbeddingException("CLIP image model failed: " + e.getMessage(), false, e);
        } finally {
            inputs.values().forEach(OnnxTensor::close);
        }
    }

    private float[][] runText(int[][] ids, int length) {
        Map<String, OnnxTensor> inputs = new HashMap<>();
        try {
            addText(inputs, text, ids, length);
            if (text.getInputNames().contains(PIXELS)) {
                inputs.put(PIXELS, OnnxTensor.createTensor(env, FloatBuffer.wrap(new float[ClipPreprocessor.FLOATS]),
                        new long[] {1, 3, ClipPreprocessor.SIZE, ClipPreprocessor.SIZE}));
            }
            return run(text, inputs, textOutput, ids.length);
        } catch (OrtException e) {
            throw new EmbeddingException("CLIP text model failed: " + e.getMessage(), false, e);
        } finally {
            inputs.values().forEach(OnnxTensor::close);
        }
    }

    /** Adds input_ids (zero-padded, as the reference) and, when declared, attention_mask, in the declared type. */
    private void addText(Map<String, OnnxTensor> inputs, OrtSession session, int[][] ids, int length) throws OrtException {
        long[] shape = {ids.length, length};
        int[] flatIds = new int[ids.length * length];
        int[] flatMask = new int[ids.length * length];
        for (int i = 0; i < ids.length; i++) {
            System.arraycopy(ids[i], 0, flatIds, i * length, ids[i].length);
            Arrays.fill(flatMask, i * length, i * length + ids[i].length, 1);
        }
        inputs.put(IDS, intTensor(session, IDS, flatIds, shape));
        if (session.getInputNames().contains(MASK)) {
            inputs.put(MASK, intTensor(session, MASK, flatMask, shape));
        }
    }

    private OnnxTensor intTensor(OrtSession session, String name, int[] values, long[] shape) throws OrtException {
        NodeInfo info = session.getInputInfo().get(name);
        OnnxJavaType type = ((TensorInfo) info.getInfo()).type;
        if (type == OnnxJavaType.INT32) {
            return OnnxTensor.createTensor(env, IntBuffer.wrap(values), shape);
        }
        if (type != OnnxJavaType.INT64) {
            throw new EmbeddingException("CLIP model input " + name + " is " + type + ": expected INT64 (or INT32)", false, null);
        }
        long[] longs = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            longs[i] = values[i];
        }
        return OnnxTensor.createTensor(env, LongBuffer.wrap(longs), shape);
    }

    private static float[][] run(OrtSession session, Map<String, OnnxTensor> inputs, String output, int count)
            throws OrtException {
        try (OrtSession.Result result = session.run(inputs, Set.of(output))) {
            OnnxValue value = result.get(output).orElseThrow();
            OnnxTensor tensor = (OnnxTensor) value;
            long[] shape = tensor.getInfo().getShape();
            if (shape.length != 2 || shape[0] != count) {
                throw new EmbeddingException("CLIP output " + output + " has shape " + Arrays.toString(shape)
                        + ": expected [" + count + ", dimensions]", false, null);
            }
            FloatBuffer data = tensor.getFloatBuffer();
            int d = (int) shape[1];
            float[][] out = new float[count][d];
            for (int i = 0; i < count; i++) {
                data.get(out[i]);
            }
            return out;
        }
    }

    private static String outputName(OrtSession session, String preferred) {
        Set<String> names = session.getOutputNames();
        if (names.contains(preferred)) {
            return preferred;
        }
        if (names.size() == 1) {
            return names.iterator().next();
        }
        throw new EmbeddingException("CLIP model has no output '" + preferred + "': outputs are " + names, false, null);
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("this ClipEmbedder (" + dir + ") is closed; open a new one");
        }
    }

    private void ensureOpenNow() {
        lock.readLock().lock();
        try {
            ensureOpen();
        } finally {
            lock.readLock().unlock();
        }
    }

    private static void closeQuietly(OrtSession session) {
        if (session != null) {
            try {
                session.close();
            } catch (OrtException | RuntimeException ignored) {
                // closing is best effort; the native memory goes with the process anyway
            }
        }
    }
}
