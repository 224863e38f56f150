/**
 * Notebook and report helpers: search hits and similarity matrices as Tablesaw tables, XChart
 * heatmaps, scatter maps of 2-D projections (PCA, t-SNE, UMAP) and image grids as HTML.
 *
 * <p>{@link visionsearch.display.NotebookExtension} is the library's JJava extension: a kernel on JJava's
 * framework installs it when a notebook adds the library jar with {@code %classpath}, and it renders
 * {@link visionsearch.display.HtmlRenderable} values, tables and matrices as HTML, charts and maps as
 * PNG. Only that class touches the kernel framework (whose classes the kernel brings), so the demo
 * uses the same helpers for its HTML report. {@link visionsearch.display.NotebookSetup},
 * {@link visionsearch.display.RecallSweep} and their neighbours are the lessons' plumbing as calls.
 *
 * <pre>{@code
 * HtmlRenderable grid = ImageGrid.of(hits);          // thumbnails with captions and scores
 * Table table = Tables.hits(hits);                    // rank, file, score, metadata columns
 * Charts.savePng(chart, Path.of("target/map.png"));   // every chart also as PNG
 * }</pre>
 */
package visionsearch.display;
