package visionsearch.display;

/**
 * Something a notebook shows as HTML: the kernel renders any value implementing this interface by
 * calling {@link #toHtml()} and publishing the result as {@code text/html}.
 *
 * <p>Implementations return a self-contained fragment (no {@code <html>} or {@code <body>}, images
 * inlined as {@code data:} URIs) so the same string also works in a saved HTML report.
 */
@FunctionalInterface
public interface HtmlRenderable {

    /** Returns this value as a self-contained HTML fragment. */
    String toHtml();
}
