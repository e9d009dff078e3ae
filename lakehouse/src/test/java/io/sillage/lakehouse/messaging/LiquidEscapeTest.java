package io.sillage.lakehouse.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class LiquidEscapeTest {
    /** The rule as a regular expression: what {@link Liquid#escapeHtml} implemented before it scanned by hand. */
    private static final Pattern RULE = Pattern.compile("[<>\"']|&(?!(?:[a-zA-Z][a-zA-Z0-9]*|#[0-9]+|#[xX][0-9a-fA-F]+);)");

    @Test
    void escapesSpecialCharactersAndKeepsReferences() {
        assertThat(Liquid.escapeHtml("Jane")).isEqualTo("Jane");
        assertThat(Liquid.escapeHtml("<b>\"Tom\" & 'Jerry'</b>"))
                .isEqualTo("&lt;b&gt;&quot;Tom&quot; &amp; &#39;Jerry&#39;&lt;/b&gt;");
        assertThat(Liquid.escapeHtml("Fish &amp; chips &#39;n&#x2F; &#X2f; &copy;")).isEqualTo("Fish &amp; chips &#39;n&#x2F; &#X2f; &copy;");
        assertThat(Liquid.escapeHtml("a&b &; &#; &#x; &#12 &1a; &é; & end&")).isEqualTo("a&amp;b &amp;; &amp;#; &amp;#x; &amp;#12 &amp;1a; &amp;é; &amp; end&amp;");
        assertThat(Liquid.escapeHtml("&#xg1; &#١٢; &x1;")).isEqualTo("&amp;#xg1; &amp;#١٢; &x1;");
    }

    @Test
    void followsTheRuleOnRandomText() {
        String alphabet = "<>\"'&#;xXaZ0f9g é١";
        Random random = new Random(42);
        for (int n = 0; n < 20_000; n++) {
            StringBuilder text = new StringBuilder();
            for (int i = random.nextInt(12); i > 0; i--) {
                text.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            assertThat(Liquid.escapeHtml(text.toString())).as(text.toString()).isEqualTo(byRule(text.toString()));
        }
    }

    private static String byRule(String text) {
        Matcher special = RULE.matcher(text);
        StringBuilder escaped = new StringBuilder();
        while (special.find()) {
            special.appendReplacement(escaped, switch (special.group().charAt(0)) {
                case '<' -> "&lt;";
                case '>' -> "&gt;";
                case '"' -> "&quot;";
                case '\'' -> "&#39;";
                default -> "&amp;";
            });
        }
        return special.appendTail(escaped).toString();
    }
}
