package io.sillage.jobs.collect;

/** One record of the raw topic, exactly as Kafka delivered it (payload may be anything). */
public record RawRecord(String topic, int partition, long offset, byte[] payload) {}
