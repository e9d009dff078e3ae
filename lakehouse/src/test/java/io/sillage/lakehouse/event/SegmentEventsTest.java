package io.sillage.lakehouse.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SegmentEventsTest {
    private static final Instant SERVER_TIME = Instant.parse("2026-01-31T12:00:00Z");

    @Nested
    class Validate {
        @Test
        void acceptsACompleteTrackCall() throws Exception {
            EventType type = SegmentEvents.validate(
                    event("{\"type\":\"track\",\"userId\":\"user-1\",\"event\":\"Order Completed\",\"properties\":{\"total\":12.5}}"),
                    Optional.empty());

            assertThat(type).isEqualTo(EventType.TRACK);
        }

        @Test
        void takesTheTypeFromTheEndpointWhenTheBodyHasNone() throws Exception {
            EventType type = SegmentEvents.validate(event("{\"userId\":\"user-1\",\"event\":\"Signed Up\"}"), Optional.of(EventType.TRACK));

            assertThat(type).isEqualTo(EventType.TRACK);
        }

        @Test
        void refusesAnEventWithoutUserIdOrAnonymousId() {
            EventProblem problem = validationProblem("{\"type\":\"identify\",\"traits\":{\"plan\":\"pro\"}}", Optional.empty());

            assertThat(problem.field()).isEqualTo("/userId");
            assertThat(problem.detail()).contains("anonymousId");
        }

        @Test
        void treatsBlankIdentifiersAsMissing() {
            EventProblem problem = validationProblem("{\"type\":\"identify\",\"userId\":\"  \",\"anonymousId\":\"\"}", Optional.empty());

            assertThat(problem.field()).isEqualTo("/userId");
        }

        @Test
        void acceptsAnAnonymousIdWithoutUserId() throws Exception {
            EventType type = SegmentEvents.validate(event("{\"type\":\"page\",\"anonymousId\":\"anonymous-1\"}"), Optional.empty());

            assertThat(type).isEqualTo(EventType.PAGE);
        }

        @Test
        void acceptsANumericUserId() throws Exception {
            EventType type = SegmentEvents.validate(event("{\"type\":\"identify\",\"userId\":12345}"), Optional.empty());

            assertThat(type).isEqualTo(EventType.IDENTIFY);
        }

        @Test
        void refusesAUserIdThatIsNeitherStringNorInteger() {
            assertThat(validationProblem("{\"type\":\"identify\",\"anonymousId\":\"a\",\"userId\":1.5}", Optional.empty()).field())
                    .isEqualTo("/userId");
            assertThat(validationProblem("{\"type\":\"identify\",\"userId\":\"u\",\"anonymousId\":true}", Optional.empty()).field())
                    .isEqualTo("/anonymousId");
        }

        @Test
        void refusesATrackCallWithoutEventName() {
            EventProblem problem = validationProblem("{\"type\":\"track\",\"userId\":\"user-1\"}", Optional.empty());

            assertThat(problem.field()).isEqualTo("/event");
            assertThat(problem.detail()).contains("track");
        }

        @Test
        void refusesATrackCallWithAnEmptyEventName() {
            assertThat(validationProblem("{\"type\":\"track\",\"userId\":\"user-1\",\"event\":\"\"}", Optional.empty()).field())
                    .isEqualTo("/event");
        }

        @Test
        void refusesAnAliasCallWithoutPreviousId() {
            EventProblem problem = validationProblem("{\"type\":\"alias\",\"userId\":\"user-1\"}", Optional.empty());

            assertThat(problem.field()).isEqualTo("/previousId");
        }

        @Test
        void refusesAGroupCallWithoutGroupId() {
            EventProblem problem = validationProblem("{\"type\":\"group\",\"userId\":\"user-1\",\"traits\":{\"name\":\"Acme\"}}", Optional.empty());

            assertThat(problem.field()).isEqualTo("/groupId");
        }

        @Test
        void acceptsAliasAndGroupCallsWithTheirRequiredField() {
            assertThatCode(() -> SegmentEvents.validate(event("{\"type\":\"alias\",\"userId\":\"user-1\",\"previousId\":\"anonymous-1\"}"), Optional.empty()))
                    .doesNotThrowAnyException();
            assertThatCode(() -> SegmentEvents.validate(event("{\"type\":\"group\",\"userId\":\"user-1\",\"groupId\":\"acme\"}"), Optional.empty()))
                    .doesNotThrowAnyException();
        }

        @Test
        void refusesAnUnknownType() {
            EventProblem problem = validationProblem("{\"type\":\"purchase\",\"userId\":\"user-1\"}", Optional.empty());

            assertThat(problem.field()).isEqualTo("/type");
            assertThat(problem.detail()).contains("purchase");
        }

        @Test
        void refusesATypeThatIsNotAString() {
            assertThat(validationProblem("{\"type\":3,\"userId\":\"user-1\"}", Optional.empty()).field()).isEqualTo("/type");
        }

        @Test
        void refusesABatchItemWithoutType() {
            EventProblem problem = validationProblem("{\"userId\":\"user-1\",\"event\":\"Signed Up\"}", Optional.empty());

            assertThat(problem.field()).isEqualTo("/type");
        }

        @Test
        void refusesATypeThatDoesNotMatchTheEndpoint() {
            EventProblem problem = validationProblem("{\"type\":\"identify\",\"userId\":\"user-1\"}", Optional.of(EventType.TRACK));

            assertThat(problem.field()).isEqualTo("/type");
            assertThat(problem.detail()).contains("identify").contains("/v1/track");
        }

        @Test
        void refusesPropertiesThatAreNotAnObject() {
            EventProblem problem = validationProblem("{\"type\":\"track\",\"userId\":\"user-1\",\"event\":\"Viewed\",\"properties\":[1,2]}", Optional.empty());

            assertThat(problem.field()).isEqualTo("/properties");
            assertThat(problem.detail()).contains("object");
        }

        @Test
        void refusesTraitsAndContextThatAreNotObjects() {
            assertThat(validationProblem("{\"type\":\"identify\",\"userId\":\"user-1\",\"traits\":\"pro\"}", Optional.empty()).field())
                    .isEqualTo("/traits");
            assertThat(validationProblem("{\"type\":\"identify\",\"userId\":\"user-1\",\"context\":42}", Optional.empty()).field())
                    .isEqualTo("/context");
        }

        @Test
        void refusesATimestampThatIsNotAnIsoDateTime() {
            EventProblem problem = validationProblem("{\"type\":\"identify\",\"userId\":\"user-1\",\"timestamp\":\"yesterday at noon\"}", Optional.empty());

            assertThat(problem.field()).isEqualTo("/timestamp");
            assertThat(problem.detail()).contains("yesterday at noon");
        }

        @Test
        void refusesATimestampThatIsANumber() {
            assertThat(validationProblem("{\"type\":\"identify\",\"userId\":\"user-1\",\"timestamp\":1769860800000}", Optional.empty()).field())
                    .isEqualTo("/timestamp");
        }

        @Test
        void refusesABadSentAt() {
            assertThat(validationProblem("{\"type\":\"identify\",\"userId\":\"user-1\",\"sentAt\":\"2026-13-45T00:00:00Z\"}", Optional.empty()).field())
                    .isEqualTo("/sentAt");
        }

        @Test
        void acceptsTimestampsWithAndWithoutOffset() {
            assertThatCode(() -> SegmentEvents.validate(
                    event("{\"type\":\"identify\",\"userId\":\"user-1\",\"timestamp\":\"2026-01-31T13:00:00.123+01:00\",\"sentAt\":\"2026-01-31T12:00:01\"}"),
                    Optional.empty())).doesNotThrowAnyException();
        }

        @Test
        void refusesTimesTooFarFromTheEpochToStoreInMicroseconds() {
            EventProblem problem = validationProblem("{\"type\":\"identify\",\"userId\":\"user-1\",\"timestamp\":\"+300000-01-01T00:00:00Z\"}", Optional.empty());

            assertThat(problem.field()).isEqualTo("/timestamp");
            assertThat(problem.detail()).contains("+300000-01-01T00:00:00Z");
            assertThat(validationProblem("{\"type\":\"identify\",\"userId\":\"user-1\",\"sentAt\":\"+999999999-12-31T23:59:59Z\"}", Optional.empty()).field())
                    .isEqualTo("/sentAt");
            assertThat(validationProblem("{\"type\":\"identify\",\"userId\":\"user-1\",\"originalTimestamp\":\"-300000-01-01T00:00:00\"}", Optional.empty()).field())
                    .isEqualTo("/originalTimestamp");
        }

        @Test
        void acceptsDatesCenturiesAwayFromTheEpoch() {
            assertThatCode(() -> SegmentEvents.validate(
                    event("{\"type\":\"identify\",\"userId\":\"user-1\",\"timestamp\":\"0001-01-01T00:00:00Z\",\"originalTimestamp\":\"1600-03-01T00:00:00\","
                            + "\"sentAt\":\"9999-12-31T23:59:59.999999Z\"}"),
                    Optional.empty())).doesNotThrowAnyException();
        }

        @Test
        void refusesAMessageIdLongerThanTheLimit() {
            String tooLong = "m".repeat(SegmentEvents.MAX_MESSAGE_ID_LENGTH + 1);

            EventProblem problem = validationProblem("{\"type\":\"identify\",\"userId\":\"user-1\",\"messageId\":\"" + tooLong + "\"}", Optional.empty());

            assertThat(problem.field()).isEqualTo("/messageId");
            assertThat(problem.detail()).contains(String.valueOf(SegmentEvents.MAX_MESSAGE_ID_LENGTH));
        }

        @Test
        void acceptsAMessageIdOfExactlyTheLimit() {
            String longest = "m".repeat(SegmentEvents.MAX_MESSAGE_ID_LENGTH);

            assertThatCode(() -> SegmentEvents.validate(event("{\"type\":\"identify\",\"userId\":\"user-1\",\"messageId\":\"" + longest + "\"}"), Optional.empty()))
                    .doesNotThrowAnyException();
        }

        @Test
        void refusesABlankOrNonTextMessageId() {
            assertThat(validationProblem("{\"type\":\"identify\",\"userId\":\"user-1\",\"messageId\":\" \"}", Optional.empty()).field())
                    .isEqualTo("/messageId");
            assertThat(validationProblem("{\"type\":\"identify\",\"userId\":\"user-1\",\"messageId\":7}", Optional.empty()).field())
                    .isEqualTo("/messageId");
        }

        @Test
        void refusesSomethingThatIsNotAnObject() {
            EventValidationException exception = catchThrowableOfType(EventValidationException.class,
                    () -> SegmentEvents.validate(SegmentEvents.mapper().readTree("[1,2,3]"), Optional.empty()));

            assertThat(exception).isNotNull();
            assertThat(exception.problem().field()).isEmpty();
        }
    }

    @Nested
    class Accept {
        @Test
        void generatesAMessageIdWhenAbsent() throws Exception {
            ObjectNode first = accept("{\"userId\":\"user-1\",\"event\":\"Signed Up\"}", EventType.TRACK, acceptance());
            ObjectNode second = accept("{\"userId\":\"user-1\",\"event\":\"Signed Up\"}", EventType.TRACK, acceptance());

            String firstId = first.get("messageId").textValue();
            assertThat(UUID.fromString(firstId)).isNotNull();
            assertThat(second.get("messageId").textValue()).isNotEqualTo(firstId);
        }

        @Test
        void keepsTheClientMessageId() throws Exception {
            ObjectNode accepted = accept("{\"userId\":\"user-1\",\"event\":\"Signed Up\",\"messageId\":\"client-id-1\"}", EventType.TRACK, acceptance());

            assertThat(accepted.get("messageId").textValue()).isEqualTo("client-id-1");
        }

        @Test
        void setsTheTypeFromTheEndpoint() throws Exception {
            ObjectNode accepted = accept("{\"userId\":\"user-1\"}", EventType.IDENTIFY, acceptance());

            assertThat(accepted.get("type").textValue()).isEqualTo("identify");
        }

        @Test
        void mergesTheBatchContextUnderTheEventContextWithEventKeysWinning() throws Exception {
            ObjectNode batchContext = event("{\"ip\":\"203.0.113.7\",\"library\":{\"name\":\"batch-library\",\"version\":\"1.0\"},\"locale\":\"en-US\"}");
            Acceptance acceptance = new Acceptance("project-1", "web", SERVER_TIME, null, batchContext);

            ObjectNode accepted = accept(
                    "{\"userId\":\"user-1\",\"event\":\"Viewed\",\"context\":{\"library\":{\"name\":\"event-library\"},\"locale\":\"fr-FR\"}}",
                    EventType.TRACK, acceptance);

            assertThat(accepted.get("context")).isEqualTo(event(
                    "{\"ip\":\"203.0.113.7\",\"library\":{\"name\":\"event-library\"},\"locale\":\"fr-FR\"}"));
            assertThat(batchContext).as("the batch context is shared by every item and must not change")
                    .isEqualTo(event("{\"ip\":\"203.0.113.7\",\"library\":{\"name\":\"batch-library\",\"version\":\"1.0\"},\"locale\":\"en-US\"}"));
        }

        @Test
        void givesTheBatchContextToAnEventWithoutContext() throws Exception {
            ObjectNode batchContext = event("{\"ip\":\"203.0.113.7\"}");

            ObjectNode accepted = accept("{\"userId\":\"user-1\"}", EventType.IDENTIFY, new Acceptance("project-1", null, SERVER_TIME, null, batchContext));

            assertThat(accepted.get("context")).isEqualTo(batchContext);
        }

        @Test
        void setsReceivedAtProjectAndSource() throws Exception {
            ObjectNode accepted = accept("{\"userId\":\"user-1\"}", EventType.IDENTIFY, new Acceptance("project-1", "ios", SERVER_TIME, null, null));

            assertThat(Instant.parse(accepted.get("receivedAt").textValue())).isEqualTo(SERVER_TIME);
            assertThat(accepted.get("projectId").textValue()).isEqualTo("project-1");
            assertThat(accepted.get("source").textValue()).isEqualTo("ios");
        }

        @Test
        void overwritesWhatTheClientClaimsAboutProjectSourceAndReceivedAt() throws Exception {
            ObjectNode accepted = accept(
                    "{\"userId\":\"user-1\",\"projectId\":\"someone-else\",\"source\":\"forged\",\"receivedAt\":\"2020-01-01T00:00:00Z\"}",
                    EventType.IDENTIFY, new Acceptance("project-1", null, SERVER_TIME, null, null));

            assertThat(accepted.get("projectId").textValue()).isEqualTo("project-1");
            assertThat(accepted.has("source")).as("a write key without source leaves no source").isFalse();
            assertThat(Instant.parse(accepted.get("receivedAt").textValue())).isEqualTo(SERVER_TIME);
        }

        @Test
        void removesTheWriteKey() throws Exception {
            ObjectNode accepted = accept("{\"userId\":\"user-1\",\"writeKey\":\"secret-key\"}", EventType.IDENTIFY, acceptance());

            assertThat(accepted.has("writeKey")).isFalse();
            assertThat(accepted.toString()).doesNotContain("secret-key");
        }

        @Test
        void storesANumericUserIdAsTextAndDropsBlankIdentifiers() throws Exception {
            ObjectNode accepted = accept("{\"userId\":12345,\"anonymousId\":\"  \"}", EventType.IDENTIFY, acceptance());

            assertThat(accepted.get("userId").isTextual()).isTrue();
            assertThat(accepted.get("userId").textValue()).isEqualTo("12345");
            assertThat(accepted.has("anonymousId")).isFalse();
        }
    }

    @Nested
    class ClockSkew {
        private final Instant eventTime = Instant.parse("2026-01-31T10:00:00Z");

        @Test
        void appliesTheClientDelayToTheServerReceiveTime() {
            // the client clock is one hour ahead; the event happened 5 s before it was sent, which took 1 s
            Instant clientTimestamp = eventTime.plus(Duration.ofHours(1));
            Instant clientSentAt = clientTimestamp.plusSeconds(5);
            Instant receivedAt = eventTime.plusSeconds(6);

            Instant corrected = SegmentEvents.correctedTimestamp(Optional.of(clientTimestamp), Optional.of(clientSentAt), receivedAt);

            assertThat(corrected).isEqualTo(eventTime.plusSeconds(1));
        }

        @Test
        void trustsTheClientTimestampWithoutSentAt() {
            Instant clientTimestamp = eventTime.plus(Duration.ofHours(1));

            Instant corrected = SegmentEvents.correctedTimestamp(Optional.of(clientTimestamp), Optional.empty(), eventTime.plusSeconds(6));

            assertThat(corrected).isEqualTo(clientTimestamp);
        }

        @Test
        void usesTheReceiveTimeWithoutClientTime() {
            Instant receivedAt = eventTime.plusSeconds(6);

            assertThat(SegmentEvents.correctedTimestamp(Optional.empty(), Optional.of(eventTime), receivedAt)).isEqualTo(receivedAt);
            assertThat(SegmentEvents.correctedTimestamp(Optional.empty(), Optional.empty(), receivedAt)).isEqualTo(receivedAt);
        }

        @Test
        void acceptCorrectsTheTimestampAndKeepsTheClientTimes() throws Exception {
            Instant clientTimestamp = eventTime.plus(Duration.ofHours(1));
            Instant clientSentAt = clientTimestamp.plusSeconds(5);
            Instant receivedAt = eventTime.plusSeconds(6);

            ObjectNode accepted = accept(
                    "{\"userId\":\"user-1\",\"event\":\"Viewed\",\"timestamp\":\"" + clientTimestamp + "\",\"sentAt\":\"" + clientSentAt + "\"}",
                    EventType.TRACK, new Acceptance("project-1", null, receivedAt, null, null));

            assertThat(time(accepted, "timestamp")).isEqualTo(eventTime.plusSeconds(1));
            assertThat(time(accepted, "originalTimestamp")).isEqualTo(clientTimestamp);
            assertThat(time(accepted, "sentAt")).isEqualTo(clientSentAt);
            assertThat(time(accepted, "receivedAt")).isEqualTo(receivedAt);
        }

        @Test
        void acceptUsesTheBatchSentAtWhenTheEventHasNone() throws Exception {
            Instant clientTimestamp = eventTime.plus(Duration.ofHours(1));
            Instant batchSentAt = clientTimestamp.plusSeconds(5);
            Instant receivedAt = eventTime.plusSeconds(6);

            ObjectNode accepted = accept("{\"userId\":\"user-1\",\"timestamp\":\"" + clientTimestamp + "\"}",
                    EventType.IDENTIFY, new Acceptance("project-1", null, receivedAt, batchSentAt, null));

            assertThat(time(accepted, "timestamp")).isEqualTo(eventTime.plusSeconds(1));
            assertThat(time(accepted, "sentAt")).isEqualTo(batchSentAt);
        }

        @Test
        void acceptUsesOriginalTimestampWhenTimestampIsAbsent() throws Exception {
            Instant clientTimestamp = eventTime.plus(Duration.ofHours(1));
            Instant clientSentAt = clientTimestamp.plusSeconds(5);

            ObjectNode accepted = accept(
                    "{\"userId\":\"user-1\",\"originalTimestamp\":\"" + clientTimestamp + "\",\"sentAt\":\"" + clientSentAt + "\"}",
                    EventType.IDENTIFY, new Acceptance("project-1", null, eventTime.plusSeconds(6), null, null));

            assertThat(time(accepted, "timestamp")).isEqualTo(eventTime.plusSeconds(1));
            assertThat(time(accepted, "originalTimestamp")).isEqualTo(clientTimestamp);
        }

        @Test
        void acceptKeepsTheClientTimestampWithoutSentAt() throws Exception {
            Instant clientTimestamp = eventTime.plus(Duration.ofHours(1));

            ObjectNode accepted = accept("{\"userId\":\"user-1\",\"timestamp\":\"" + clientTimestamp + "\"}",
                    EventType.IDENTIFY, new Acceptance("project-1", null, eventTime.plusSeconds(6), null, null));

            assertThat(time(accepted, "timestamp")).isEqualTo(clientTimestamp);
            assertThat(accepted.has("sentAt")).isFalse();
        }

        @Test
        void correctsTimestampsCenturiesBeforeSentAt() {
            // .NET clients send DateTime.MinValue for unset dates
            Instant minimumDotNetDate = Instant.parse("0001-01-01T00:00:00Z");
            Instant clientSentAt = Instant.parse("2026-01-31T12:00:00Z");

            Instant corrected = SegmentEvents.correctedTimestamp(Optional.of(minimumDotNetDate), Optional.of(clientSentAt), clientSentAt.plusSeconds(2));

            assertThat(corrected).isEqualTo(Instant.parse("0001-01-01T00:00:02Z"));
        }

        @Test
        void acceptCorrectsATimestampCenturiesBeforeSentAt() throws Exception {
            ObjectNode accepted = accept("{\"userId\":\"user-1\",\"timestamp\":\"0001-01-01T00:00:00Z\",\"sentAt\":\"" + SERVER_TIME + "\"}",
                    EventType.IDENTIFY, new Acceptance("project-1", null, SERVER_TIME.plusSeconds(2), null, null));

            assertThat(time(accepted, "timestamp")).isEqualTo(Instant.parse("0001-01-01T00:00:02Z"));
            assertThat(time(accepted, "originalTimestamp")).isEqualTo(Instant.parse("0001-01-01T00:00:00Z"));
        }

        @Test
        void acceptRefusesAClientDelaySoLongThatTheCorrectedTimestampCannotBeStored() {
            ObjectNode event = event("{\"userId\":\"user-1\",\"timestamp\":\"-290000-01-01T00:00:00Z\",\"sentAt\":\"+290000-01-01T00:00:00Z\"}");

            EventValidationException exception = catchThrowableOfType(EventValidationException.class,
                    () -> SegmentEvents.accept(event, EventType.IDENTIFY, new Acceptance("project-1", null, SERVER_TIME, null, null)));

            assertThat(exception).isNotNull();
            assertThat(exception.problem().field()).isEqualTo("/timestamp");
        }

        @Test
        void acceptUsesTheReceiveTimeWithoutClientTimestamp() throws Exception {
            Instant receivedAt = eventTime.plusSeconds(6);

            ObjectNode accepted = accept("{\"userId\":\"user-1\"}", EventType.IDENTIFY, new Acceptance("project-1", null, receivedAt, null, null));

            assertThat(time(accepted, "timestamp")).isEqualTo(receivedAt);
            assertThat(accepted.has("originalTimestamp")).isFalse();
        }
    }

    @Nested
    class FromWire {
        @Test
        void readsBackAnAcceptedEvent() throws Exception {
            Instant clientTimestamp = Instant.parse("2026-01-31T13:00:00.123456Z");
            Instant clientSentAt = clientTimestamp.plusSeconds(5);
            Instant receivedAt = Instant.parse("2026-01-31T12:00:06.000789Z");
            ObjectNode accepted = accept("{\"userId\":\"user-1\",\"anonymousId\":\"anonymous-1\",\"event\":\"Order Completed\","
                            + "\"messageId\":\"message-1\",\"timestamp\":\"" + clientTimestamp + "\",\"sentAt\":\"" + clientSentAt + "\","
                            + "\"properties\":{\"total\":12.5,\"currency\":\"EUR\"},\"context\":{\"locale\":\"fr-FR\"}}",
                    EventType.TRACK, new Acceptance("project-1", "web", receivedAt, null, null));

            CollectedEvent collected = SegmentEvents.fromWire(SegmentEvents.mapper().writeValueAsBytes(accepted));

            assertThat(collected.projectId()).isEqualTo("project-1");
            assertThat(collected.source()).isEqualTo("web");
            assertThat(collected.messageId()).isEqualTo("message-1");
            assertThat(collected.type()).isEqualTo("track");
            assertThat(collected.event()).isEqualTo("Order Completed");
            assertThat(collected.userId()).isEqualTo("user-1");
            assertThat(collected.anonymousId()).isEqualTo("anonymous-1");
            assertThat(collected.groupId()).isNull();
            assertThat(collected.previousId()).isNull();
            assertThat(collected.timestampMicros()).isEqualTo(SegmentEvents.micros(Instant.parse("2026-01-31T12:00:01.000789Z")));
            assertThat(collected.originalTimestampMicros()).isEqualTo(SegmentEvents.micros(clientTimestamp));
            assertThat(collected.sentAtMicros()).isEqualTo(SegmentEvents.micros(clientSentAt));
            assertThat(collected.receivedAtMicros()).isEqualTo(SegmentEvents.micros(receivedAt));
            assertThat(SegmentEvents.mapper().readTree(collected.properties())).isEqualTo(event("{\"total\":12.5,\"currency\":\"EUR\"}"));
            assertThat(SegmentEvents.mapper().readTree(collected.context())).isEqualTo(event("{\"locale\":\"fr-FR\"}"));
            assertThat(collected.traits()).isNull();
            assertThat(collected.dedupKey()).isEqualTo("project-1\u0000message-1");
        }

        @Test
        void marksClientTimesThatWereNotSentAsAbsent() throws Exception {
            ObjectNode accepted = accept("{\"anonymousId\":\"anonymous-1\",\"name\":\"Home\"}", EventType.SCREEN,
                    new Acceptance("project-1", null, SERVER_TIME, null, null));

            CollectedEvent collected = SegmentEvents.fromWire(SegmentEvents.mapper().writeValueAsBytes(accepted));

            assertThat(collected.type()).isEqualTo("screen");
            assertThat(collected.name()).isEqualTo("Home");
            assertThat(collected.source()).isNull();
            assertThat(collected.userId()).isNull();
            assertThat(collected.originalTimestampMicros()).isEqualTo(CollectedEvent.ABSENT_TIME);
            assertThat(collected.sentAtMicros()).isEqualTo(CollectedEvent.ABSENT_TIME);
            assertThat(collected.timestampMicros()).isEqualTo(SegmentEvents.micros(SERVER_TIME));
        }

        @Test
        void refusesARecordThatIsNotJson() {
            EventProblem problem = wireProblem("this is not JSON");

            assertThat(problem.field()).isEmpty();
            assertThat(problem.detail()).contains("JSON");
        }

        @Test
        void refusesAnEmptyRecord() {
            assertThat(wireProblem("").field()).isEmpty();
        }

        @Test
        void refusesARecordWithoutProject() {
            EventProblem problem = wireProblem(
                    "{\"type\":\"identify\",\"userId\":\"user-1\",\"messageId\":\"message-1\",\"receivedAt\":\"2026-01-31T12:00:00Z\"}");

            assertThat(problem.field()).isEqualTo("/projectId");
        }

        @Test
        void refusesARecordWithoutReceivedAt() {
            EventProblem problem = wireProblem(
                    "{\"type\":\"identify\",\"userId\":\"user-1\",\"messageId\":\"message-1\",\"projectId\":\"project-1\"}");

            assertThat(problem.field()).isEqualTo("/receivedAt");
        }

        @Test
        void refusesARecordWithoutMessageId() {
            EventProblem problem = wireProblem(
                    "{\"type\":\"identify\",\"userId\":\"user-1\",\"projectId\":\"project-1\",\"receivedAt\":\"2026-01-31T12:00:00Z\"}");

            assertThat(problem.field()).isEqualTo("/messageId");
        }

        @Test
        void readsTimesCenturiesAwayFromTheEpoch() throws Exception {
            CollectedEvent collected = SegmentEvents.fromWire(("{\"type\":\"identify\",\"userId\":\"user-1\",\"projectId\":\"project-1\","
                    + "\"messageId\":\"message-1\",\"receivedAt\":\"2026-01-31T12:00:00Z\",\"timestamp\":\"0001-01-01T00:00:00Z\","
                    + "\"originalTimestamp\":\"2300-01-01T00:00:00Z\"}").getBytes(StandardCharsets.UTF_8));

            assertThat(collected.timestampMicros()).isEqualTo(-62_135_596_800_000_000L);
            assertThat(collected.originalTimestampMicros()).isEqualTo(10_413_792_000_000_000L);
        }

        @Test
        void refusesARecordWithATimestampThatDoesNotFitInEpochMicroseconds() {
            EventProblem problem = wireProblem("{\"type\":\"identify\",\"userId\":\"user-1\",\"projectId\":\"project-1\",\"messageId\":\"message-1\","
                    + "\"receivedAt\":\"2026-01-31T12:00:00Z\",\"timestamp\":\"+300000-01-01T00:00:00Z\"}");

            assertThat(problem.field()).isEqualTo("/timestamp");
        }

        @Test
        void appliesTheEventRulesToRecords() {
            EventProblem problem = wireProblem(
                    "{\"type\":\"identify\",\"projectId\":\"project-1\",\"messageId\":\"message-1\",\"receivedAt\":\"2026-01-31T12:00:00Z\"}");

            assertThat(problem.field()).isEqualTo("/userId");
        }
    }

    @Nested
    class Micros {
        @Test
        void countsMicrosecondsSinceTheEpoch() {
            assertThat(SegmentEvents.micros(Instant.EPOCH)).isZero();
            assertThat(SegmentEvents.micros(Instant.parse("2026-01-31T12:00:00.123456Z"))).isEqualTo(1_769_860_800_123_456L);
            assertThat(SegmentEvents.micros(Instant.parse("1969-12-31T23:59:59.999999Z"))).isEqualTo(-1L);
        }

        @Test
        void countsTimesBeyondTheRangeOfNanosecondCounts() {
            assertThat(SegmentEvents.micros(Instant.parse("0001-01-01T00:00:00Z"))).isEqualTo(-62_135_596_800_000_000L);
            assertThat(SegmentEvents.micros(Instant.parse("2300-01-01T00:00:00Z"))).isEqualTo(10_413_792_000_000_000L);
        }
    }

    private static ObjectNode event(String json) {
        try {
            return (ObjectNode) SegmentEvents.mapper().readTree(json);
        }
        catch (Exception e) {
            throw new IllegalArgumentException("Test JSON does not parse: " + json, e);
        }
    }

    private static Acceptance acceptance() {
        return new Acceptance("project-1", "web", SERVER_TIME, null, null);
    }

    private static ObjectNode accept(String json, EventType type, Acceptance acceptance) throws EventValidationException {
        ObjectNode event = event(json);
        SegmentEvents.validate(event, Optional.of(type));
        return SegmentEvents.accept(event, type, acceptance);
    }

    private static Instant time(JsonNode event, String field) {
        assertThat(event.has(field)).as("event has %s", field).isTrue();
        return Instant.parse(event.get(field).textValue());
    }

    private static EventProblem validationProblem(String json, Optional<EventType> expectedType) {
        EventValidationException exception = catchThrowableOfType(EventValidationException.class,
                () -> SegmentEvents.validate(event(json), expectedType));
        assertThat(exception).as("validation of %s should fail", json).isNotNull();
        return exception.problem();
    }

    private static EventProblem wireProblem(String record) {
        EventValidationException exception = catchThrowableOfType(EventValidationException.class,
                () -> SegmentEvents.fromWire(record.getBytes(StandardCharsets.UTF_8)));
        assertThat(exception).as("reading %s should fail", record).isNotNull();
        return exception.problem();
    }

    @ParameterizedTest
    @ValueSource(strings = {"p", "demo-project_1", "ABC-xyz-09", "a123456789012345678901234567890123456789012345678901234567890123"})
    void acceptsProjectIds(String value) {
        assertThat(SegmentEvents.isProjectId(value)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "a b", "../x", "projet-é", "p|q", "a1234567890123456789012345678901234567890123456789012345678901234"})
    void refusesOtherProjectIds(String value) {
        assertThat(SegmentEvents.isProjectId(value)).isFalse();
    }

    @Nested
    class FastTimestampParsing {
        @ParameterizedTest
        @ValueSource(strings = {
                "2026-01-31T12:00:00Z", "2026-01-31T12:00:00.1Z", "2026-01-31T12:00:00.123Z", "2026-01-31T12:00:00.123456Z",
                "2026-01-31T12:00:00.123456789Z", "1970-01-01T00:00:00Z", "1969-12-31T23:59:59.999999Z", "2024-02-29T23:59:59Z",
                "0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999Z"})
        void agreesWithTheJdkParser(String value) {
            assertThat(SegmentEvents.parseUtcFast(value)).isEqualTo(Instant.parse(value));
        }

        @ParameterizedTest
        @ValueSource(strings = {
                "2026-01-31T12:00:00+01:00", "2026-01-31T12:00:00", "2026-02-30T12:00:00Z", "2026-13-01T12:00:00Z",
                "2026-01-31T24:00:00Z", "2026-01-31T12:00:00.Z", "2026-01-31 12:00:00Z", "2026-01-31T12:00:00.12a4Z"})
        void leavesOtherShapesToTheFullParser(String value) {
            assertThat(SegmentEvents.parseUtcFast(value)).isNull();
        }
    }
}
