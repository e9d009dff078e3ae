package io.sillage.lakehouse.messaging.tracking;

import static java.util.Objects.requireNonNull;

import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;

/**
 * Adds open and click tracking to a rendered email's HTML (jsoup): every {@code <a href>} to an absolute http(s)
 * URL becomes a signed click redirect, and a 1x1 open pixel is appended at the end of the body.
 *
 * <p>Left alone: {@code mailto:}, {@code tel:} and other schemes, relative links and {@code #} anchors, the message's
 * own unsubscribe link (it must work without a redirect, and some filters distrust a redirected unsubscribe), and
 * any link with the attribute {@code data-sillage-notrack} (the attribute is removed from the output).
 */
public final class EmailTracking {
    /** Put on an {@code <a>} to keep its link as written. */
    public static final String NO_TRACK = "data-sillage-notrack";

    private EmailTracking() {}

    /**
     * @param html  the rendered HTML: a whole document or a fragment (a fragment gets {@code <html><head><body>})
     * @param links the message's tracking URLs
     * @return the instrumented HTML
     */
    public static String instrument(String html, TrackingLinks.Links links) {
        requireNonNull(html, "html is null");
        requireNonNull(links, "links is null");
        Document document = Jsoup.parse(html);
        document.outputSettings().prettyPrint(false);
        String unsubscribe = links.unsubscribeUrl();
        for (Element anchor : document.select("a[href]")) {
            if (anchor.hasAttr(NO_TRACK)) {
                anchor.removeAttr(NO_TRACK);
                continue;
            }
            String href = anchor.attr("href").strip();
            if (href.equals(unsubscribe) || !TrackingLinks.trackable(href)) {
                continue;
            }
            anchor.attr("href", links.clickUrl(href));
        }
        document.body().appendElement("img")
                .attr("src", links.openUrl())
                .attr("width", "1")
                .attr("height", "1")
                .attr("alt", "")
                .attr("style", "display:block;width:1px;height:1px;border:0");
        return document.outerHtml();
    }
}
