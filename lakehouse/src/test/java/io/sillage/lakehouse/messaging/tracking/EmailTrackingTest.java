package io.sillage.lakehouse.messaging.tracking;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.junit.jupiter.api.Test;

class EmailTrackingTest {
    private final TrackingLinks trackingLinks = new TrackingLinks("https://t.example.com", TrackingLinksTest.SECRET);
    private final TrackingLinks.Links links = trackingLinks.forMessage(TrackingLinksTest.MESSAGE);

    @Test
    void rewritesHttpLinksAndLeavesTheOthers() {
        String html = "<p>Hi <b>Ann</b></p>"
                + "<a href=\"https://shop.example.com/cart?id=1&amp;x=2\">cart</a>"
                + "<a href=\" HTTP://shop.example.com/Up \">upper</a>"
                + "<a href=\"mailto:help@example.com\">mail</a>"
                + "<a href=\"tel:+33612345678\">call</a>"
                + "<a href=\"#top\">top</a>"
                + "<a href=\"/relative\">rel</a>"
                + "<a href=\"https://shop.example.com/legal\" data-sillage-notrack>legal</a>"
                + "<a href=\"" + links.unsubscribeUrl() + "\">unsubscribe</a>"
                + "<a name=\"anchor\">no href</a>";

        Document out = Jsoup.parse(EmailTracking.instrument(html, links));

        List<String> hrefs = out.select("a[href]").eachAttr("href");
        assertThat(hrefs).hasSize(8);
        assertThat(hrefs.get(0)).startsWith("https://t.example.com/t/c/" + links.token() + "?u=");
        assertThat(TrackingLinksTest.query(hrefs.get(0))).containsEntry("u", "https://shop.example.com/cart?id=1&x=2");
        assertThat(trackingLinks.verifyClick(links.token(), "https://shop.example.com/cart?id=1&x=2", TrackingLinksTest.query(hrefs.get(0)).get("s")))
                .isInstanceOf(TrackingLinks.Verification.Verified.class);
        assertThat(TrackingLinksTest.query(hrefs.get(1))).containsEntry("u", "HTTP://shop.example.com/Up");
        assertThat(hrefs.subList(2, 8)).containsExactly("mailto:help@example.com", "tel:+33612345678", "#top", "/relative",
                "https://shop.example.com/legal", links.unsubscribeUrl());
        assertThat(out.select("[data-sillage-notrack]")).isEmpty();
        assertThat(out.select("a").last().hasAttr("href")).isFalse();
        assertThat(out.select("p").outerHtml()).isEqualTo("<p>Hi <b>Ann</b></p>");
    }

    @Test
    void appendsTheOpenPixelAtTheEndOfTheBody() {
        String html = "<!doctype html><html><head><title>x</title></head><body><table><tr><td>Hello</td></tr></table><p>Bye</p></body></html>";

        String instrumented = EmailTracking.instrument(html, links);
        Document out = Jsoup.parse(instrumented);

        Element pixel = out.body().children().last();
        assertThat(pixel.tagName()).isEqualTo("img");
        assertThat(pixel.attr("src")).isEqualTo(links.openUrl());
        assertThat(pixel.attr("width")).isEqualTo("1");
        assertThat(pixel.attr("height")).isEqualTo("1");
        assertThat(pixel.attr("alt")).isEmpty();
        assertThat(instrumented).startsWith("<!doctype html>").contains("<title>x</title>").contains("<td>Hello</td>");
        assertThat(out.select("img")).hasSize(1);
    }

    @Test
    void aFragmentBecomesADocumentWithThePixel() {
        String instrumented = EmailTracking.instrument("<p>Hello</p>", links);
        assertThat(instrumented).isEqualTo("<html><head></head><body><p>Hello</p><img src=\"" + links.openUrl()
                + "\" width=\"1\" height=\"1\" alt=\"\" style=\"display:block;width:1px;height:1px;border:0\"></body></html>");
    }
}
