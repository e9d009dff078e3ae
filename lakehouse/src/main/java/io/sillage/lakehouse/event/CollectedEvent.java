package io.sillage.lakehouse.event;

/**
 * An accepted event, as it travels from the tracking API through Kafka to the {@code events} table.
 *
 * <p>This is the one typed shape of an event once it is inside Sillage. It is a public record with only
 * Flink-friendly field types (strings and longs) so that Flink serializes it as a POJO, without Kryo.
 * Times are epoch microseconds in UTC; {@code properties}, {@code traits} and {@code context} are JSON
 * object texts (or null).
 */
public record CollectedEvent(
        String projectId,
        String source,
        String messageId,
        String type,
        String event,
        String name,
        String anonymousId,
        String userId,
        String groupId,
        String previousId,
        long timestampMicros,
        long originalTimestampMicros,
        long sentAtMicros,
        long receivedAtMicros,
        String properties,
        String traits,
        String context) {

    /** Value of the *Micros fields when the client did not send that time. */
    public static final long ABSENT_TIME = Long.MIN_VALUE;

    /** Key for deduplication: one message per project and messageId. */
    public String dedupKey() {
        return projectId + '\u0000' + messageId;
    }
}
