package io.sillage.api.automations;

/**
 * Tells the automation pipeline about the latest state of an automation, through a compacted Kafka topic keyed
 * by {@code projectId/automationId} (see {@link AutomationMessages} for the record).
 */
public interface AutomationPublisher extends AutoCloseable {
    /**
     * Returns once the record is durably stored.
     *
     * @throws io.sillage.api.kafka.PublishException when it is not (the caller must not consider the change made)
     */
    void publish(Automation automation);

    @Override
    void close();
}
