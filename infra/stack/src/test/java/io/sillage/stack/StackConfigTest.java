package io.sillage.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class StackConfigTest {
    private static final Path HOME = Path.of("/opt/sillage");

    @Test
    void defaultsFollowTheProductConventions() {
        StackConfig config = StackConfig.fromEnvironment(HOME, Map.of());

        assertThat(config.host()).isEqualTo("127.0.0.1");
        assertThat(config.apiPort()).isEqualTo(8080);
        assertThat(config.flinkPort()).isEqualTo(8081);
        assertThat(config.trinoPort()).isEqualTo(8085);
        assertThat(config.kafkaPort()).isEqualTo(9092);
        assertThat(config.kafkaControllerPort()).isEqualTo(9093);
        assertThat(config.postgresPort()).isEqualTo(5433);
        assertThat(config.var()).isEqualTo(HOME.resolve("var"));
        assertThat(config.logs()).isEqualTo(HOME.resolve("var/logs"));
        assertThat(config.trinoJavaHome()).isEmpty();
        assertThat(config.healthTimeout()).isEqualTo(Duration.ofSeconds(180));
        assertThat(config.checkpointInterval()).isEqualTo(Duration.ofSeconds(5));
        assertThat(config.flinkNice()).isEqualTo(5);
        assertThat(config.apiUrl()).isEqualTo("http://127.0.0.1:8080");
        assertThat(config.kafkaBootstrap()).isEqualTo("127.0.0.1:9092");
    }

    @Test
    void everyValueCanBeOverridden() {
        StackConfig config = StackConfig.fromEnvironment(HOME, Map.ofEntries(
                Map.entry("SILLAGE_VAR", "/data/sillage"),
                Map.entry("SILLAGE_API_PORT", "18080"),
                Map.entry("SILLAGE_FLINK_PORT", "18081"),
                Map.entry("SILLAGE_TRINO_PORT", "18085"),
                Map.entry("SILLAGE_KAFKA_PORT", "19092"),
                Map.entry("SILLAGE_KAFKA_CONTROLLER_PORT", "19093"),
                Map.entry("SILLAGE_POSTGRES_PORT", "15433"),
                Map.entry("SILLAGE_TRINO_JAVA_HOME", "/usr/lib/jvm/jdk-25"),
                Map.entry("SILLAGE_HEALTH_TIMEOUT", "30"),
                Map.entry("SILLAGE_CHECKPOINT_SECONDS", "2"),
                Map.entry("SILLAGE_FLINK_NICE", "0")));

        assertThat(config.var()).isEqualTo(Path.of("/data/sillage"));
        assertThat(config.apiPort()).isEqualTo(18080);
        assertThat(config.flinkPort()).isEqualTo(18081);
        assertThat(config.trinoPort()).isEqualTo(18085);
        assertThat(config.kafkaPort()).isEqualTo(19092);
        assertThat(config.kafkaControllerPort()).isEqualTo(19093);
        assertThat(config.postgresPort()).isEqualTo(15433);
        assertThat(config.trinoJavaHome()).isEqualTo(Optional.of(Path.of("/usr/lib/jvm/jdk-25")));
        assertThat(config.healthTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.checkpointInterval()).isEqualTo(Duration.ofSeconds(2));
        assertThat(config.flinkNice()).isZero();
    }

    @Test
    void aNicenessOutOfRangeNamesTheVariable() {
        assertThatThrownBy(() -> StackConfig.fromEnvironment(HOME, Map.of("SILLAGE_FLINK_NICE", "-5")))
                .isInstanceOf(StackException.class)
                .hasMessageContaining("SILLAGE_FLINK_NICE=-5")
                .hasMessageContaining("0")
                .hasMessageContaining("19");
    }

    @Test
    void aBadPortIsNamedWithItsVariable() {
        assertThatThrownBy(() -> StackConfig.fromEnvironment(HOME, Map.of("SILLAGE_API_PORT", "http")))
                .isInstanceOf(StackException.class)
                .hasMessageContaining("SILLAGE_API_PORT=http is not a port number");
        assertThatThrownBy(() -> StackConfig.fromEnvironment(HOME, Map.of("SILLAGE_KAFKA_PORT", "70000")))
                .hasMessageContaining("SILLAGE_KAFKA_PORT=70000");
    }
}
