/**
 * Notebook and report helpers: search hits and similarity matrices as Tablesaw tables, XChart
 * heatmaps, scatter maps of 2-D projections (PCA, t-SNE, UMAP) and image grids as HTML.
 *
 * <p>The kernel renders {@link visionsearch.display.HtmlRenderable} values as HTML. Nothing here
 * depends on the kernel, so the demo uses the same helpers for its HTML report.
 *
 * <pre>{@code
 * HtmlRenderable grid = ImageGrid.of(hits);          // thumbnails with captions and scores
 * Table table = Tables.hits(hits);                    // rank, file, score, metadata columns
 * Charts.savePng(chart, Path.of("target/map.png"));   // every chart also as PNG
 * }</pre>
 */
package visionsearch.display;
