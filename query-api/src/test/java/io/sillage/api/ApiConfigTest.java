package io.sillage.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Properties;
import org.junit.jupiter.api.Test;

class ApiConfigTest {
    @Test
    void aRatioSettingDefaultsWhenUnsetAndRejectsNegativesAndText() {
        Properties properties = new Properties();
        assertThat(ApiConfig.nonNegative(properties, "maintenance.profile-fold-pause", 1.0)).isEqualTo(1.0);
        properties.setProperty("maintenance.profile-fold-pause", " 0.5 ");
        assertThat(ApiConfig.nonNegative(properties, "maintenance.profile-fold-pause", 1.0)).isEqualTo(0.5);
        properties.setProperty("maintenance.profile-fold-pause", "0");
        assertThat(ApiConfig.nonNegative(properties, "maintenance.profile-fold-pause", 1.0)).isZero();
        for (String bad : new String[] {"-1", "half", "NaN"}) {
            properties.setProperty("maintenance.profile-fold-pause", bad);
            assertThatThrownBy(() -> ApiConfig.nonNegative(properties, "maintenance.profile-fold-pause", 1.0))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("maintenance.profile-fold-pause").hasMessageContaining(bad);
        }
    }
}
