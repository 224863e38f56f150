package visionsearch.kernel;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import jdk.jshell.DeclarationSnippet;
import jdk.jshell.Diag;
import jdk.jshell.EvalException;
import jdk.jshell.JShell;
import jdk.jshell.JShellException;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import jdk.jshell.UnresolvedReferenceException;

/**
 * What {@link JavaKernel} shows for a cell that fails: compilation errors with the cell's line and a
 * caret, unresolved names, and exceptions with their causes and only the cell's own stack frames
 * (named by cell line, JShell's and the kernel's frames left out).
 */
final class CellErrors {
    private static final int MAX_FRAMES = 25;

    private final JShell shell;
    /** Snippet id -> first line (0-based) in the cell being evaluated; the kernel fills it. */
    private final Map<String, Integer> cellLines;

    CellErrors(JShell shell, Map<String, Integer> cellLines) {
        this.shell = shell;
        this.cellLines = cellLines;
    }

    /** {@code line}: where the snippet's code starts; {@code sourceLine}: where its source text (with leading blank lines) starts. */
    void check(SnippetEvent event, int line, int sourceLine) {
        JShellException exception = event.exception();
        if (exception != null) {
            throw evaluationError(exception);
        }
        Snippet snippet = event.snippet();
        if (event.status() == Snippet.Status.REJECTED) {
            throw compilationError(snippet, sourceLine);
        }
        if (snippet instanceof DeclarationSnippet && event.status() != Snippet.Status.VALID) {
            List<String> missing = shell.unresolvedDependencies((DeclarationSnippet) snippet)
                    .collect(Collectors.toList());
            if (!missing.isEmpty()) {
                String name = ((DeclarationSnippet) snippet).name();
                String message = "'" + name + "' at line " + (line + 1) + " uses " + String.join(", ", missing)
                        + ", which is not defined; define it (or import it) before using '" + name + "'";
                throw new CompilationException(message, List.of("Compilation error: " + message));
            }
        }
    }

    private CompilationException compilationError(Snippet snippet, int line) {
        List<String> out = new ArrayList<>();
        String source = snippet.source();
        String summary = null;
        for (Diag diag : (Iterable<Diag>) shell.diagnostics(snippet)::iterator) {
            if (!diag.isError()) {
                continue;
            }
            String message = diag.getMessage(Locale.ENGLISH);
            int position = (int) Math.max(0, Math.min(diag.getStartPosition(), source.length()));
            int lineStart = source.lastIndexOf('\n', position - 1) + 1;
            int lineEnd = source.indexOf('\n', position);
            String text = source.substring(lineStart, lineEnd < 0 ? source.length() : lineEnd);
            int cellLine = line + lineOf(source, position) + 1;
            out.add("Compilation error at line " + cellLine + ": " + message.lines().findFirst().orElse(""));
            out.add("    " + text);
            out.add("    " + " ".repeat(position - lineStart) + "^");
            message.lines().skip(1).forEach(more -> out.add("  " + more.strip()));
            if (summary == null) {
                summary = "line " + cellLine + ": " + message.lines().findFirst().orElse("");
            }
        }
        if (summary == null) {
            summary = "the code at line " + (line + 1) + " was rejected";
            out.add("Compilation error: " + summary);
        }
        return new CompilationException(summary, out);
    }

    private EvaluationException evaluationError(JShellException exception) {
        if (exception instanceof UnresolvedReferenceException) {
            DeclarationSnippet snippet = ((UnresolvedReferenceException) exception).getSnippet();
            List<String> missing = shell.unresolvedDependencies(snippet).collect(Collectors.toList());
            String message = "'" + snippet.name() + "' cannot run yet: it uses " + String.join(", ", missing)
                    + ", which is not defined";
            return new EvaluationException("UnresolvedReference", message, List.of("UnresolvedReference: " + message));
        }
        List<String> out = new ArrayList<>();
        Throwable current = exception;
        boolean firstOne = true;
        while (current != null) {
            out.add((firstOne ? "" : "Caused by: ") + describe(current));
            out.addAll(frames(current.getStackTrace()));
            firstOne = false;
            current = current.getCause();
        }
        String name = exception instanceof EvalException
                ? ((EvalException) exception).getExceptionClassName() : exception.getClass().getName();
        return new EvaluationException(name, exception.getMessage(), out);
    }

    static String describe(Throwable throwable) {
        String name = throwable instanceof EvalException
                ? ((EvalException) throwable).getExceptionClassName() : throwable.getClass().getName();
        String message = throwable.getMessage();
        return message == null ? name : name + ": " + message;
    }

    /** Stack frames down to the outermost cell frame; JShell's and the kernel's frames are left out. */
    private List<String> frames(StackTraceElement[] trace) {
        int last = -1;
        for (int i = 0; i < trace.length; i++) {
            if (isSnippetFrame(trace[i])) {
                last = i;
            }
        }
        if (last < 0) {
            last = trace.length - 1;
            for (int i = 0; i < trace.length; i++) {
                String className = trace[i].getClassName();
                if (className.startsWith("jdk.internal.reflect.") || className.startsWith("java.lang.reflect.")
                        || className.startsWith("visionsearch.kernel.") || className.startsWith("jdk.jshell.")) {
                    last = i - 1;
                    break;
                }
            }
        }
        List<String> out = new ArrayList<>();
        int shown = Math.min(last + 1, MAX_FRAMES);
        for (int i = 0; i < shown; i++) {
            out.add("    at " + frame(trace[i]));
        }
        if (last + 1 > shown) {
            out.add("    ... " + (last + 1 - shown) + " more");
        }
        return out;
    }

    private static boolean isSnippetFrame(StackTraceElement frame) {
        String file = frame.getFileName();
        return (file != null && file.startsWith("#")) || frame.getClassName().startsWith("REPL.");
    }

    private String frame(StackTraceElement frame) {
        if (!isSnippetFrame(frame)) {
            return frame.toString();
        }
        String className = frame.getClassName();
        int nested = className.indexOf('$', className.indexOf("$JShell$") + "$JShell$".length());
        String owner = nested < 0 ? "" : className.substring(nested + 1).replace('$', '.') + ".";
        String name = frame.getMethodName();
        String method = name.isEmpty() || name.equals("do_it$") ? "cell" : owner + name;
        String file = frame.getFileName();
        String id = file != null && file.startsWith("#") ? file.substring(1) : "";
        Integer start = cellLines.get(id);
        if (start != null && frame.getLineNumber() > 0) {
            return method + " (line " + (start + frame.getLineNumber()) + ")";
        }
        return method + " (an earlier cell, snippet " + id + " line " + frame.getLineNumber() + ")";
    }

    /** A traceback for an error outside any snippet: the error and its frames. */
    List<String> traceback(Throwable error) {
        List<String> out = new ArrayList<>();
        out.add(describe(error));
        out.addAll(frames(error.getStackTrace()));
        return out;
    }

    static int lineOf(String text, int position) {
        int lines = 0;
        for (int i = 0; i < Math.min(position, text.length()); i++) {
            if (text.charAt(i) == '\n') {
                lines++;
            }
        }
        return lines;
    }
}
