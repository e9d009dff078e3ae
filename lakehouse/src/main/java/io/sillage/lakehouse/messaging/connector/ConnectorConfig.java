package io.sillage.lakehouse.messaging.connector;

import static java.util.Objects.requireNonNull;

import io.sillage.lakehouse.messaging.Template.Channel;
import java.net.URI;
import java.time.Duration;

/**
 * The configuration of one connector, parsed and validated from JSON by {@link ConnectorConfigs#parse}; the JSON
 * shapes are in {@code docs/messaging.md}. Secrets are {@link Secret}s: printing a configuration shows none.
 */
public sealed interface ConnectorConfig permits ConnectorConfig.Smtp, ConnectorConfig.SparkPost, ConnectorConfig.Webhook,
        ConnectorConfig.Twilio, ConnectorConfig.WebPush {

    /** The channel the connector delivers. */
    Channel channel();

    Delivery delivery();

    /** A connector sending with this configuration. */
    Connector open();

    /** The time one attempt may take (connecting included), the connector's rate limit, and its retries. */
    record Delivery(Duration timeout, RateLimiter.Limit rateLimit, RetryPolicy retry) {
        public static final Delivery DEFAULT = new Delivery(Duration.ofSeconds(10), RateLimiter.Limit.DEFAULT, RetryPolicy.DEFAULT);

        public Delivery {
            requireNonNull(timeout, "timeout is null");
            requireNonNull(rateLimit, "rateLimit is null");
            requireNonNull(retry, "retry is null");
        }
    }

    enum TlsMode {
        /** Plain SMTP: for a relay on the same host or network only. */
        NONE,
        /** Plain connection upgraded with STARTTLS, which is required (port 587). */
        STARTTLS,
        /** TLS from the first byte (port 465). */
        TLS
    }

    /**
     * Email over SMTP. {@code from} is the envelope sender (where bounces go), or null for the message's From;
     * {@code replyTo} is the Reply-To of messages whose template has none. {@code username} and {@code password}
     * are both set or both null. {@code dkim} is null when messages are not signed.
     */
    record Smtp(String host, int port, TlsMode tls, String username, Secret password, String from, String replyTo, Dkim dkim, Delivery delivery)
            implements ConnectorConfig {
        @Override
        public Channel channel() {
            return Channel.EMAIL;
        }

        @Override
        public Connector open() {
            return new SmtpConnector(this);
        }
    }

    /** DKIM signing (RSA-SHA256, relaxed/relaxed) with the PKCS#8 PEM {@code privateKey}, published at {@code selector._domainkey.domain}. */
    record Dkim(String domain, String selector, Secret privateKey) {}

    /** Email over a SparkPost-style transmissions API. */
    record SparkPost(URI baseUrl, Secret apiKey, Delivery delivery) implements ConnectorConfig {
        @Override
        public Channel channel() {
            return Channel.EMAIL;
        }

        @Override
        public Connector open() {
            return new SparkPostConnector(this);
        }
    }

    /** Webhooks signed per Standard Webhooks with {@code secret} ({@code whsec_} and base64). */
    record Webhook(Secret secret, Delivery delivery) implements ConnectorConfig {
        @Override
        public Channel channel() {
            return Channel.WEBHOOK;
        }

        @Override
        public Connector open() {
            return new WebhookConnector(this);
        }
    }

    /** SMS through a Twilio-style Messages API; {@code from} is an E.164 number or a messaging service SID ({@code MG...}). */
    record Twilio(URI baseUrl, String accountSid, Secret authToken, String from, Delivery delivery) implements ConnectorConfig {
        @Override
        public Channel channel() {
            return Channel.SMS;
        }

        @Override
        public Connector open() {
            return new TwilioConnector(this);
        }
    }

    /**
     * Web Push with VAPID: {@code subject} is a {@code mailto:} or {@code https:} contact for the push services,
     * {@code publicKey} and {@code privateKey} the application server's P-256 key pair in base64url (65 bytes
     * uncompressed and 32 bytes, as {@code web-push generate-vapid-keys} prints them); {@code ttl} is how long a
     * push service keeps a message for an offline browser.
     */
    record WebPush(String subject, String publicKey, Secret privateKey, Duration ttl, Delivery delivery) implements ConnectorConfig {
        @Override
        public Channel channel() {
            return Channel.PUSH;
        }

        @Override
        public Connector open() {
            return new WebPushConnector(this);
        }
    }
}
