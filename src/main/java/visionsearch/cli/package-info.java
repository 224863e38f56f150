/**
 * The {@code vision-search} command line: {@code embed}, {@code demo}, {@code index}, {@code search},
 * {@code kernel install}, {@code model download}, {@code emulator}. Run {@code vision-search help}.
 */
package visionsearch.cli;
