package io.sillage.lakehouse.messaging.tracking;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sillage.lakehouse.messaging.tracking.TrackingLinks.Verification;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TrackingLinksTest {
    static final String SECRET = "s3cret-s3cret-s3cret-s3cret-s3cret";
    static final TrackedMessage MESSAGE = new TrackedMessage("shop", "msg_0123456789abcdef0123456789abcdef", "prf_42", "email", "automation", "aut_cart");
    private final TrackingLinks links = new TrackingLinks("https://t.example.com/", SECRET);

    @Test
    void theUrlsOfAMessageVerifyBackToIt() {
        TrackingLinks.Links urls = links.forMessage(MESSAGE);
        String token = urls.token();

        assertThat(token).matches("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]{43}");
        assertThat(urls.openUrl()).isEqualTo("https://t.example.com/t/o/" + token);
        assertThat(urls.unsubscribeUrl()).isEqualTo("https://t.example.com/t/u/" + token);
        assertThat(links.verify(token)).isEqualTo(new Verification.Verified(MESSAGE));
        assertThat(links.token(MESSAGE)).as("deterministic").isEqualTo(token);

        String target = "https://shop.example.com/cart?id=1&utm_source=email#top";
        Map<String, String> query = query(urls.clickUrl(target));
        assertThat(urls.clickUrl(target)).startsWith("https://t.example.com/t/c/" + token + "?u=");
        assertThat(query.get("u")).isEqualTo(target);
        assertThat(links.verifyClick(token, query.get("u"), query.get("s"))).isEqualTo(new Verification.Verified(MESSAGE));
    }

    @Test
    void urlsHoldNoPersonalDataAndNoRawIds() {
        String url = links.forMessage(new TrackedMessage("shop", "msg_1", "jane@example.com-is-not-a-profile-id", "email", "automation", "aut_1")).openUrl();
        assertThat(url).doesNotContain("@").doesNotContain("msg_1");
    }

    @Test
    void aTamperedTokenIsRefused() {
        String token = links.token(MESSAGE);
        String payload = token.substring(0, token.indexOf('.'));
        String mac = token.substring(token.indexOf('.') + 1);

        // another profile in the payload, the original MAC
        String forged = Base64.getUrlEncoder().withoutPadding().encodeToString(
                new String(Base64.getUrlDecoder().decode(payload), StandardCharsets.UTF_8).replace("prf_42", "prf_43").getBytes(StandardCharsets.UTF_8));
        assertThat(links.verify(forged + "." + mac)).isEqualTo(new Verification.Rejected("bad token signature"));
        // one character of the MAC changed
        String flipped = mac.substring(0, 10) + (mac.charAt(10) == 'A' ? 'B' : 'A') + mac.substring(11);
        assertThat(links.verify(payload + "." + flipped)).isEqualTo(new Verification.Rejected("bad token signature"));
        // a MAC cut short
        assertThat(links.verify(payload + "." + mac.substring(0, 20))).isEqualTo(new Verification.Rejected("bad token signature"));
        // signed with another secret
        assertThat(new TrackingLinks("https://t.example.com", SECRET + "x").verify(token)).isEqualTo(new Verification.Rejected("bad token signature"));
        for (String malformed : new String[] {"", "abc", "abc.", ".abc", "a.b.c", "!!!.???", "x".repeat(5000)}) {
            assertThat(links.verify(malformed)).as(malformed).isEqualTo(new Verification.Rejected("malformed token"));
        }
        assertThat(links.verify(null)).isEqualTo(new Verification.Rejected("malformed token"));
    }

    @Test
    void aClickRedirectsOnlyToTheTargetItWasSignedFor() {
        String token = links.token(MESSAGE);
        Map<String, String> query = query(links.forMessage(MESSAGE).clickUrl("https://shop.example.com/a"));
        String signature = query.get("s");

        assertThat(links.verifyClick(token, "https://evil.example.net/a", signature)).isEqualTo(new Verification.Rejected("bad click signature"));
        assertThat(links.verifyClick(token, "https://shop.example.com/a", null)).isEqualTo(new Verification.Rejected("bad click signature"));
        assertThat(links.verifyClick(token, "https://shop.example.com/a", "%%%")).isEqualTo(new Verification.Rejected("bad click signature"));
        assertThat(links.verifyClick(token, null, signature)).isEqualTo(new Verification.Rejected("the click URL has no target (u)"));
        assertThat(links.verifyClick(token, "javascript:alert(1)", signature)).isEqualTo(new Verification.Rejected("the click target is not an http(s) URL"));
        // the same target and signature under another message's token
        String other = links.token(new TrackedMessage("shop", "msg_2", "prf_42", "email", "automation", "aut_cart"));
        assertThat(links.verifyClick(other, "https://shop.example.com/a", signature)).isEqualTo(new Verification.Rejected("bad click signature"));
        // a token MAC is not a click signature
        assertThat(links.verifyClick(token, "https://shop.example.com/a", token.substring(token.indexOf('.') + 1)))
                .isEqualTo(new Verification.Rejected("bad click signature"));
        assertThat(links.verifyClick("x.y", "https://shop.example.com/a", signature)).isEqualTo(new Verification.Rejected("malformed token"));
    }

    @Test
    void checksItsSettings() {
        assertThatThrownBy(() -> new TrackingLinks("https://t.example.com", "short")).hasMessage("the tracking secret must be at least 32 bytes, got 5");
        for (String base : new String[] {"ftp://t.example.com", "t.example.com", "https://t.example.com/?a=1", "https:///x", "http://t.example.com/#x"}) {
            assertThatThrownBy(() -> new TrackingLinks(base, SECRET)).as(base).hasMessageContaining("http(s)://host");
        }
        assertThat(new TrackingLinks("http://127.0.0.1:8080/base", SECRET).forMessage(MESSAGE).openUrl()).startsWith("http://127.0.0.1:8080/base/t/o/");
        assertThat(new TrackingLinks("http://127.0.0.1:8080", SECRET).https()).isFalse();
        assertThat(links.https()).isTrue();
        assertThat(links.toString()).doesNotContain(SECRET);
        assertThatThrownBy(() -> links.forMessage(MESSAGE).clickUrl("mailto:a@example.com")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void onlyAbsoluteHttpUrlsAreTrackable() {
        assertThat(TrackingLinks.trackable("https://a.example.com")).isTrue();
        assertThat(TrackingLinks.trackable("HTTP://a.example.com/x?y=1")).isTrue();
        for (String target : new String[] {"mailto:a@example.com", "tel:+33612345678", "#top", "/relative", "https://", "https:///path",
                "https://a.example.com/with space", "https://a.example.com/\r\nSet-Cookie:x", "javascript:alert(1)", "//a.example.com"}) {
            assertThat(TrackingLinks.trackable(target)).as(target).isFalse();
        }
    }

    static Map<String, String> query(String url) {
        Map<String, String> query = new LinkedHashMap<>();
        for (String pair : URI.create(url).getRawQuery().split("&")) {
            int equals = pair.indexOf('=');
            query.put(pair.substring(0, equals), URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8));
        }
        return query;
    }
}
