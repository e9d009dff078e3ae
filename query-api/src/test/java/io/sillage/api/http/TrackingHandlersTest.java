package io.sillage.api.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class TrackingHandlersTest {
    @Test
    void readsTheUserNameWithAnEmptyPassword() {
        assertThat(TrackingHandlers.basicAuthUser(basic("wk_abc:"))).hasValue("wk_abc");
    }

    @Test
    void readsTheUserNameWithoutColonOrWithAPassword() {
        assertThat(TrackingHandlers.basicAuthUser(basic("wk_abc"))).hasValue("wk_abc");
        assertThat(TrackingHandlers.basicAuthUser(basic("wk_abc:ignored:secret"))).hasValue("wk_abc");
    }

    @Test
    void acceptsTheSchemeInAnyCase() {
        String encoded = Base64.getEncoder().encodeToString("wk_abc:".getBytes(StandardCharsets.UTF_8));

        assertThat(TrackingHandlers.basicAuthUser("basic " + encoded)).hasValue("wk_abc");
        assertThat(TrackingHandlers.basicAuthUser("BASIC  " + encoded + " ")).hasValue("wk_abc");
    }

    @Test
    void ignoresAMissingHeaderOrAnotherScheme() {
        assertThat(TrackingHandlers.basicAuthUser(null)).isEmpty();
        assertThat(TrackingHandlers.basicAuthUser("")).isEmpty();
        assertThat(TrackingHandlers.basicAuthUser("Bearer wk_abc")).isEmpty();
        assertThat(TrackingHandlers.basicAuthUser("Basic")).isEmpty();
    }

    @Test
    void ignoresAnEmptyUserName() {
        assertThat(TrackingHandlers.basicAuthUser(basic(":password"))).isEmpty();
        assertThat(TrackingHandlers.basicAuthUser(basic(" :"))).isEmpty();
    }

    @Test
    void ignoresCredentialsThatAreNotBase64() {
        assertThat(TrackingHandlers.basicAuthUser("Basic not*base64!")).isEmpty();
    }

    private static String basic(String credentials) {
        return "Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8));
    }
}
