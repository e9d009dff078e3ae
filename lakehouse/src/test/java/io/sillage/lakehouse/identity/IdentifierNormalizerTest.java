package io.sillage.lakehouse.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IdentifierNormalizerTest {
    private final IdentifierNormalizer defaults = new IdentifierNormalizer(IdentityRules.defaults());

    @Test
    void emailsAreTrimmedAndLowerCased() {
        assertThat(defaults.normalize("email", "  Jane@Example.COM ")).contains(new Identifier("email", "jane@example.com"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"jane", "@example.com", "jane@", "ja ne@example.com", "a@b@c"})
    void malformedEmailsIdentifyNobody(String value) {
        assertThat(defaults.normalize("email", value)).isEmpty();
    }

    @Test
    void phonesBecomeE164WithTheProjectsDefaultRegion() {
        assertThat(defaults.normalize("phone", "06 12 34 56 78")).contains(new Identifier("phone", "+33612345678"));
        assertThat(defaults.normalize("phone", "+33 6 12 34 56 78")).contains(new Identifier("phone", "+33612345678"));
        assertThat(defaults.normalize("phone", "+1 (415) 555-2671")).contains(new Identifier("phone", "+14155552671"));
        IdentityRules american = new IdentityRules(List.of("user_id", "phone"), Map.of(), "US", Set.of(), Optional.empty());
        assertThat(new IdentifierNormalizer(american).normalize("phone", "(415) 555-2671")).contains(new Identifier("phone", "+14155552671"));
    }

    @Test
    void impossiblePhonesIdentifyNobody() {
        assertThat(defaults.normalize("phone", "12")).isEmpty();
        assertThat(defaults.normalize("phone", "call me")).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   ", "null", "NULL", "undefined", "anonymous", "0", "-1", "000000", "00000000-0000-0000-0000-000000000000"})
    void builtInBlockedValuesNeverLinkAnything(String value) {
        assertThat(defaults.normalize("user_id", value)).isEmpty();
        assertThat(defaults.normalize("anonymous_id", value)).isEmpty();
    }

    @Test
    void projectBlockListAndPatternApply() {
        IdentityRules rules = new IdentityRules(List.of("user_id", "anonymous_id"), Map.of("user_id", 1), "FR",
                Set.of("guest"), Optional.of(Pattern.compile("test-.*")));
        IdentifierNormalizer normalizer = new IdentifierNormalizer(rules);

        assertThat(normalizer.normalize("user_id", "guest")).isEmpty();
        assertThat(normalizer.normalize("user_id", "test-123")).isEmpty();
        assertThat(normalizer.normalize("user_id", "42")).contains(new Identifier("user_id", "42"));
        assertThat(normalizer.normalize("user_id", "10")).contains(new Identifier("user_id", "10"));
    }

    @Test
    void undeclaredTypesAreIgnored() {
        assertThat(defaults.normalize("crm_id", "C-1")).isEmpty();
    }

    @Test
    void rulesRefuseInconsistentDefinitions() {
        assertThatThrownBy(() -> new IdentityRules(List.of(), Map.of(), "FR", Set.of(), Optional.empty()))
                .hasMessageContaining("priority list is empty");
        assertThatThrownBy(() -> new IdentityRules(List.of("user_id", "user_id"), Map.of(), "FR", Set.of(), Optional.empty()))
                .hasMessageContaining("appears twice");
        assertThatThrownBy(() -> new IdentityRules(List.of("user_id"), Map.of("email", 1), "FR", Set.of(), Optional.empty()))
                .hasMessageContaining("limit on unknown type email");
        assertThatThrownBy(() -> new IdentityRules(List.of("user_id"), Map.of("user_id", 0), "FR", Set.of(), Optional.empty()))
                .hasMessageContaining("at least 1");
        assertThatThrownBy(() -> new IdentityRules(List.of("User Id"), Map.of(), "FR", Set.of(), Optional.empty()))
                .hasMessageContaining("Invalid identifier type");
    }
}
