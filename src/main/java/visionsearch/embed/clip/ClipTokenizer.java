package visionsearch.embed.clip;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * CLIP's byte-level BPE tokenizer, a port of OpenAI's {@code simple_tokenizer.py}: clean the text
 * (NFC, HTML entities, whitespace), lower-case it, split it with CLIP's pattern, map UTF-8 bytes to
 * printable characters, apply the merges with {@code </w>} marking word ends, and wrap the ids in
 * the start and end tokens, truncated to 77 positions with the end token kept.
 *
 * <p>Reads {@code vocab.json} + {@code merges.txt}, or else {@code tokenizer.json}. Thread-safe.
 */
final class ClipTokenizer {
    /** The context length of every CLIP text model. */
    static final int CONTEXT_LENGTH = 77;
    static final String START = "<|startoftext|>";
    static final String END = "<|endoftext|>";

    /** The reference pattern; Java needs UNICODE_CHARACTER_CLASS for \s to match Python's. */
    private static final Pattern WORDS = Pattern.compile(
            "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+",
            Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CHARACTER_CLASS);
    private static final Pattern WHITESPACE = Pattern.compile("\\s+", Pattern.UNICODE_CHARACTER_CLASS);
    private static final Pattern ENTITY = Pattern.compile("&(#[0-9]+|#[xX][0-9a-fA-F]+|amp|lt|gt|quot|apos|nbsp);");
    private static final String[] BYTE_TO_CHAR = byteToChar();

    private final Map<String, Integer> vocab;
    private final Map<String, Integer> ranks;
    private final int startId;
    private final int endId;
    private final Map<String, int[]> cache = new ConcurrentHashMap<>();

    private ClipTokenizer(Map<String, Integer> vocab, List<String> merges, String source) {
        this.vocab = Map.copyOf(vocab);
        Map<String, Integer> r = new HashMap<>();
        for (int i = 0; i < merges.size(); i++) {
            r.putIfAbsent(merges.get(i), i);
        }
        this.ranks = Map.copyOf(r);
        Integer start = vocab.get(START);
        Integer end = vocab.get(END);
        if (start == null || end == null) {
            throw new IllegalArgumentException("tokenizer " + source + " lacks the special tokens " + START
                    + " and " + END + "; it is not a CLIP vocabulary");
        }
        this.startId = start;
        this.endId = end;
    }

    /** Loads {@code vocab.json} + {@code merges.txt} from {@code dir}, or else {@code tokenizer.json}. */
    static ClipTokenizer load(Path dir) throws IOException {
        ObjectMapper json = new ObjectMapper();
        Path vocabFile = dir.resolve("vocab.json");
        Path mergesFile = dir.resolve("merges.txt");
        if (Files.isRegularFile(vocabFile) && Files.isRegularFile(mergesFile)) {
            Map<String, Integer> vocab = readVocab(json.readTree(vocabFile.toFile()));
            List<String> merges = new ArrayList<>();
            List<String> lines = Files.readAllLines(mergesFile, StandardCharsets.UTF_8);
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i);
                if (i == 0 && line.startsWith("#version")) {
                    continue;
                }
                if (!line.isBlank()) {
                    merges.add(line.strip());
                }
            }
            return new ClipTokenizer(vocab, merges, dir.toString());
        }
        Path tokenizerFile = dir.resolve("tokenizer.json");
        JsonNode model = json.readTree(tokenizerFile.toFile()).path("model");
        if (!model.path("vocab").isObject() || !model.path("merges").isArray()) {
            throw new IOException(tokenizerFile + " has no BPE model (model.vocab and model.merges)");
        }
        List<String> merges = new ArrayList<>();
        for (JsonNode m : model.path("merges")) {
            // Older files store "a b"; newer ones store ["a", "b"].
            merges.add(m.isArray() ? m.get(0).asText() + " " + m.get(1).asText() : m.asText());
        }
        return new ClipTokenizer(readVocab(model.path("vocab")), merges, tokenizerFile.toString());
    }

    private static Map<String, Integer> readVocab(JsonNode node) {
        Map<String, Integer> vocab = new HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            vocab.put(e.getKey(), e.getValue().asInt());
        }
        return vocab;
    }

    /** Returns the id of the end token (the highest id in CLIP's vocabulary). */
    int endId() {
        return endId;
    }

    /** Returns start + tokens + end, at most {@link #CONTEXT_LENGTH} ids, unpadded. */
    int[] encode(String text) {
        int[] ids = new int[CONTEXT_LENGTH];
        int n = 0;
        ids[n++] = startId;
        Matcher m = WORDS.matcher(clean(text));
        outer:
        while (m.find()) {
            for (int id : wordIds(m.group())) {
                if (n == CONTEXT_LENGTH - 1) {
                    break outer;
                }
                ids[n++] = id;
            }
        }
        ids[n++] = endId;
        return Arrays.copyOf(ids, n);
    }

    /** ftfy-lite + html.unescape twice + whitespace_clean + lower(), as the reference's encode(). */
    static String clean(String text) {
        String s = fixText(text);
        if (s.indexOf('<') < 0) {
            s = unescape(s); // ftfy's unescape_html="auto": text without tags is not HTML
        }
        s = unescape(unescape(s)).strip();
        return WHITESPACE.matcher(s).replaceAll(" ").strip().toLowerCase(Locale.ROOT);
    }

    /**
     * The parts of ftfy.fix_text's defaults that change ordinary text: curly quotes to straight ones,
     * Latin ligatures and full-width characters to plain letters, control characters removed, NFC.
     * (Mojibake repair is left out: it guesses, and CLIP prompts are typed, not mis-decoded.)
     */
    static String fixText(String text) {
        StringBuilder out = new StringBuilder(text.length());
        text.codePoints().forEach(cp -> {
            if (cp == 0x2018 || cp == 0x2019 || cp == 0x201A || cp == 0x201B) {
                out.append('\'');
            } else if (cp == 0x201C || cp == 0x201D || cp == 0x201E || cp == 0x201F) {
                out.append('"');
            } else if (cp >= 0xFB00 && cp <= 0xFB06) {
                out.append(Normalizer.normalize(new String(Character.toChars(cp)), Normalizer.Form.NFKC));
            } else if (cp >= 0xFF01 && cp <= 0xFF5E) {
                out.append((char) (cp - 0xFEE0));
            } else if (cp == 0x3000) {
                out.append(' ');
            } else if (Character.getType(cp) == Character.CONTROL && !Character.isWhitespace(cp)) {
                return;
            } else {
                out.appendCodePoint(cp);
            }
        });
        return Normalizer.normalize(out, Normalizer.Form.NFC);
    }

    private static String unescape(String s) {
        if (s.indexOf('&') < 0) {
            return s;
        }
        Matcher m = ENTITY.matcher(s);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String e = m.group(1);
            String r;
            switch (e) {
                case "amp": r = "&"; break;
                case "lt": r = "<"; break;
                case "gt": r = ">"; break;
                case "quot": r = "\""; break;
                case "apos": r = "'"; break;
                case "nbsp": r = "\u00a0"; break;
                default:
                    int cp = e.charAt(1) == 'x' || e.charAt(1) == 'X'
                            ? Integer.parseInt(e.substring(2), 16) : Integer.parseInt(e.substring(1));
                    r = Character.isValidCodePoint(cp) && cp != 0 ? new String(Character.toChars(cp)) : "\ufffd";
            }
            m.appendReplacement(out, Matcher.quoteReplacement(r));
        }
        m.appendTail(out);
        return out.toString();
    }

    private int[] wordIds(String word) {
        return cache.computeIfAbsent(word, w -> {
            StringBuilder mapped = new StringBuilder();
            for (byte b : w.getBytes(StandardCharsets.UTF_8)) {
                mapped.append(BYTE_TO_CHAR[b & 0xFF]);
            }
            List<String> parts = bpe(mapped.toString());
            int[] ids = new int[parts.size()];
            for (int i = 0; i < ids.length; i++) {
                Integer id = vocab.get(parts.get(i));
                if (id == null) {
                    throw new IllegalStateException("token '" + parts.get(i) + "' of '" + w
                            + "' is not in the vocabulary: vocab.json and merges.txt do not belong together");
                }
                ids[i] = id;
            }
            return ids;
        });
    }

    /** Applies the merges, lowest rank first, to one pre-tokenised, byte-mapped word. */
    private List<String> bpe(String token) {
        List<String> word = new ArrayList<>();
        token.codePoints().forEach(cp -> word.add(new String(Character.toChars(cp))));
        int last = word.size() - 1;
        word.set(last, word.get(last) + "</w>");
        while (word.size() > 1) {
            int bestRank = Integer.MAX_VALUE;
            String first = null;
            String second = null;
            for (int i = 0; i < word.size() - 1; i++) {
                Integer rank = ranks.get(word.get(i) + " " + word.get(i + 1));
                if (rank != null && rank < bestRank) {
                    bestRank = rank;
                    first = word.get(i);
                    second = word.get(i + 1);
                }
            }
            if (first == null) {
                break;
            }
            List<String> merged = new ArrayList<>(word.size());
            for (int i = 0; i < word.size(); i++) {
                if (i < word.size() - 1 && word.get(i).equals(first) && word.get(i + 1).equals(second)) {
                    merged.add(first + second);
                    i++;
                } else {
                    merged.add(word.get(i));
                }
            }
            word.clear();
            word.addAll(merged);
        }
        return word;
    }

    /** GPT-2's bytes_to_unicode: printable bytes map to themselves, the rest to 256 and up. */
    private static String[] byteToChar() {
        String[] table = new String[256];
        int n = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            table[b] = String.valueOf((char) (printable ? b : 256 + n++));
        }
        return table;
    }
}
