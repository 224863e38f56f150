/**
 * The Java Jupyter kernel: JShell evaluating cells in the kernel's own JVM (so values reach the
 * renderer as real objects), IJava-compatible {@code %classpath} and {@code %jars} magics, and rich
 * display of images (PNG), XChart charts (PNG), Tablesaw tables and
 * {@link visionsearch.display.HtmlRenderable} values (HTML).
 *
 * <p>Public: {@link visionsearch.kernel.JupyterKernel} (what Jupyter starts) and
 * {@link visionsearch.kernel.KernelSpec} (kernel.json install and uninstall), both for the command
 * line. Everything else is package-private.
 *
 * <pre>{@code
 * Path dir = KernelSpec.install(KernelSpec.userDataDir(System.getenv()), KernelSpec.DEFAULT_NAME, jar);
 * // Jupyter then runs: java -Djava.awt.headless=true -jar <jar> kernel run {connection_file}
 * }</pre>
 */
package visionsearch.kernel;
