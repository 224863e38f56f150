/**
 * The {@code vision-search} command line: {@code embed}, {@code demo}, {@code index}, {@code search}, {@code collections},
 * {@code kernel install}, {@code model download}, {@code emulator}, {@code samples}. It sits on top of
 * every other package and nothing imports it; its only public class is {@link visionsearch.cli.Main}.
 *
 * <pre>{@code
 * System.exit(visionsearch.cli.Main.run("search", "--text", "a snowy mountain"));
 * }</pre>
 */
package visionsearch.cli;
