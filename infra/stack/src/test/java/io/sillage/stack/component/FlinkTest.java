package io.sillage.stack.component;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FlinkTest {
    @Test
    void healthyOnlyWhenEveryJobRuns() {
        assertThat(Flink.allJobsRunning("{\"jobs\":[{\"jid\":\"1\",\"name\":\"sillage-pipeline\",\"state\":\"RUNNING\"}]}")).isTrue();
        assertThat(Flink.allJobsRunning("{\"jobs\":[{\"jid\":\"1\",\"name\":\"sillage-pipeline\",\"state\":\"RESTARTING\"}]}")).isFalse();
        assertThat(Flink.allJobsRunning("{\"jobs\":[{\"jid\":\"1\",\"name\":\"sillage-pipeline\",\"state\":\"FAILED\"},"
                + "{\"jid\":\"2\",\"name\":\"other\",\"state\":\"RUNNING\"}]}")).isFalse();
        assertThat(Flink.allJobsRunning("{\"jobs\":[]}")).isFalse();
        assertThat(Flink.allJobsRunning("not json")).isFalse();
    }
}
