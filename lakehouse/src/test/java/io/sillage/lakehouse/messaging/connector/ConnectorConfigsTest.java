package io.sillage.lakehouse.messaging.connector;

import static io.sillage.lakehouse.messaging.connector.Messages.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.sillage.lakehouse.automation.DefinitionProblem;
import io.sillage.lakehouse.automation.InvalidDefinitionException;
import io.sillage.lakehouse.messaging.Template.Channel;
import java.net.URI;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConnectorConfigsTest {
    private static final String WHSEC = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    private static Map<String, String> problems(String config) {
        InvalidDefinitionException refused = catchThrowableOfType(InvalidDefinitionException.class, () -> ConnectorConfigs.parse(json(config)));
        assertThat(refused).as("refused").isNotNull();
        Map<String, String> problems = new LinkedHashMap<>();
        for (DefinitionProblem problem : refused.problems()) {
            problems.put(problem.field(), problem.message());
        }
        return problems;
    }

    @Test
    void smtpWithEverything() throws Exception {
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(1024);
        String pem = "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder().encodeToString(rsa.generateKeyPair().getPrivate().getEncoded()) + "\n-----END PRIVATE KEY-----";
        ConnectorConfig config = ConnectorConfigs.parse(json("""
                {"type": "smtp", "host": "smtp.example.com", "tls": "tls", "username": "apikey", "password": "smtp-p4ss",
                 "from": "bounces@example.com", "replyTo": "Help <help@example.com>",
                 "dkim": {"domain": "example.com", "selector": "s1", "privateKey": %s},
                 "timeout": "20s", "rateLimit": {"permits": 10, "per": "1s"}, "retry": {"maxAttempts": 3, "initialBackoff": "1m", "maxBackoff": "10m"}}"""
                .formatted(Messages.JSON.writeValueAsString(pem))));

        assertThat(config).isInstanceOf(ConnectorConfig.Smtp.class);
        ConnectorConfig.Smtp smtp = (ConnectorConfig.Smtp) config;
        assertThat(smtp.channel()).isEqualTo(Channel.EMAIL);
        assertThat(smtp.port()).as("the default port of tls").isEqualTo(465);
        assertThat(smtp.tls()).isEqualTo(ConnectorConfig.TlsMode.TLS);
        assertThat(smtp.password().reveal()).isEqualTo("smtp-p4ss");
        assertThat(smtp.dkim().privateKey().reveal()).isEqualTo(pem);
        assertThat(smtp.delivery()).isEqualTo(new ConnectorConfig.Delivery(Duration.ofSeconds(20), new RateLimiter.Limit(10, Duration.ofSeconds(1), 10),
                new RetryPolicy(3, Duration.ofMinutes(1), Duration.ofMinutes(10))));
        assertThat(smtp.toString()).contains("smtp.example.com", "apikey").doesNotContain("smtp-p4ss", "PRIVATE KEY", pem.substring(40, 60));
    }

    @Test
    void defaultsAndSecretsOfTheHttpConnectors() {
        ConnectorConfig.SparkPost sparkPost = (ConnectorConfig.SparkPost) ConnectorConfigs.parse(json("{\"type\": \"sparkpost\", \"apiKey\": \"sp-key-123\"}"));
        assertThat(sparkPost.baseUrl()).isEqualTo(URI.create("https://api.sparkpost.com"));
        assertThat(sparkPost.delivery()).isEqualTo(ConnectorConfig.Delivery.DEFAULT);
        assertThat(sparkPost.toString()).doesNotContain("sp-key-123");

        ConnectorConfig.Twilio twilio = (ConnectorConfig.Twilio) ConnectorConfigs.parse(json(
                "{\"type\": \"twilio\", \"accountSid\": \"AC123\", \"authToken\": \"tw-token-456\", \"from\": \"+15005550006\", \"baseUrl\": \"http://127.0.0.1:9999/\"}"));
        assertThat(twilio.channel()).isEqualTo(Channel.SMS);
        assertThat(twilio.baseUrl()).isEqualTo(URI.create("http://127.0.0.1:9999"));
        assertThat(twilio.toString()).contains("AC123").doesNotContain("tw-token-456");

        ConnectorConfig.Webhook webhook = (ConnectorConfig.Webhook) ConnectorConfigs.parse(json("{\"type\": \"webhook\", \"secret\": \"" + WHSEC + "\"}"));
        assertThat(webhook.channel()).isEqualTo(Channel.WEBHOOK);
        assertThat(webhook.toString()).doesNotContain("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");

        String privateKey = Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32});
        String publicKey = "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM";
        ConnectorConfig.WebPush push = (ConnectorConfig.WebPush) ConnectorConfigs.parse(json("{\"type\": \"webpush\", \"vapid\": {\"subject\": \"mailto:ops@example.com\", "
                + "\"publicKey\": \"" + publicKey + "\", \"privateKey\": \"" + privateKey + "\"}}"));
        assertThat(push.ttl()).isEqualTo(Duration.ofDays(1));
        assertThat(push.toString()).contains(publicKey).doesNotContain(privateKey);
    }

    @Test
    void everyProblemNamesItsFieldAndNoneQuotesASecret() {
        assertThat(problems("{\"type\": \"smtp\", \"tls\": \"ssl\", \"port\": 70000, \"username\": \"u\", \"from\": \"not an address\", \"bcc\": \"x\","
                + " \"dkim\": {\"domain\": \"example\", \"privateKey\": \"-----BEGIN RSA PRIVATE KEY-----\\nMIIB\\n-----END RSA PRIVATE KEY-----\"},"
                + " \"timeout\": \"soon\", \"rateLimit\": {\"permits\": 0, \"burst\": 2.5}, \"retry\": {\"initialBackoff\": \"2h\", \"maxBackoff\": \"1h\"}}"))
                .containsOnlyKeys("host", "tls", "port", "password", "from", "bcc", "dkim.domain", "dkim.selector", "dkim.privateKey",
                        "timeout", "rateLimit.permits", "rateLimit.burst", "retry.maxBackoff")
                .containsEntry("host", "is required")
                .containsEntry("tls", "must be none, starttls or tls")
                .containsEntry("port", "must be an integer from 1 to 65535")
                .containsEntry("password", "give both username and password, or neither")
                .containsEntry("dkim.privateKey", "is PKCS#1 (BEGIN RSA PRIVATE KEY): convert it to PKCS#8 with `openssl pkcs8 -topk8 -nocrypt`")
                .containsEntry("retry.maxBackoff", "must be at least retry.initialBackoff");

        assertThat(problems("{\"type\": \"webhook\", \"secret\": \"topsecret-value\"}"))
                .isEqualTo(Map.of("secret", "must start with whsec_ (whsec_ and the base64 of 24 to 64 random bytes)"));
        assertThat(problems("{\"type\": \"webhook\", \"secret\": \"whsec_c2hvcnQ=\"}"))
                .isEqualTo(Map.of("secret", "must hold 24 to 64 bytes after whsec_, got 5"));
        assertThat(problems("{\"type\": \"twilio\", \"accountSid\": \"AC/../x\", \"from\": \"0612345678\", \"baseUrl\": \"ftp://twilio\"}"))
                .containsOnlyKeys("accountSid", "authToken", "from", "baseUrl");
        assertThat(problems("{\"type\": \"webpush\", \"ttl\": \"60d\", \"vapid\": {\"subject\": \"ops@example.com\", \"publicKey\": \"AAAA\", \"privateKey\": \"c2VjcmV0LWtleQ\"}}"))
                .containsOnlyKeys("ttl", "vapid.subject", "vapid.publicKey", "vapid.privateKey")
                .containsEntry("vapid.privateKey", "must be the 32 bytes of a P-256 private key in base64url, got 10 bytes");
        assertThat(problems("{\"type\": \"carrier-pigeon\"}")).containsOnlyKeys("type");
        assertThat(problems("[]")).containsOnlyKeys("$");
    }

    @Test
    void unsubscribeHeadersFollowRfc8058() {
        assertThat(OutboundMessage.unsubscribeHeaders(URI.create("mailto:u@example.com"), URI.create("https://t.example.com/u/1")))
                .containsExactly(Map.entry("List-Unsubscribe", "<mailto:u@example.com>, <https://t.example.com/u/1>"),
                        Map.entry("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"));
        assertThat(OutboundMessage.unsubscribeHeaders(URI.create("mailto:u@example.com"), null))
                .as("no one-click without an https URL").containsExactly(Map.entry("List-Unsubscribe", "<mailto:u@example.com>"));
        assertThat(OutboundMessage.unsubscribeHeaders(null, URI.create("http://t.example.com/u/1")))
                .as("an http URL, but no one-click (RFC 8058 needs https)").containsExactly(Map.entry("List-Unsubscribe", "<http://t.example.com/u/1>"));
        assertThat(catchThrowableOfType(IllegalArgumentException.class, () -> OutboundMessage.unsubscribeHeaders(null, URI.create("ftp://t.example.com/u/1"))))
                .hasMessageContaining("http: or https:");
        assertThat(catchThrowableOfType(IllegalArgumentException.class,
                () -> Messages.message(Messages.SMS, "msg_1", "+33612345678", Map.of("X-Note", "a\r\nBcc: victim@example.com")))).hasMessageContaining("line break");
        assertThat(catchThrowableOfType(IllegalArgumentException.class, () -> Messages.message(Messages.SMS, "msg_1", "+33612345678", Map.of("Subject", "x"))))
                .hasMessage("'Subject' cannot be an extra header");
        assertThat(catchThrowableOfType(IllegalArgumentException.class, () -> Messages.message(Messages.SMS, "a b", "+33612345678", Map.of())))
                .hasMessageContaining("messageId");
    }

    @Test
    void redactedMasksEverySecretAndKeepsTheRest() {
        assertThat(ConnectorConfigs.redacted(json("""
                {"type": "smtp", "host": "smtp.example.com", "username": "apikey", "password": "smtp-p4ss",
                 "dkim": {"domain": "example.com", "selector": "s1", "privateKey": "pem"}}""")))
                .isEqualTo(json("""
                {"type": "smtp", "host": "smtp.example.com", "username": "apikey", "password": "********",
                 "dkim": {"domain": "example.com", "selector": "s1", "privateKey": "********"}}"""));
        assertThat(ConnectorConfigs.redacted(json("{\"type\": \"sparkpost\", \"apiKey\": \"k\"}")).path("apiKey").asText()).isEqualTo("********");
        assertThat(ConnectorConfigs.redacted(json("{\"type\": \"webhook\", \"secret\": \"" + WHSEC + "\"}")).toString()).doesNotContain(WHSEC);
        assertThat(ConnectorConfigs.redacted(json("{\"type\": \"twilio\", \"accountSid\": \"AC1\", \"authToken\": \"t0k\"}")).toString())
                .contains("AC1").doesNotContain("t0k");
        assertThat(ConnectorConfigs.redacted(json("{\"type\": \"webpush\", \"vapid\": {\"publicKey\": \"pub\", \"privateKey\": \"s3cr3t-vapid\"}}")).toString())
                .contains("pub").doesNotContain("s3cr3t-vapid");
        assertThat(ConnectorConfigs.redacted(json("{\"type\": \"smtp\", \"host\": \"h\"}"))).as("no secret given: nothing added")
                .isEqualTo(json("{\"type\": \"smtp\", \"host\": \"h\"}"));
    }
}
