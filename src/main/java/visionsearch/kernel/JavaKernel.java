package visionsearch.kernel;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.stream.Collectors;
import jdk.jshell.JShell;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import jdk.jshell.SourceCodeAnalysis;
import org.dflib.jjava.jupyter.channels.ShellReplyEnvironment;
import org.dflib.jjava.jupyter.kernel.BaseKernel;
import org.dflib.jjava.jupyter.kernel.BaseKernelBuilder;
import org.dflib.jjava.jupyter.kernel.JupyterIO;
import org.dflib.jjava.jupyter.kernel.comm.CommManager;
import org.dflib.jjava.jupyter.kernel.display.Renderer;
import org.dflib.jjava.jupyter.kernel.history.HistoryManager;
import org.dflib.jjava.jupyter.kernel.magic.MagicsRegistry;
import org.dflib.jjava.jupyter.kernel.util.StringStyler;
import org.dflib.jjava.jupyter.kernel.LanguageInfo;
import org.dflib.jjava.jupyter.kernel.ReplacementOptions;
import org.dflib.jjava.jupyter.kernel.display.DisplayData;
import org.dflib.jjava.jupyter.kernel.magic.UndefinedMagicException;
import org.dflib.jjava.jupyter.messages.Message;
import org.dflib.jjava.jupyter.messages.publish.PublishError;
import org.dflib.jjava.jupyter.messages.publish.PublishExecuteInput;
import org.dflib.jjava.jupyter.messages.publish.PublishExecuteResult;
import org.dflib.jjava.jupyter.messages.reply.ErrorReply;
import org.dflib.jjava.jupyter.messages.reply.ExecuteReply;
import org.dflib.jjava.jupyter.messages.request.ExecuteRequest;

/**
 * The Java kernel: JShell evaluating cells in this JVM ({@link CellExecutionControl}) in one
 * notebook class loader ({@link SnippetLoader}), the {@code %classpath} / {@code %jars} magics, and
 * JJava's extensions: rich display comes from the extensions of the jars a notebook adds (the
 * library's is {@code visionsearch.display.NotebookExtension}); images are PNG through JJava's own renderer.
 */
final class JavaKernel extends BaseKernel {

    /** Imports every cell starts with: JShell's defaults and the notebook helpers ({@code display(...)}). */
    static final List<String> STARTUP_IMPORTS = List.of(
            "import java.io.*;", "import java.math.*;", "import java.net.*;", "import java.nio.file.*;",
            "import java.util.*;", "import java.util.concurrent.*;", "import java.util.function.*;",
            "import java.util.regex.*;", "import java.util.stream.*;",
            "import static org.dflib.jjava.jupyter.kernel.BaseNotebookStatics.*;");


    private final CellExecutionControl control;
    private final JShell shell;
    private final SourceCodeAnalysis analysis;
    private final Path workingDirectory;
    private final Set<String> classpath = new LinkedHashSet<>();
    /** Snippet id -> first line (0-based) in the cell being evaluated, for error positions. */
    private final Map<String, Integer> cellLines = new HashMap<>();
    private final CellErrors errors;

    private JavaKernel(String name, String version, HistoryManager history, JupyterIO io, CommManager comms,
            Renderer renderer, MagicsRegistry magics, boolean extensionsEnabled, StringStyler errorStyler,
            Path workingDirectory) {
        super(name, version,
                new LanguageInfo("java", Runtime.version().toString(), "text/x-java-source", ".jshell",
                        "java", "java", "java"),
                List.of(), history, io, comms, renderer, null, magics, extensionsEnabled, errorStyler);
        this.workingDirectory = workingDirectory.toAbsolutePath().normalize();
        this.control = new CellExecutionControl();
        this.shell = JShell.builder()
                .executionEngine(new CellExecutionControl.Provider(control), Map.of())
                .build();
        this.analysis = shell.sourceCodeAnalysis();
        this.errors = new CellErrors(shell, cellLines);
        // JShell compiles against java.class.path: adding that jar again (the notebooks' %jars line does)
        // would only make javac scan it twice. A launcher jar may list the real classpath in its manifest.
        for (String entry : System.getProperty("java.class.path", "").split(File.pathSeparator)) {
            if (!entry.isBlank()) {
                classpath.add(canonical(entry));
            }
        }
        addToShell(manifestClasspath());
        for (String line : STARTUP_IMPORTS) {
            shell.eval(line);
        }
    }

    static Builder builder() {
        return new Builder();
    }

    /** The folder relative paths in magics resolve against: the notebook's folder under Jupyter. */
    Path workingDirectory() {
        return workingDirectory;
    }

    /**
     * Adds jars or class folders to what cells compile against and load from (repeats are ignored),
     * then, as JJava's kernel does, installs the {@code org.dflib.jjava.jupyter.Extension}s that
     * {@code META-INF/services} lists in them: JJava's own {@code installExtensions(classpath)}, a
     * {@link java.util.ServiceLoader} over a class loader on top of {@link #getClassLoader()};
     * an extension already installed (by class name) is not installed again.
     */
    void addToClasspath(Collection<String> paths) {
        addToShell(paths);
        if (extensionsEnabled && !paths.isEmpty()) {
            installExtensions(String.join(File.pathSeparator, paths));
        }
    }

    private void addToShell(Collection<String> paths) {
        for (String path : paths) {
            if (classpath.add(canonical(path))) {
                shell.addToClasspath(path);
            }
        }
    }

    private static String canonical(String path) {
        try {
            return Path.of(path).toRealPath().toString();
        } catch (IOException | RuntimeException e) {
            return Path.of(path).toAbsolutePath().normalize().toString();
        }
    }

    @Override
    public Object evalRaw(String cell) {
        control.resetForCell();
        List<String> lines = List.of(cell.split("\n", -1));
        int first = 0;
        while (first < lines.size() && lines.get(first).isBlank()) {
            first++;
        }
        if (first < lines.size() && lines.get(first).stripLeading().startsWith("%%")) {
            return runCellMagic(lines.get(first).strip().substring(2),
                    String.join("\n", lines.subList(first + 1, lines.size())));
        }
        Object value = null;
        StringBuilder code = new StringBuilder();
        int codeStart = 0;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (isLineMagic(line)) {
                if (!code.toString().isBlank()) {
                    runCode(code.toString(), codeStart);
                }
                code.setLength(0);
                codeStart = i + 1;
                runLineMagic(line.strip().substring(1));
                value = null;
            } else {
                code.append(line).append('\n');
            }
        }
        if (!code.toString().isBlank()) {
            value = runCode(code.toString(), codeStart);
        }
        return value;
    }

    private static boolean isLineMagic(String line) {
        String text = line.stripLeading();
        return text.startsWith("%") && !text.startsWith("%%");
    }

    private void runLineMagic(String text) {
        List<String> words = MagicArguments.split(text);
        if (words.isEmpty()) {
            throw new MagicException("a line starting with % needs a magic name, e.g. %jars a.jar");
        }
        try {
            magicsRegistry.evalLineMagic(this, words.get(0), words.subList(1, words.size()));
        } catch (UndefinedMagicException e) {
            throw new MagicException("unknown line magic %" + words.get(0) + "; this kernel has "
                    + magicsRegistry.getLineMagicNames().stream().sorted().map(n -> "%" + n)
                    .collect(Collectors.toList()));
        } catch (CellError e) {
            throw e;
        } catch (Exception e) {
            throw new MagicException("%" + words.get(0) + " failed: " + e);
        }
    }

    private Object runCellMagic(String header, String body) {
        List<String> words = MagicArguments.split(header);
        if (words.isEmpty()) {
            throw new MagicException("a cell starting with %% needs a magic name");
        }
        try {
            return magicsRegistry.evalCellMagic(this, words.get(0), words.subList(1, words.size()), body);
        } catch (UndefinedMagicException e) {
            throw new MagicException("unknown cell magic %%" + words.get(0) + "; this kernel has "
                    + magicsRegistry.getCellMagicNames().stream().sorted().map(n -> "%%" + n)
                    .collect(Collectors.toList()));
        } catch (CellError e) {
            throw e;
        } catch (Exception e) {
            throw new MagicException("%%" + words.get(0) + " failed: " + e);
        }
    }

    /** Evaluates Java source snippet by snippet; returns the value of a final expression, else null. */
    private Object runCode(String code, int firstLine) {
        cellLines.clear();
        String remaining = code;
        int offset = 0;
        Object value = null;
        while (true) {
            SourceCodeAnalysis.CompletionInfo info = analysis.analyzeCompletion(remaining);
            if (info.completeness() == SourceCodeAnalysis.Completeness.EMPTY) {
                return value;
            }
            int start = offset + startOf(remaining, info.source());
            int line = firstLine + CellErrors.lineOf(code, start);
            if (!info.completeness().isComplete()) {
                throw new CompilationException("incomplete code at line " + (line + 1),
                        List.of("Incomplete code at line " + (line + 1) + " (a missing ';', ')' or '}'?):",
                                indent(remaining.strip())));
            }
            control.resetValue();
            List<SnippetEvent> events = shell.eval(info.source());
            if (control.stopRequested()) {
                throw new CellInterruptedException();
            }
            value = null;
            for (SnippetEvent event : events) {
                if (event.causeSnippet() != null) {
                    continue;
                }
                Snippet snippet = event.snippet();
                cellLines.put(snippet.id(), line);
                errors.check(event, line, firstLine + CellErrors.lineOf(code, offset));
                value = valueOf(snippet);
            }
            offset += remaining.length() - info.remaining().length();
            remaining = info.remaining();
        }
    }

    private Object valueOf(Snippet snippet) {
        switch (snippet.subKind()) {
            case VAR_VALUE_SUBKIND:
            case OTHER_EXPRESSION_SUBKIND:
            case TEMP_VAR_EXPRESSION_SUBKIND:
                Object value = control.lastValue();
                return value == CellExecutionControl.NO_VALUE ? null : value;
            default:
                return null;
        }
    }

    private static int startOf(String remaining, String source) {
        String head = source.strip();
        head = head.substring(0, Math.min(head.length(), 24));
        if (head.endsWith(";")) {
            head = head.substring(0, head.length() - 1);
        }
        int at = head.isEmpty() ? -1 : remaining.indexOf(head);
        if (at >= 0) {
            return at;
        }
        int ws = 0;
        while (ws < remaining.length() && Character.isWhitespace(remaining.charAt(ws))) {
            ws++;
        }
        return ws;
    }

    private static String indent(String text) {
        return text.lines().map(l -> "    " + l).collect(Collectors.joining("\n"));
    }

    @Override
    public List<String> formatError(Throwable error) {
        if (error instanceof CellError) {
            return ((CellError) error).traceback();
        }
        return errors.traceback(error);
    }

    /**
     * JJava's execute handler, except that errors carry the user's exception name and the trimmed
     * traceback in the reply too (so {@code nbconvert --execute} prints them, not the kernel's stack).
     */
    @Override
    protected synchronized void handleExecuteRequest(ShellReplyEnvironment env, Message<ExecuteRequest> message) {
        commManager.setMessageContext(message);
        ExecuteRequest request = message.getContent();
        int count = executionCount.getAndIncrement();
        env.setBusyDeferIdle();
        env.publish(new PublishExecuteInput(request.getCode(), count));
        replaceOutputStreams(env);
        KernelIO kernelIO = (KernelIO) io;
        kernelIO.attach(env, request.isStdinEnabled());
        env.defer(() -> kernelIO.detach(env));
        try {
            DisplayData out = eval(request.getCode());
            if (out != null) {
                env.publish(new PublishExecuteResult(count, out));
            }
            env.defer().reply(new ExecuteReply(count, Collections.emptyMap()));
        } catch (Exception e) {
            CellError error = e instanceof CellError ? (CellError) e : null;
            String name = error != null ? error.errorName() : e.getClass().getName();
            String value = error != null ? error.errorValue() : String.valueOf(e.getMessage());
            List<String> traceback = formatError(e);
            ErrorReply reply = new ErrorReply(name, value, traceback);
            reply.setExecutionCount(count);
            env.publish(new PublishError(name, value, traceback));
            env.defer().replyError(ExecuteReply.MESSAGE_TYPE.error(), reply);
        }
    }

    // ---- completion, inspection, completeness: JShell's analysis of the snippet under the cursor

    /** The cell with magic lines blanked out (same length, so positions stay valid). */
    private static String withoutMagics(String cell) {
        return cell.lines().map(l -> isLineMagic(l) || l.stripLeading().startsWith("%%") ? " ".repeat(l.length()) : l)
                .collect(Collectors.joining("\n")) + (cell.endsWith("\n") ? "\n" : "");
    }

    /** Finds the snippet containing {@code at}: returns {start, end} offsets in {@code code}. */
    private int[] snippetAt(String code, int at) {
        int offset = 0;
        String remaining = code;
        while (true) {
            SourceCodeAnalysis.CompletionInfo info = analysis.analyzeCompletion(remaining);
            int consumed = remaining.length() - info.remaining().length();
            if (!info.completeness().isComplete() || consumed <= 0 || offset + consumed >= at) {
                return new int[] {offset, code.length()};
            }
            offset += consumed;
            remaining = info.remaining();
        }
    }

    @Override
    public ReplacementOptions complete(String cell, int at) {
        String code = withoutMagics(cell);
        int[] range = snippetAt(code, at);
        String snippet = code.substring(range[0], range[1]);
        int[] anchor = {-1};
        List<SourceCodeAnalysis.Suggestion> suggestions =
                analysis.completionSuggestions(snippet, at - range[0], anchor);
        if (suggestions.isEmpty() || anchor[0] < 0) {
            return null;
        }
        List<String> options = suggestions.stream()
                .sorted((a, b) -> Boolean.compare(b.matchesType(), a.matchesType()))
                .map(SourceCodeAnalysis.Suggestion::continuation)
                .distinct()
                .collect(Collectors.toList());
        return new ReplacementOptions(options, range[0] + anchor[0], at);
    }

    @Override
    public DisplayData inspect(String cell, int at, boolean extraDetail) {
        String code = withoutMagics(cell);
        int[] range = snippetAt(code, at);
        String snippet = code.substring(range[0], range[1]);
        List<SourceCodeAnalysis.Documentation> docs = analysis.documentation(snippet, at - range[0], extraDetail);
        if (docs.isEmpty()) {
            return null;
        }
        String text = docs.stream()
                .map(d -> d.signature() + (d.javadoc() == null || d.javadoc().isBlank() ? "" : "\n" + d.javadoc()))
                .collect(Collectors.joining("\n\n"));
        return new DisplayData(text);
    }

    @Override
    public String isComplete(String cell) {
        String code = withoutMagics(cell);
        SourceCodeAnalysis.CompletionInfo info = analysis.analyzeCompletion(code);
        while (info.completeness().isComplete() && info.completeness() != SourceCodeAnalysis.Completeness.UNKNOWN) {
            info = analysis.analyzeCompletion(info.remaining());
        }
        switch (info.completeness()) {
            case UNKNOWN:
                return IS_COMPLETE_BAD;
            case EMPTY:
                return IS_COMPLETE_YES;
            case CONSIDERED_INCOMPLETE:
            case DEFINITELY_INCOMPLETE:
                return "    ";
            default:
                return IS_COMPLETE_MAYBE;
        }
    }

    // ---- lifecycle

    @Override
    public void interrupt() {
        control.stop();
    }

    @Override
    public void onShutdown(boolean isRestarting) {
        try {
            super.onShutdown(isRestarting);
        } finally {
            shell.close();
        }
    }

    /** The notebook's class loader: cells and {@code %classpath} jars (JJava's kernel returns JShell's too). */
    @Override
    protected ClassLoader getClassLoader() {
        return control.snippetLoader();
    }

    /** Entries a launcher jar on {@code java.class.path} names in its manifest's {@code Class-Path}. */
    static List<String> manifestClasspath() {
        List<String> out = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path", "").split(File.pathSeparator)) {
            if (!entry.endsWith(".jar") || !Files.isRegularFile(Path.of(entry))) {
                continue;
            }
            try (JarFile jar = new JarFile(entry)) {
                Manifest manifest = jar.getManifest();
                String classPath = manifest == null ? null : manifest.getMainAttributes().getValue("Class-Path");
                if (classPath == null) {
                    continue;
                }
                Path dir = Path.of(entry).toAbsolutePath().getParent();
                for (String item : classPath.trim().split("\\s+")) {
                    Path path = item.startsWith("file:") ? Path.of(java.net.URI.create(item)) : dir.resolve(item);
                    if (Files.exists(path)) {
                        out.add(path.toString());
                    }
                }
            } catch (IOException | IllegalArgumentException e) {
                // Not a readable jar: it adds nothing.
            }
        }
        return out;
    }

    /** Builds the kernel with its magics; {@code build()} leaves {@code onStartup()} to the caller. */
    static final class Builder extends BaseKernelBuilder<Builder, JavaKernel> {
        private Path workingDirectory = Path.of("");

        Builder() {
            name("vision-search-java");
            version("0.1.0");
            extensionsEnabled(loadExtensions(System.getenv("JJAVA_LOAD_EXTENSIONS")));
            lineMagic("classpath", ClasspathMagic.classpath());
            lineMagic("jars", ClasspathMagic.jars());
        }

        Builder workingDirectory(Path directory) {
            this.workingDirectory = directory;
            return this;
        }

        @Override
        public JavaKernel build() {
            return new JavaKernel(buildName(), buildVersion(), buildHistoryManager(),
                    new KernelIO(buildJupyterIOEncoding()), buildCommManager(), buildRenderer(),
                    buildMagicsRegistry(), buildExtensionsEnabled(), buildErrorStyler(), workingDirectory);
        }

        /** JJava's switch, read the same way: unset or anything but "", "0" or "false" loads extensions. */
        static boolean loadExtensions(String value) {
            if (value == null) {
                return true;
            }
            String v = value.strip();
            return !v.isEmpty() && !v.equals("0") && !v.equalsIgnoreCase("false");
        }
    }
}
