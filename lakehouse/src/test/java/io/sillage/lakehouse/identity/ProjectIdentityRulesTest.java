package io.sillage.lakehouse.identity;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ProjectIdentityRulesTest {
    @Test
    void defaultsApplyToEveryProject() {
        IdentityRules rules = ProjectIdentityRules.defaults().rules("prj_any");
        assertThat(rules.priority()).containsExactly("user_id", "email", "phone", "anonymous_id");
        assertThat(rules.limit("user_id")).hasValue(1);
        assertThat(rules.defaultPhoneRegion()).isEqualTo("FR");
    }

    @Test
    void settingsChangeAllProjectsAndOneProjectOverrides() {
        ProjectIdentityRules rules = new ProjectIdentityRules(Map.of(
                "identity.custom-types", "installation_id, crm_id",
                "identity.limits", "user_id=1,email=1",
                "identity.project.prj_be.phone-region", "BE",
                "identity.project.prj_be.blocked-values", "guest",
                "identity.project.prj_be.blocked-pattern", ".*@mailinator\\.com",
                "kafka.bootstrap-servers", "ignored:9092"));
        IdentityRules shop = rules.rules("prj_shop");
        assertThat(shop.priority()).containsExactly("user_id", "email", "phone", "anonymous_id", "installation_id", "crm_id");
        assertThat(shop.limit("email")).hasValue(1);
        assertThat(shop.defaultPhoneRegion()).isEqualTo("FR");
        IdentityRules belgian = rules.rules("prj_be");
        assertThat(belgian.defaultPhoneRegion()).isEqualTo("BE");
        IdentifierNormalizer normalizer = new IdentifierNormalizer(belgian);
        assertThat(normalizer.normalize("anonymous_id", "Guest")).isEmpty();
        assertThat(normalizer.normalize("email", "x@mailinator.com")).isEmpty();
        assertThat(normalizer.normalize("phone", "0470 12 34 56")).map(Identifier::value).isEqualTo(Optional.of("+32470123456"));
        assertThat(new IdentifierNormalizer(shop).normalize("anonymous_id", "Guest")).isPresent();
    }

    @Test
    void invalidSettingsFailWhenTheJobIsDefined() {
        assertThatThrownBy(() -> new ProjectIdentityRules(Map.of("identity.limits", "user_id")))
                .hasMessageContaining("type=max");
        assertThatThrownBy(() -> new ProjectIdentityRules(Map.of("identity.limits", "crm_id=1")))
                .hasMessageContaining("unknown type crm_id");
    }
}
