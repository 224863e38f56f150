package visionsearch.embed.clip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ClipTokenizerTest {

    static Path tinyDir() {
        try {
            return Path.of(ClipTokenizerTest.class.getResource("/clip-tiny").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Reference ids of openai/clip-vit-base-patch32 (OpenAI's simple_tokenizer / Hugging Face CLIPTokenizer). */
    static Stream<Arguments> references() {
        return Stream.of(
                Arguments.of("a photo of a cat", new int[] {49406, 320, 1125, 539, 320, 2368, 49407}),
                Arguments.of("How are you doing?", new int[] {49406, 829, 631, 592, 1960, 286, 49407}),
                Arguments.of("Hello World", new int[] {49406, 3306, 1002, 49407}),
                Arguments.of("The company was founded in 2016.",
                        new int[] {49406, 518, 2634, 739, 12240, 530, 273, 271, 272, 277, 269, 49407}));
    }

    @ParameterizedTest(name = "vocab.json + merges.txt: \"{0}\"")
    @MethodSource("references")
    void matchesReferenceIdsFromVocabAndMerges(String text, int[] expected) throws IOException {
        assertArrayEquals(expected, ClipTokenizer.load(tinyDir()).encode(text));
    }

    @ParameterizedTest(name = "tokenizer.json: \"{0}\"")
    @MethodSource("references")
    void matchesReferenceIdsFromTokenizerJson(String text, int[] expected, @TempDir Path dir) throws IOException {
        Files.copy(tinyDir().resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
        assertArrayEquals(expected, ClipTokenizer.load(dir).encode(text));
    }

    @Test
    void emptyTextIsStartAndEnd() throws IOException {
        ClipTokenizer t = ClipTokenizer.load(tinyDir());
        assertArrayEquals(new int[] {49406, 49407}, t.encode(""));
        assertArrayEquals(new int[] {49406, 49407}, t.encode(" \t\n "));
    }

    @Test
    void truncatesTo77KeepingTheEndToken() throws IOException {
        int[] ids = ClipTokenizer.load(tinyDir()).encode("a ".repeat(100));
        assertEquals(77, ids.length);
        assertEquals(49406, ids[0]);
        assertEquals(49407, ids[76]);
        assertTrue(Arrays.stream(ids, 1, 76).allMatch(id -> id == 320), Arrays.toString(ids));
        assertEquals(77, ClipTokenizer.load(tinyDir()).encode("a ".repeat(75)).length);
        assertEquals(76, ClipTokenizer.load(tinyDir()).encode("a ".repeat(74)).length);
    }

    @Test
    void cleansWhitespaceCaseQuotesAndEntities() throws IOException {
        ClipTokenizer t = ClipTokenizer.load(tinyDir());
        assertArrayEquals(t.encode("a photo of a cat"), t.encode("  A\tPHOTO\n\n of   a CaT  "));
        assertArrayEquals(t.encode("cat's"), t.encode("cat\u2019s"));
        assertArrayEquals(t.encode("cat & cat"), t.encode("cat &amp;amp; cat"));
        // '&' is byte 0x26, the 6th printable byte: id 5, and 256 + 5 at a word end.
        assertArrayEquals(new int[] {49406, 2368, 261, 2368, 49407}, t.encode("cat & cat"));
        assertArrayEquals(t.encode("hello world"), t.encode("\uff48\uff45\uff4c\uff4c\uff4f world"));
    }

    @Test
    void anyTextTokenisesThroughTheByteLevelFallback() throws IOException {
        ClipTokenizer t = ClipTokenizer.load(tinyDir());
        // No merges cover these, so each UTF-8 byte is one token: "猫" is 3 bytes, the last one marks the word end.
        int[] ids = t.encode("猫");
        assertEquals(5, ids.length, Arrays.toString(ids));
        assertTrue(ids[3] >= 256 && ids[3] < 512, "word-final byte token: " + ids[3]);
        assertTrue(t.encode("a 🐱 in 北京, 2016!").length > 10);
    }

    @Test
    void mismatchedVocabularyIsNamed(@TempDir Path dir) throws IOException {
        Files.copy(tinyDir().resolve("vocab.json"), dir.resolve("vocab.json"));
        Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\nz z</w>\n");
        ClipTokenizer t = ClipTokenizer.load(dir);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> t.encode("zz"));
        assertTrue(e.getMessage().contains("not in the vocabulary"), e.getMessage());
    }
}
