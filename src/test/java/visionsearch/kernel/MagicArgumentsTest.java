package visionsearch.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** How a magic line splits into words. */
class MagicArgumentsTest {

    @ParameterizedTest(name = "[{0}]")
    @CsvSource(delimiter = '|', value = {
        "jars ../target/vision-search-all.jar|jars,../target/vision-search-all.jar",
        "classpath   a.jar    b.jar |classpath,a.jar,b.jar",
        "classpath \"my libs/a.jar\" 'x y.jar'|classpath,my libs/a.jar,x y.jar",
        "classpath C:\\libs\\a.jar|classpath,C:\\libs\\a.jar",
        "classpath \"quote\\\"d.jar\"|classpath,quote\"d.jar",
    })
    void splitsLikeAShell(String line, String expected) {
        assertEquals(Arrays.asList(expected.split(",")), MagicArguments.split(line));
    }

    @ParameterizedTest(name = "[{0}]")
    @CsvSource(delimiter = '|', value = {"''", "'   '"})
    void blankLineHasNoWords(String line) {
        assertEquals(List.of(), MagicArguments.split(line));
    }

    @org.junit.jupiter.api.Test
    void unclosedQuoteIsAnError() {
        MagicException e = assertThrows(MagicException.class, () -> MagicArguments.split("jars \"a.jar"));
        assertEquals("unclosed quote \" in: jars \"a.jar", e.getMessage());
    }
}
