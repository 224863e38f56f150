package visionsearch.index;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class CaptionsTest {

    static Stream<Arguments> csv() {
        return Stream.of(
                Arguments.of("plain", "a,b\nc,d\n", List.of(List.of("a", "b"), List.of("c", "d"))),
                Arguments.of("crlf and no final newline", "a,b\r\nc,d", List.of(List.of("a", "b"), List.of("c", "d"))),
                Arguments.of("quoted comma", "\"x, y\",z\n", List.of(List.of("x, y", "z"))),
                Arguments.of("doubled quote", "\"say \"\"hi\"\"\",2\n", List.of(List.of("say \"hi\"", "2"))),
                Arguments.of("line break inside quotes", "\"one\ntwo\",3\n", List.of(List.of("one\ntwo", "3"))),
                Arguments.of("empty fields", "a,,c\n,\n", List.of(List.of("a", "", "c"), List.of("", ""))),
                Arguments.of("blank lines dropped", "a\n\n\nb\n", List.of(List.of("a"), List.of("b"))),
                Arguments.of("byte order mark", "\uFEFFfile,caption\n", List.of(List.of("file", "caption"))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("csv")
    void parsesCsv(String name, String text, List<List<String>> expected) {
        assertEquals(expected, Captions.parse(text));
    }
}
