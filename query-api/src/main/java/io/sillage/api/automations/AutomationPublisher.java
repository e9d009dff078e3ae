package io.sillage.api.automations;

/**
 * Tells the automation pipeline about the latest state of an automation, through a compacted Kafka topic keyed
 * by {@code projectId/automationId} (see {@link AutomationMessages} for the record).
 */
public interface AutomationPublisher extends AutoCloseable {
    /**
     * Returns once the record is durably stored.
     *
     * @throws PublishException when it is not (the caller must not consider the change made)
     */
    void publish(Automation automation);

    @Override
    void close();

    /** The record was not acknowledged: the change must be rolled back and retried later. */
    class PublishException extends RuntimeException {
        public PublishException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
