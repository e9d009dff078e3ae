package io.sillage.jobs.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import io.sillage.lakehouse.event.CollectedEvent;
import io.sillage.lakehouse.table.CdpTables;
import java.time.Instant;
import org.apache.flink.table.data.RowData;
import org.junit.jupiter.api.Test;

/** Events with {@code context.sillage.message} become rows of {@code cdp.messages}; no other event does. */
class FeedbackMessagesTest {
    private static final Instant AT = Instant.parse("2026-03-02T12:34:56.789Z");

    @Test
    void anOpenBecomesARowOfItsMessage() {
        Message message = FeedbackMessages.of(event("Email Opened", context("opened"), "{\"message_id\":\"msg_1\"}")).orElseThrow();

        assertThat(message.projectId).isEqualTo("shop");
        assertThat(message.messageId).isEqualTo("msg_1");
        assertThat(message.idempotencyKey).isEmpty();
        assertThat(message.profileId).isEqualTo("prf_1");
        assertThat(message.channel).isEqualTo("email");
        assertThat(message.sourceType).isEqualTo("automation");
        assertThat(message.sourceId).isEqualTo("aut_cart");
        assertThat(message.status).isEqualTo("opened");
        assertThat(message.reason).isNull();
        assertThat(message.occurredAtMillis).isEqualTo(AT.toEpochMilli());
        RowData row = message.toRow();
        assertThat(row.getArity()).isEqualTo(CdpTables.MESSAGES_SCHEMA.columns().size());
        assertThat(row.getString(12).toString()).isEqualTo("opened");
        assertThat(row.getTimestamp(17, 6).getMillisecond()).isEqualTo(AT.toEpochMilli());
    }

    @Test
    void everyFeedbackStatusMapsAndABounceSaysWhy() {
        for (String status : FeedbackMessages.STATUSES) {
            assertThat(FeedbackMessages.of(event("x", context(status), null))).as(status).hasValueSatisfying(m -> assertThat(m.status).isEqualTo(status));
        }
        assertThat(FeedbackMessages.of(event("Email Bounced", context("bounced"), "{\"bounce_class\":\"10\",\"bounce_type\":\"hard\"}")).orElseThrow().reason)
                .isEqualTo("hard (bounce class 10)");
    }

    @Test
    void otherEventsAndMalformedContextsMakeNoRow() {
        assertThat(FeedbackMessages.of(event("Order Completed", null, "{}"))).isEmpty();
        assertThat(FeedbackMessages.of(event("Order Completed", "{\"ip\":\"1.2.3.4\"}", "{}"))).isEmpty();
        assertThat(FeedbackMessages.of(event("x", context("sent"), null))).as("a send status is the activation job's").isEmpty();
        assertThat(FeedbackMessages.of(event("x", context("opened").replace(",\"profileId\":\"prf_1\"", ""), null))).isEmpty();
        assertThat(FeedbackMessages.of(event("x", "{\"sillage\":{\"message\":\"opened\"}}", null))).isEmpty();
        assertThat(FeedbackMessages.of(event("x", "{\"sillage\": ", null))).isEmpty();
    }

    private static String context(String status) {
        return """
                {"ip":"1.2.3.4","sillage":{"message":{"messageId":"msg_1","status":"%s","channel":"email","sourceType":"automation","sourceId":"aut_cart","profileId":"prf_1"}}}"""
                .formatted(status);
    }

    private static CollectedEvent event(String name, String context, String properties) {
        long micros = AT.getEpochSecond() * 1_000_000 + AT.getNano() / 1000;
        return new CollectedEvent("shop", "email_tracking", "m-1", "track", name, null, null, "u1", null, null,
                micros, CollectedEvent.ABSENT_TIME, CollectedEvent.ABSENT_TIME, micros, properties, null, context);
    }
}
