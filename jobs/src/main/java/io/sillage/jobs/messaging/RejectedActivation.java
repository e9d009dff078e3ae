package io.sillage.jobs.messaging;

/** A record of {@code cdp.activations} that is not an activation request, with why and where it was read. */
public record RejectedActivation(String reason, String kafkaTopic, int kafkaPartition, long kafkaOffset, String payload, long rejectedAtMillis) {}
