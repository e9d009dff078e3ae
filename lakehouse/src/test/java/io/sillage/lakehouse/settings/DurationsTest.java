package io.sillage.lakehouse.settings;

import java.time.Duration;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DurationsTest {
    @Test
    void readsShortFormsAndIso() {
        assertThat(Durations.parse("k", "500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(Durations.parse("k", "10s")).isEqualTo(Duration.ofSeconds(10));
        assertThat(Durations.parse("k", "10")).isEqualTo(Duration.ofSeconds(10));
        assertThat(Durations.parse("k", "5m")).isEqualTo(Duration.ofMinutes(5));
        assertThat(Durations.parse("k", "24h")).isEqualTo(Duration.ofHours(24));
        assertThat(Durations.parse("k", "365d")).isEqualTo(Duration.ofDays(365));
        assertThat(Durations.parse("k", "0")).isZero();
        assertThat(Durations.parse("k", "PT24H")).isEqualTo(Duration.ofHours(24));
        assertThat(Durations.parse("k", "P365D")).isEqualTo(Duration.ofDays(365));
    }

    @Test
    void namesTheSettingWhenItCannotRead() {
        assertThatThrownBy(() -> Durations.parse("identity.anonymous-ttl", "a year"))
                .hasMessageContaining("identity.anonymous-ttl").hasMessageContaining("365d");
    }
}
