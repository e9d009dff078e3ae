package io.sillage.api.kafka;

/** A definition record was not acknowledged by Kafka: the change must be rolled back and retried later. */
public class PublishException extends RuntimeException {
    public PublishException(String message, Throwable cause) {
        super(message, cause);
    }
}
