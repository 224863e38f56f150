/**
 * The Java Jupyter kernel on JJava's framework: JShell evaluating cells in the kernel's own JVM (so
 * values reach the renderer as real objects), IJava-compatible {@code %classpath} and {@code %jars}
 * magics, and JJava's extension mechanism: a jar added with {@code %classpath} that lists an
 * {@code org.dflib.jjava.jupyter.Extension} in {@code META-INF/services} gets it installed, exactly
 * as under JJava. Rich display of grids, charts and tables comes from the library's extension
 * ({@code visionsearch.display.NotebookExtension}); images are PNG through JJava's own renderer.
 *
 * <p>Public: {@link visionsearch.kernel.JupyterKernel} (what Jupyter starts) and
 * {@link visionsearch.kernel.KernelSpec} (kernel.json install and uninstall), both for the command
 * line. Everything else is package-private.
 *
 * <pre>{@code
 * Path dir = KernelSpec.install(KernelSpec.userDataDir(System.getenv()), KernelSpec.DEFAULT_NAME, jar);
 * // Jupyter then runs: java ... -cp <jar> visionsearch.kernel.JupyterKernel {connection_file}
 * }</pre>
 */
package visionsearch.kernel;
