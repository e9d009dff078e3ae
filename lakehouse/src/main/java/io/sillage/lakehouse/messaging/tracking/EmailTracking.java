package io.sillage.lakehouse.messaging.tracking;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;
import org.jsoup.parser.Parser;

/**
 * Adds open and click tracking to a rendered email's HTML: every {@code <a href>} to an absolute http(s) URL becomes a
 * signed click redirect, and a 1x1 open pixel goes at the end of the body.
 *
 * <p>Left alone: {@code mailto:}, {@code tel:} and other schemes, relative links and {@code #} anchors, the message's
 * own unsubscribe link (it must work without a redirect, and some filters distrust a redirected unsubscribe), and
 * any link with the attribute {@code data-sillage-notrack} (the attribute is removed from the output).
 *
 * <p>The HTML is rewritten in one pass, not parsed into a tree and printed again: only the {@code href} of the
 * rewritten anchors and the removed attribute change, every other byte stays as the template wrote it (a mail
 * client's rendering depends on details a serializer would normalize). The scanner follows the HTML tokenizer where
 * it matters here: comments, {@code <!doctype>} and other declarations, the raw text of {@code script}, {@code style},
 * {@code title}, {@code textarea}, {@code xmp}, {@code iframe}, {@code noembed}, {@code noframes} and
 * {@code noscript} are skipped; attribute values may be double-, single- or un-quoted; the first {@code href} of a
 * tag counts; character references in it are decoded before the URL is judged (jsoup's decoder). The pixel goes
 * before the last {@code </body>} tag, else before the last {@code </html>} tag, else at the end.
 */
public final class EmailTracking {
    /** Put on an {@code <a>} to keep its link as written. */
    public static final String NO_TRACK = "data-sillage-notrack";
    private static final String[] RAW_TEXT = {"script", "style", "title", "textarea", "xmp", "iframe", "noembed", "noframes", "noscript"};

    private EmailTracking() {}

    /**
     * @param html  the rendered HTML: a whole document or a fragment
     * @param links the message's tracking URLs
     * @return the instrumented HTML
     */
    public static String instrument(String html, TrackingLinks.Links links) {
        requireNonNull(html, "html is null");
        requireNonNull(links, "links is null");
        String unsubscribe = links.unsubscribeUrl();
        List<Edit> edits = new ArrayList<>();
        int bodyEnd = -1;
        int htmlEnd = -1;
        int i = 0;
        int n = html.length();
        while (true) {
            int lt = html.indexOf('<', i);
            if (lt < 0 || lt + 1 >= n) {
                break;
            }
            char next = html.charAt(lt + 1);
            if (next == '!') {
                i = html.startsWith("<!--", lt) ? endOf(html, "-->", lt + 4) : endOf(html, ">", lt + 2);
                continue;
            }
            if (next == '?') { // a bogus comment in HTML
                i = endOf(html, ">", lt + 2);
                continue;
            }
            if (!isAsciiLetter(next) && next != '/') {
                i = lt + 1;
                continue;
            }
            boolean closing = next == '/';
            int nameStart = closing ? lt + 2 : lt + 1;
            int nameEnd = nameStart;
            while (nameEnd < n && !isSpace(html.charAt(nameEnd)) && html.charAt(nameEnd) != '/' && html.charAt(nameEnd) != '>') {
                nameEnd++;
            }
            if (nameEnd == nameStart) {
                i = lt + 1;
                continue;
            }
            Tag tag = Tag.scan(html, nameEnd);
            if (tag == null) { // cut off: the HTML tokenizer drops a tag the input ends in
                break;
            }
            if (closing && isName(html, nameStart, nameEnd, "body")) {
                bodyEnd = lt;
            }
            else if (closing && isName(html, nameStart, nameEnd, "html")) {
                htmlEnd = lt;
            }
            if (!closing && isName(html, nameStart, nameEnd, "a")) {
                String replacement = anchor(html, tag, unsubscribe, links);
                if (replacement != null) {
                    edits.add(new Edit(nameEnd, tag.end, replacement));
                }
            }
            i = tag.end;
            if (!closing && !tag.selfClosing) {
                String raw = rawTextElement(html, nameStart, nameEnd);
                if (raw != null) {
                    i = closingTag(html, raw, i);
                }
            }
        }
        int pixelAt = bodyEnd >= 0 ? bodyEnd : htmlEnd >= 0 ? htmlEnd : n;
        String pixel = "<img src=\"" + escape(links.openUrl()) + "\" width=\"1\" height=\"1\" alt=\"\" style=\"display:block;width:1px;height:1px;border:0\">";
        int before = 0;
        while (before < edits.size() && edits.get(before).start < pixelAt) {
            before++;
        }
        edits.add(before, new Edit(pixelAt, pixelAt, pixel));
        StringBuilder out = new StringBuilder(html.length() + 256 * edits.size());
        int copied = 0;
        for (Edit edit : edits) {
            // substring then append: StringBuilder.append(CharSequence, start, end) copies a char at a time
            out.append(html.substring(copied, edit.start)).append(edit.replacement);
            copied = edit.end;
        }
        return out.append(html.substring(copied)).toString();
    }

    /** Replaces {@code html[start, end)}. */
    private record Edit(int start, int end, String replacement) {}

    /** The rewritten attributes of an {@code <a>} tag (from after its name to its end), or null to keep it. */
    private static String anchor(String html, Tag tag, String unsubscribe, TrackingLinks.Links links) {
        Attribute href = tag.first("href");
        Attribute noTrack = tag.first(NO_TRACK);
        if (noTrack != null) {
            int from = noTrack.start;
            while (from > tag.attributesStart && isSpace(html.charAt(from - 1))) {
                from--;
            }
            return html.substring(tag.attributesStart, from) + html.substring(noTrack.end, tag.end);
        }
        if (href == null || href.valueStart < 0) {
            return null;
        }
        String value = html.substring(href.valueStart, href.valueEnd);
        String target = (value.indexOf('&') < 0 ? value : Parser.unescapeEntities(value, true)).strip();
        if (target.equals(unsubscribe) || !TrackingLinks.trackable(target)) {
            return null;
        }
        return html.substring(tag.attributesStart, href.start) + "href=\"" + escape(links.clickUrl(target)) + '"'
                + html.substring(href.end, tag.end);
    }

    private static String rawTextElement(String html, int nameStart, int nameEnd) {
        for (String raw : RAW_TEXT) {
            if (isName(html, nameStart, nameEnd, raw)) {
                return raw;
            }
        }
        return null;
    }

    private static boolean isName(String html, int nameStart, int nameEnd, String name) {
        return name.length() == nameEnd - nameStart && html.regionMatches(true, nameStart, name, 0, name.length());
    }

    /** Where the raw text of {@code name} ends: at its closing tag (not consumed), or at the end of the HTML. */
    private static int closingTag(String html, String name, int from) {
        int i = from;
        while (true) {
            int lt = html.indexOf("</", i);
            if (lt < 0) {
                return html.length();
            }
            int after = lt + 2 + name.length();
            if (html.regionMatches(true, lt + 2, name, 0, name.length())
                    && (after >= html.length() || isSpace(html.charAt(after)) || html.charAt(after) == '/' || html.charAt(after) == '>')) {
                return lt;
            }
            i = lt + 2;
        }
    }

    private static int endOf(String html, String terminator, int from) {
        int at = html.indexOf(terminator, from);
        return at < 0 ? html.length() : at + terminator.length();
    }

    private static String escape(String url) {
        return url.replace("&", "&amp;").replace("\"", "&quot;");
    }

    private static boolean isAsciiLetter(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    private static boolean isSpace(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
    }

    /** One attribute of a tag: its extent, and its value's (valueStart is -1 for an attribute without value). */
    private record Attribute(String name, int start, int end, int valueStart, int valueEnd) {}

    /**
     * The attributes of a start or end tag, scanned from after its name ({@code scan} returns null when the HTML ends
     * first); {@code end} is after its {@code >}.
     */
    private record Tag(int attributesStart, List<Attribute> attributes, int end, boolean selfClosing) {
        static Tag scan(String html, int from) {
            List<Attribute> attributes = new ArrayList<>(4);
            int n = html.length();
            int i = from;
            boolean selfClosing = false;
            while (i < n) {
                char c = html.charAt(i);
                if (isSpace(c)) {
                    i++;
                    continue;
                }
                if (c == '>') {
                    return new Tag(from, attributes, i + 1, selfClosing);
                }
                if (c == '/') {
                    selfClosing = i + 1 < n && html.charAt(i + 1) == '>';
                    i++;
                    continue;
                }
                selfClosing = false;
                int nameStart = i;
                i++; // the first character belongs to the name, even '=' (as in the HTML tokenizer)
                while (i < n && !isSpace(html.charAt(i)) && "/>=".indexOf(html.charAt(i)) < 0) {
                    i++;
                }
                String name = html.substring(nameStart, i);
                int afterName = i;
                while (i < n && isSpace(html.charAt(i))) {
                    i++;
                }
                if (i >= n || html.charAt(i) != '=') {
                    attributes.add(new Attribute(name, nameStart, afterName, -1, -1));
                    i = afterName;
                    continue;
                }
                i++;
                while (i < n && isSpace(html.charAt(i))) {
                    i++;
                }
                if (i < n && (html.charAt(i) == '"' || html.charAt(i) == '\'')) {
                    char quote = html.charAt(i);
                    int close = html.indexOf(quote, i + 1);
                    int valueEnd = close < 0 ? n : close;
                    attributes.add(new Attribute(name, nameStart, Math.min(n, valueEnd + 1), i + 1, valueEnd));
                    i = Math.min(n, valueEnd + 1);
                }
                else {
                    int valueStart = i;
                    while (i < n && !isSpace(html.charAt(i)) && html.charAt(i) != '>') {
                        i++;
                    }
                    attributes.add(new Attribute(name, nameStart, i, valueStart, i));
                }
            }
            return null;
        }

        Attribute first(String name) {
            for (Attribute attribute : attributes) {
                if (attribute.name.equalsIgnoreCase(name)) {
                    return attribute;
                }
            }
            return null;
        }
    }
}
