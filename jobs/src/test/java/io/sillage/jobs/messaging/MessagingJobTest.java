package io.sillage.jobs.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sillage.jobs.automation.ActivationRequest;
import io.sillage.jobs.collect.RawRecord;
import io.sillage.jobs.common.CompactTypeInfo;
import io.sillage.jobs.common.JobSettings;
import io.sillage.lakehouse.table.CdpTables;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.typeutils.runtime.kryo.KryoSerializer;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.apache.flink.types.PojoTestUtils;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/** The job's graph, its types, and the records of its topics. */
class MessagingJobTest {

    @Test
    void everyTypeFlowingOrKeptInStateIsAPojoOrHasItsCompactSerializer() {
        assertThat(TypeInformation.of(Delivery.class)).isInstanceOf(CompactTypeInfo.class);
        assertThat(TypeInformation.of(ActivationRequest.class)).isInstanceOf(CompactTypeInfo.class);
        PojoTestUtils.assertSerializedAsPojoWithoutKryo(SendResult.class);
        PojoTestUtils.assertSerializedAsPojoWithoutKryo(Message.class);
        PojoTestUtils.assertSerializedAsPojoWithoutKryo(MessagingUpdate.class);
        PojoTestUtils.assertSerializedAsPojoWithoutKryo(RejectedActivation.class);
    }

    @Test
    void theGraphHasEveryStageWithAStableUidAndNoKryo() {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        var activations = env.fromData(new RawRecord("cdp.activations", 0, 0, "{}".getBytes(StandardCharsets.UTF_8)));
        var updates = env.fromData(Fixtures.template("tpl", 1, Fixtures.EMAIL_TEMPLATE));
        var retries = env.fromData(Fixtures.delivery("k", "p", "email", "a@example.com"));
        MessagingJob.Streams streams = MessagingJob.build(activations, updates, retries, JobSettings.of(Map.of("messaging.pressure-cap", "2")),
                Fixtures.profiles(), InMemorySendLog.factory());
        streams.messages().map(Message::toRow).returns(io.sillage.jobs.collect.EventRows.typeInfo(CdpTables.MESSAGES_SCHEMA)).sinkTo(new DiscardingSink<>());
        streams.retries().sinkTo(new DiscardingSink<>());
        streams.deadLetters().sinkTo(new DiscardingSink<>());

        StreamGraph graph = env.getStreamGraph();
        List<String> uids = new ArrayList<>();
        for (StreamNode node : graph.getStreamNodes()) {
            if (node.getTransformationUID() != null) {
                uids.add(node.getTransformationUID());
            }
            if (node.getTypeSerializerOut() != null) {
                assertThat(node.getTypeSerializerOut()).as(node.getOperatorName()).isNotInstanceOf(KryoSerializer.class);
            }
        }
        assertThat(uids).contains("messaging-parse", "messaging-decision", "messaging-destination-dedup", "messaging-pressure-cap",
                "messaging-render", "messaging-send", "messaging-outcomes");
    }

    @Test
    void aWaitingMessageSurvivesTheRetryTopicWithoutItsConnector() throws Exception {
        Delivery delivery = Fixtures.delivery("aut_x:v1:m1", "ann", "email", "ann@example.com");
        delivery.parts = Map.of("email.from", "shop@example.com", "email.subject", "Hi", "email.text", "Hello");
        delivery.headers = Map.of("List-Unsubscribe", "<https://t.example.com/u/1>");
        delivery.profile = null;
        delivery.eventProperties = null;
        delivery.attempt = 3;
        delivery.templateVersion = 4;
        delivery.connector = Fixtures.SMTP;
        delivery.connectorVersion = 2;

        var record = new DeliveryRecords.RetrySerializer("cdp.message-retries").serialize(delivery.withoutConnector(), null, 5L);
        assertThat(new String(record.key(), StandardCharsets.UTF_8)).isEqualTo("shop/aut_x:v1:m1");
        assertThat(new String(record.value(), StandardCharsets.UTF_8)).doesNotContain("smtp");
        List<Delivery> read = new ArrayList<>();
        new DeliveryRecords.RetryDeserializer().deserialize(new ConsumerRecord<>("cdp.message-retries", 0, 0, record.key(), record.value()), collector(read));
        new DeliveryRecords.RetryDeserializer().deserialize(new ConsumerRecord<>("cdp.message-retries", 0, 1, null, "{\"messageId\": 1}".getBytes(StandardCharsets.UTF_8)), collector(read));
        new DeliveryRecords.RetryDeserializer().deserialize(new ConsumerRecord<>("cdp.message-retries", 0, 2, null, "garbage".getBytes(StandardCharsets.UTF_8)), collector(read));

        Delivery expected = delivery.withoutConnector();
        assertThat(read).singleElement().usingRecursiveComparison().isEqualTo(expected);
    }

    @Test
    void readsTemplatesSnippetsAndConnectorsFromTheirTopics() throws Exception {
        List<MessagingUpdate> updates = new ArrayList<>();
        var templates = MessagingUpdate.Deserializer.templates();
        templates.deserialize(record("{\"kind\": \"template\", \"projectId\": \"shop\", \"templateId\": \"tpl_1\", \"version\": 3, \"status\": \"active\", "
                + "\"definition\": {\"name\": \"x\"}, \"updatedAt\": \"2026-03-02T12:00:00Z\"}"), collector(updates));
        templates.deserialize(record("{\"kind\": \"template\", \"projectId\": \"shop\", \"templateId\": \"tpl_2\", \"version\": 2, \"status\": \"deleted\"}"), collector(updates));
        templates.deserialize(record("{\"kind\": \"snippet\", \"projectId\": \"shop\", \"name\": \"footer\", \"source\": \"<p>bye</p>\"}"), collector(updates));
        templates.deserialize(record("{\"kind\": \"template\", \"projectId\": \"shop\"}"), collector(updates));
        templates.deserialize(record("not json"), collector(updates));
        MessagingUpdate.Deserializer.connectors().deserialize(record("{\"projectId\": \"shop\", \"channel\": \"webhook\", \"version\": 5, "
                + "\"config\": {\"type\": \"webhook\", \"secret\": \"s\"}, \"url\": \"https://hooks.example.com\"}"), collector(updates));

        assertThat(updates).extracting(update -> update.key() + " v" + update.version + " " + update.status + " " + update.content + " " + update.url).containsExactly(
                "template/shop/tpl_1 v3 active {\"name\":\"x\"} null",
                "template/shop/tpl_2 v2 deleted null null",
                "snippet/shop/footer v0 active <p>bye</p> null",
                "connector/shop/webhook v5 active {\"type\":\"webhook\",\"secret\":\"s\"} https://hooks.example.com");
    }

    private static ConsumerRecord<byte[], byte[]> record(String value) {
        return new ConsumerRecord<>("cdp.templates", 0, 0, null, value.getBytes(StandardCharsets.UTF_8));
    }

    private static <T> Collector<T> collector(List<T> into) {
        return new Collector<>() {
            @Override
            public void collect(T record) {
                into.add(record);
            }

            @Override
            public void close() {}
        };
    }

    @Test
    void theSendLogKeepsItsRowsLongerThanTheStateRemembersRequests() {
        assertThat(MessagingJob.sendLogOptions(JobSettings.of(Map.of())))
                .isEqualTo(new PostgresSendLog.Options(1, Duration.ofMillis(2), Duration.ofDays(30), Duration.ofHours(1)));
        assertThat(MessagingJob.sendLogOptions(JobSettings.of(Map.of("messaging.send-log-retention", "0"))).retention()).isZero();
        assertThatThrownBy(() -> MessagingJob.sendLogOptions(JobSettings.of(Map.of("messaging.send-log-retention", "7d"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("messaging.send-log-retention must be longer than messaging.dedup-retention (7 days)");
    }
}
