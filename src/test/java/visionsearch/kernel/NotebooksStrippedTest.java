package visionsearch.kernel;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Notebooks are committed without outputs or execution counts (scripts/strip-notebooks.sh strips them). */
class NotebooksStrippedTest {

    static List<Path> notebooks(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(p -> p.toString().endsWith(".ipynb"))
                    .filter(p -> !p.toString().contains(".ipynb_checkpoints"))
                    .sorted().collect(Collectors.toList());
        }
    }

    static List<String> problems(Path notebook) throws IOException {
        List<String> problems = new ArrayList<>();
        JsonNode cells = new ObjectMapper().readTree(notebook.toFile()).path("cells");
        for (int i = 0; i < cells.size(); i++) {
            JsonNode cell = cells.get(i);
            if (!"code".equals(cell.path("cell_type").asText())) {
                continue;
            }
            if (cell.path("outputs").size() > 0) {
                problems.add(notebook.getFileName() + " cell " + (i + 1) + " has outputs");
            }
            if (!cell.path("execution_count").isNull() && !cell.path("execution_count").isMissingNode()) {
                problems.add(notebook.getFileName() + " cell " + (i + 1) + " has an execution count");
            }
        }
        return problems;
    }

    @Test
    void committedNotebooksHaveNoOutputs() throws IOException {
        List<String> problems = new ArrayList<>();
        for (Path notebook : notebooks(Path.of("notebooks"))) {
            problems.addAll(problems(notebook));
        }
        for (Path notebook : notebooks(Path.of("src/test/resources/notebooks"))) {
            problems.addAll(problems(notebook));
        }
        assertTrue(problems.isEmpty(), "run scripts/strip-notebooks.sh before committing: " + problems);
    }

    @Test
    void theCheckNoticesOutputs(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        Path executed = dir.resolve("executed.ipynb");
        Files.writeString(executed, "{\"cells\": [{\"cell_type\": \"code\", \"execution_count\": 3, \"source\": \"1\","
                + " \"outputs\": [{\"output_type\": \"execute_result\", \"data\": {\"text/plain\": \"1\"}}]}]}");
        assertTrue(problems(executed).equals(List.of("executed.ipynb cell 1 has outputs",
                "executed.ipynb cell 1 has an execution count")), problems(executed).toString());
    }
}
