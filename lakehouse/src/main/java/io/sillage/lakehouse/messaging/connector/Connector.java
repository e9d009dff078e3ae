package io.sillage.lakehouse.messaging.connector;

/**
 * Delivers messages of one channel through one provider, as {@link ConnectorConfig#open()} configured it. A send is
 * one attempt, bounded by the configuration's timeout; whatever happens comes back as a {@link DeliveryResult},
 * never as an exception. Retries ({@link RetryPolicy}) and pacing ({@link RateLimiter}) belong to the caller.
 *
 * <p>Each connector has its own connections (its own HTTP client, its own SMTP connection), so a slow provider
 * holds only its own. Thread-safe; the SMTP connector sends one message at a time over its connection.
 */
public interface Connector extends AutoCloseable {

    /**
     * @throws IllegalArgumentException when the message is not of the connector's channel
     */
    DeliveryResult send(OutboundMessage message);

    /** Releases the connector's connections. */
    @Override
    default void close() {}
}
