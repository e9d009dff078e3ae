package io.sillage.jobs.collect;

/**
 * A raw record the collect job could not accept, with the reason. Times are epoch microseconds.
 * Fields may be null when the record did not say (for example no project in a non-JSON payload).
 */
public record RejectedRecord(
        String projectId,
        String messageId,
        String reason,
        String field,
        String payload,
        String kafkaTopic,
        int kafkaPartition,
        long kafkaOffset,
        long rejectedAtMicros) {}
