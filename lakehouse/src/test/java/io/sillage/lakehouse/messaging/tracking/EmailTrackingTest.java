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
    void aFragmentGetsThePixelAtItsEnd() {
        String instrumented = EmailTracking.instrument("<p>Hello</p>", links);
        assertThat(instrumented).isEqualTo("<p>Hello</p><img src=\"" + links.openUrl()
                + "\" width=\"1\" height=\"1\" alt=\"\" style=\"display:block;width:1px;height:1px;border:0\">");
    }

    @Test
    void changesNothingButTheTrackedHrefs() {
        String html = "<!DOCTYPE html>\n<HTML><head><title>a <a href=\"https://x.example\"> b</title>"
                + "<style>a[href^=\"https\"] { color: red } /* <a href=\"https://s.example\"> */</style>"
                + "<script>var s = '<a href=\"https://js.example\">';</script></head>\n"
                + "<BODY class=x><!-- <a href=\"https://commented.example\"> </body> -->"
                + "<A HREF='https://shop.example.com/a?x=1&amp;y=\"2\"' class=btn>single</A>"
                + "<a class=\"c\" href=https://shop.example.com/unquoted>unquoted</a>"
                + "<a data-sillage-notrack\n href=\"https://shop.example.com/kept\" id=k>kept</a>"
                + "<a href=\"https://shop.example.com/first\" href=\"https://second.example\">twice</a>"
                + "<img src=\"https://cdn.example.com/1.png\"/><abbr href=\"https://not-an-anchor.example\">abbr</abbr>"
                + "<p>1 < 2 and <3</p></BODY>\n</HTML>\n";

        String instrumented = EmailTracking.instrument(html, links);

        String pixel = "<img src=\"" + links.openUrl() + "\" width=\"1\" height=\"1\" alt=\"\" style=\"display:block;width:1px;height:1px;border:0\">";
        String click = "https://t.example.com/t/c/" + links.token() + "?u=";
        String expected = html
                .replace("HREF='https://shop.example.com/a?x=1&amp;y=\"2\"'",
                        "href=\"" + links.clickUrl("https://shop.example.com/a?x=1&y=\"2\"").replace("&", "&amp;") + "\"")
                .replace("href=https://shop.example.com/unquoted", "href=\"" + links.clickUrl("https://shop.example.com/unquoted").replace("&", "&amp;") + "\"")
                .replace("<a data-sillage-notrack\n href", "<a\n href")
                .replace("href=\"https://shop.example.com/first\"", "href=\"" + links.clickUrl("https://shop.example.com/first").replace("&", "&amp;") + "\"")
                .replace("<p>1 < 2 and <3</p></BODY>", "<p>1 < 2 and <3</p>" + pixel + "</BODY>");
        assertThat(instrumented).isEqualTo(expected);
        assertThat(instrumented).contains(click).doesNotContain(NO_TRACK_ATTRIBUTE);
        List<String> hrefs = Jsoup.parse(instrumented).select("a[href]").eachAttr("href");
        assertThat(hrefs).hasSize(4);
        assertThat(TrackingLinksTest.query(hrefs.get(0))).containsEntry("u", "https://shop.example.com/a?x=1&y=\"2\"");
        assertThat(hrefs.get(2)).isEqualTo("https://shop.example.com/kept");
    }

    @Test
    void anUnterminatedTagOrCommentIsLeftAsIs() {
        assertThat(EmailTracking.instrument("<p>x</p><a href=\"https://shop.example.com/", links))
                .startsWith("<p>x</p><a href=\"https://shop.example.com/<img src=");
        assertThat(EmailTracking.instrument("<p>x</p><!-- <a href=\"https://shop.example.com/\">", links))
                .startsWith("<p>x</p><!-- <a href=\"https://shop.example.com/\"><img src=");
        assertThat(EmailTracking.instrument("<", links)).startsWith("<<img src=");
    }

    private static final String NO_TRACK_ATTRIBUTE = EmailTracking.NO_TRACK;
}
