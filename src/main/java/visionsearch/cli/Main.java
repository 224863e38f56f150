package visionsearch.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code vision-search} command line. Each subcommand is a class of its own in this package;
 * add new ones to {@code subcommands} below.
 */
@Command(name = "vision-search", mixinStandardHelpOptions = true, version = "vision-search 0.1.0",
        description = "Multimodal image search: embed images and text, index folders, search.",
        subcommands = {
            DemoCommand.class,
            EmbedCommand.class,
            SamplesCommand.class,
            EmulatorCommand.class,
            KernelCommand.class,
            IndexCommand.class,
            SearchCommand.class,
            CollectionsCommand.class,
            ModelCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Runs the command line and exits with its status. */
    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns its exit status (0 on success), without exiting. */
    public static int run(String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            cmd.getErr().println("error: " + ex.getMessage());
            if (System.getenv("VISION_SEARCH_DEBUG") != null) {
                ex.printStackTrace(cmd.getErr());
            }
            return 1;
        });
        return cli.execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
