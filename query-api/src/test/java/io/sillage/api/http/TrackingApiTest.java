package io.sillage.api.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.testtools.JavalinTest;
import io.javalin.testtools.TestCase;
import io.sillage.api.automations.AutomationService;
import io.sillage.api.projects.ProjectCredentials;
import io.sillage.api.templates.TemplateService;
import io.sillage.api.tracking.EventPublisher.OutgoingEvent;
import io.sillage.api.tracking.TrackingService;
import io.sillage.api.tracking.WriteKeys;
import io.sillage.lakehouse.event.SegmentEvents;
import io.sillage.lakehouse.identity.ProjectIdentityRules;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TrackingApiTest {
    private static final Instant NOW = Instant.parse("2026-02-01T12:00:00Z");
    private static final Duration WAIT_LIMIT = Duration.ofSeconds(20);

    private final RecordingEventPublisher publisher = new RecordingEventPublisher();
    private final InMemoryProjectStore projects = new InMemoryProjectStore();
    private final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(WAIT_LIMIT)
            .build();
    private ProjectCredentials shop;

    @BeforeEach
    void createProject() {
        shop = projects.create("shop", "web");
    }

    @Test
    void rejectsABatchWhoseContextPushesAnEventOverTheLimit() {
        withApp(server -> {
            String context = "{\"blob\":\"" + "x".repeat(20 * 1024) + "\"}";
            String ownContext = "{\"note\":\"" + "y".repeat(20 * 1024) + "\"}";
            HttpResponse<String> response = post(server, "/v1/batch", "{\"context\":" + context + ",\"batch\":["
                    + "{\"type\":\"page\",\"userId\":\"u\"},"
                    + "{\"type\":\"page\",\"userId\":\"u\",\"context\":" + ownContext + "}]}", shop.writeKey());

            assertThat(response.statusCode()).isEqualTo(413);
            assertThat(json(response.body()).get("index").intValue()).isEqualTo(1);
            assertThat(publisher.publishCalls()).isEmpty();
        });
    }

    @Test
    void malformedWriteKeysNeverReachTheStore() {
        withApp(server -> {
            int lookups = projects.writeKeyLookups();
            HttpResponse<String> response = post(server, "/v1/track", "{\"userId\":\"u\",\"event\":\"e\"}", "k".repeat(5000));

            assertThat(response.statusCode()).isEqualTo(401);
            assertThat(projects.writeKeyLookups()).isEqualTo(lookups);
        });
    }

    @Test
    void acceptsATrackCallAuthenticatedWithBasicAuth() {
        withApp(server -> {
            HttpResponse<String> response = post(server, "/v1/track",
                    "{\"userId\":\"user-1\",\"event\":\"Order Completed\",\"properties\":{\"total\":12.5}}", shop.writeKey());

            assertSuccess(response);
            assertThat(publisher.publishCalls()).hasSize(1);
            OutgoingEvent published = publisher.publishedEvents().get(0);
            assertThat(published.key()).isEqualTo(shop.projectId() + ":user-1");
            JsonNode event = json(published.value());
            assertThat(event.get("projectId").textValue()).isEqualTo(shop.projectId());
            assertThat(event.get("source").textValue()).isEqualTo("web");
            assertThat(event.get("type").textValue()).isEqualTo("track");
            assertThat(event.get("event").textValue()).isEqualTo("Order Completed");
            assertThat(event.get("messageId").textValue()).isNotBlank();
            assertThat(Instant.parse(event.get("receivedAt").textValue())).isEqualTo(NOW);
            assertThat(Instant.parse(event.get("timestamp").textValue())).isEqualTo(NOW);
            assertThat(event.get("properties")).isEqualTo(json("{\"total\":12.5}"));
        });
    }

    @Test
    void clientsCannotSupplyTheReservedSillageContext() {
        withApp(server -> {
            String forged = "\"sillage\":{\"message\":{\"messageId\":\"msg_1\",\"status\":\"opened\",\"channel\":\"email\",\"sourceType\":\"automation\",\"sourceId\":\"aut_1\",\"profileId\":\"p\"}}";
            assertSuccess(post(server, "/v1/track", "{\"userId\":\"u\",\"event\":\"Email Opened\",\"context\":{\"ip\":\"1.2.3.4\"," + forged + "}}", shop.writeKey()));
            assertSuccess(post(server, "/v1/batch", "{\"context\":{" + forged + "},\"batch\":[{\"type\":\"track\",\"userId\":\"u\",\"event\":\"Email Opened\"}]}", shop.writeKey()));

            List<OutgoingEvent> events = publisher.publishedEvents();
            assertThat(events).hasSize(2);
            JsonNode single = json(events.get(0).value());
            assertThat(single.at("/context/ip").textValue()).as("the rest of the context stays").isEqualTo("1.2.3.4");
            assertThat(single.at("/context").has("sillage")).isFalse();
            assertThat(json(events.get(1).value()).at("/context").has("sillage")).as("nor through the batch context").isFalse();
        });
    }

    @Test
    void acceptsATrackCallWithTheWriteKeyInTheBody() {
        withApp(server -> {
            HttpResponse<String> response = send(request(server, "/v1/track")
                    .POST(BodyPublishers.ofString("{\"writeKey\":\"" + shop.writeKey() + "\",\"anonymousId\":\"anonymous-1\",\"event\":\"Viewed\",\"messageId\":\"message-1\"}")));

            assertSuccess(response);
            JsonNode event = json(publisher.publishedEvents().get(0).value());
            assertThat(event.get("projectId").textValue()).isEqualTo(shop.projectId());
            assertThat(event.get("messageId").textValue()).isEqualTo("message-1");
            assertThat(event.get("anonymousId").textValue()).isEqualTo("anonymous-1");
            assertThat(event.has("writeKey")).as("the write key must not travel with the event").isFalse();
        });
    }

    @Test
    void takesTheTypeFromTheEndpoint() {
        withApp(server -> {
            assertSuccess(post(server, "/v1/identify", "{\"userId\":\"user-1\",\"traits\":{\"plan\":\"pro\"}}", shop.writeKey()));
            assertSuccess(post(server, "/v1/t", "{\"userId\":\"user-1\",\"event\":\"Viewed\"}", shop.writeKey()));

            assertThat(publisher.publishedEvents()).extracting(event -> json(event.value()).get("type").textValue())
                    .containsExactly("identify", "track");
        });
    }

    @Test
    void refusesATypeThatDoesNotMatchTheEndpoint() {
        withApp(server -> {
            JsonNode problem = problem(post(server, "/v1/identify", "{\"type\":\"track\",\"userId\":\"user-1\",\"event\":\"Viewed\"}", shop.writeKey()), 400);

            assertThat(problem.get("field").textValue()).isEqualTo("/type");
            assertThat(publisher.publishCalls()).isEmpty();
        });
    }

    @Test
    void acceptsABatchWithADateCenturiesBeforeItsSentAt() {
        withApp(server -> {
            // .NET clients send DateTime.MinValue for unset dates; SDKs always send sentAt with a batch
            String batch = "{\"sentAt\":\"2026-02-01T11:59:58Z\",\"batch\":["
                    + "{\"type\":\"identify\",\"userId\":\"user-1\",\"timestamp\":\"0001-01-01T00:00:00Z\"}]}";

            assertSuccess(post(server, "/v1/batch", batch, shop.writeKey()));

            JsonNode event = json(publisher.publishedEvents().get(0).value());
            assertThat(Instant.parse(event.get("timestamp").textValue())).isEqualTo(Instant.parse("0001-01-01T00:00:02Z"));
        });
    }

    @Test
    void refusesATimestampTooFarFromTheEpochToStore() {
        withApp(server -> {
            String event = "{\"userId\":\"user-1\",\"event\":\"Viewed\",\"timestamp\":\"+300000-01-01T00:00:00Z\",\"sentAt\":\"2026-02-01T12:00:00Z\"}";

            JsonNode problem = problem(post(server, "/v1/track", event, shop.writeKey()), 400);

            assertThat(problem.get("field").textValue()).isEqualTo("/timestamp");
            assertThat(publisher.publishCalls()).isEmpty();
        });
    }

    @Test
    void refusesACallWithoutWriteKey() {
        withApp(server -> {
            JsonNode problem = problem(send(request(server, "/v1/track")
                    .POST(BodyPublishers.ofString("{\"userId\":\"user-1\",\"event\":\"Viewed\"}"))), 401);

            assertThat(problem.get("type").textValue()).isEqualTo(ProblemType.UNAUTHORIZED.uri());
            assertThat(problem.get("detail").textValue()).contains("writeKey");
            assertThat(problem.get("instance").textValue()).isEqualTo("/v1/track");
            assertThat(publisher.publishCalls()).isEmpty();
        });
    }

    @Test
    void refusesAnUnknownWriteKey() {
        withApp(server -> {
            JsonNode problem = problem(post(server, "/v1/track", "{\"userId\":\"user-1\",\"event\":\"Viewed\"}", "wk_not-a-key"), 401);

            assertThat(problem.get("detail").textValue()).isEqualTo("unknown write key");
            assertThat(publisher.publishCalls()).isEmpty();
        });
    }

    @Test
    void looksUpAWriteKeyOnceForManyCalls() {
        withApp(server -> {
            for (int call = 0; call < 3; call++) {
                assertSuccess(post(server, "/v1/track", "{\"userId\":\"user-1\",\"event\":\"Viewed\"}", shop.writeKey()));
            }

            assertThat(projects.writeKeyLookups()).isEqualTo(1);
        });
    }

    @Test
    void refusesAWholeBatchWhoseThirdItemHasNoIdentity() {
        withApp(server -> {
            String batch = "{\"batch\":["
                    + "{\"type\":\"track\",\"userId\":\"user-1\",\"event\":\"Viewed\"},"
                    + "{\"type\":\"identify\",\"anonymousId\":\"anonymous-1\"},"
                    + "{\"type\":\"track\",\"event\":\"Viewed\"},"
                    + "{\"type\":\"page\",\"userId\":\"user-2\"}]}";

            JsonNode problem = problem(post(server, "/v1/batch", batch, shop.writeKey()), 400);

            assertThat(problem.get("type").textValue()).isEqualTo(ProblemType.INVALID_EVENT.uri());
            assertThat(problem.get("field").textValue()).isEqualTo("/batch/2/userId");
            assertThat(problem.get("index").intValue()).isEqualTo(2);
            assertThat(problem.get("detail").textValue()).contains("index 2");
            assertThat(publisher.publishCalls()).as("a batch is all or nothing").isEmpty();
        });
    }

    @Test
    void refusesABatchThatIsNotAnArray() {
        withApp(server -> {
            JsonNode problem = problem(post(server, "/v1/batch", "{\"batch\":{\"type\":\"track\"}}", shop.writeKey()), 400);

            assertThat(problem.get("field").textValue()).isEqualTo("/batch");
        });
    }

    @Test
    void publishesABatchInOneCallWithTheBatchContextMergedUnderEachEventContext() {
        withApp(server -> {
            String batch = "{\"context\":{\"ip\":\"203.0.113.7\",\"library\":{\"name\":\"batch-library\"}},\"batch\":["
                    + "{\"type\":\"track\",\"userId\":\"user-1\",\"event\":\"Viewed\",\"context\":{\"library\":{\"name\":\"event-library\"},\"locale\":\"fr-FR\"}},"
                    + "{\"type\":\"identify\",\"anonymousId\":\"anonymous-1\"}]}";

            assertSuccess(post(server, "/v1/batch", batch, shop.writeKey()));

            assertThat(publisher.publishCalls()).hasSize(1);
            List<JsonNode> events = publisher.publishedEvents().stream().map(event -> json(event.value())).toList();
            assertThat(events).hasSize(2);
            assertThat(events.get(0).get("context"))
                    .isEqualTo(json("{\"ip\":\"203.0.113.7\",\"library\":{\"name\":\"event-library\"},\"locale\":\"fr-FR\"}"));
            assertThat(events.get(1).get("context")).isEqualTo(json("{\"ip\":\"203.0.113.7\",\"library\":{\"name\":\"batch-library\"}}"));
            assertThat(events).extracting(event -> event.get("type").textValue()).containsExactly("track", "identify");
            assertThat(events).allSatisfy(event -> assertThat(event.get("projectId").textValue()).isEqualTo(shop.projectId()));
            assertThat(events).extracting(event -> event.get("messageId").textValue()).doesNotHaveDuplicates();
        });
    }

    @Test
    void correctsClockSkewWithTheBatchSentAt() {
        withApp(server -> {
            // the client clock is one hour ahead: the event happened 8 s before the batch was sent
            String batch = "{\"sentAt\":\"2026-02-01T12:59:58Z\",\"batch\":["
                    + "{\"type\":\"track\",\"userId\":\"user-1\",\"event\":\"Viewed\",\"timestamp\":\"2026-02-01T12:59:50Z\"}]}";

            assertSuccess(post(server, "/v1/batch", batch, shop.writeKey()));

            JsonNode event = json(publisher.publishedEvents().get(0).value());
            assertThat(Instant.parse(event.get("timestamp").textValue())).isEqualTo(NOW.minusSeconds(8));
            assertThat(Instant.parse(event.get("originalTimestamp").textValue())).isEqualTo(Instant.parse("2026-02-01T12:59:50Z"));
        });
    }

    @Test
    void acceptsAGzipCompressedBody() {
        withApp(server -> {
            byte[] body = gzip("{\"userId\":\"user-1\",\"event\":\"Compressed\"}");

            HttpResponse<String> response = send(request(server, "/v1/track")
                    .header("Authorization", basicAuth(shop.writeKey()))
                    .header("Content-Encoding", "gzip")
                    .POST(BodyPublishers.ofByteArray(body)));

            assertSuccess(response);
            assertThat(json(publisher.publishedEvents().get(0).value()).get("event").textValue()).isEqualTo("Compressed");
        });
    }

    @Test
    void refusesAnUnsupportedContentEncoding() {
        withApp(server -> {
            HttpResponse<String> response = send(request(server, "/v1/track")
                    .header("Authorization", basicAuth(shop.writeKey()))
                    .header("Content-Encoding", "br")
                    .POST(BodyPublishers.ofString("{\"userId\":\"user-1\",\"event\":\"Viewed\"}")));

            problem(response, 415);
            assertThat(publisher.publishCalls()).isEmpty();
        });
    }

    @Test
    void refusesASingleEventOver32Kilobytes() {
        withApp(server -> {
            String event = "{\"userId\":\"user-1\",\"event\":\"Viewed\",\"properties\":{\"blob\":\"" + "x".repeat(33 * 1024) + "\"}}";

            JsonNode problem = problem(post(server, "/v1/track", event, shop.writeKey()), 413);

            assertThat(problem.get("limitBytes").intValue()).isEqualTo(TrackingService.MAX_EVENT_BYTES);
            assertThat(publisher.publishCalls()).isEmpty();
        });
    }

    @Test
    void refusesABatchOver500Kilobytes() {
        withApp(server -> {
            ObjectNode body = SegmentEvents.mapper().createObjectNode();
            ArrayNode batch = body.putArray("batch");
            for (int index = 0; index < 60; index++) {
                batch.addObject().put("type", "track").put("userId", "user-" + index).put("event", "Viewed")
                        .putObject("properties").put("blob", "x".repeat(10 * 1024));
            }

            JsonNode problem = problem(post(server, "/v1/batch", body.toString(), shop.writeKey()), 413);

            assertThat(problem.get("limitBytes").intValue()).isEqualTo(TrackingService.MAX_BATCH_BYTES);
            assertThat(publisher.publishCalls()).isEmpty();
        });
    }

    @Test
    void refusesABatchItemOver32Kilobytes() {
        withApp(server -> {
            String batch = "{\"batch\":[{\"type\":\"track\",\"userId\":\"user-1\",\"event\":\"Viewed\"},"
                    + "{\"type\":\"track\",\"userId\":\"user-1\",\"event\":\"Viewed\",\"properties\":{\"blob\":\"" + "x".repeat(33 * 1024) + "\"}}]}";

            JsonNode problem = problem(post(server, "/v1/batch", batch, shop.writeKey()), 413);

            assertThat(problem.get("index").intValue()).isEqualTo(1);
            assertThat(publisher.publishCalls()).isEmpty();
        });
    }

    @Test
    void refusesMalformedJson() {
        withApp(server -> {
            JsonNode problem = problem(post(server, "/v1/track", "{\"userId\":\"user-1\",", shop.writeKey()), 400);

            assertThat(problem.get("type").textValue()).isEqualTo(ProblemType.INVALID_JSON.uri());
            assertThat(publisher.publishCalls()).isEmpty();
        });
    }

    @Test
    void refusesABodyThatIsNotAJsonObject() {
        withApp(server -> {
            JsonNode problem = problem(post(server, "/v1/batch", "[{\"type\":\"track\"}]", shop.writeKey()), 400);

            assertThat(problem.get("type").textValue()).isEqualTo(ProblemType.INVALID_JSON.uri());
        });
    }

    @Test
    void asksToRetryABatchLargerThanTheInFlightBound() {
        withApp(1, 5_000, server -> {
            String batch = "{\"batch\":[{\"type\":\"identify\",\"userId\":\"user-1\"},{\"type\":\"identify\",\"userId\":\"user-2\"}]}";

            HttpResponse<String> response = post(server, "/v1/batch", batch, shop.writeKey());

            problem(response, 429);
            assertThat(response.headers().firstValue("Retry-After")).hasValue("1");
            assertThat(publisher.publishCalls()).isEmpty();
            assertSuccess(post(server, "/v1/identify", "{\"userId\":\"user-1\"}", shop.writeKey()));
        });
    }

    @Test
    void asksToRetryWhileEarlierEventsAwaitTheirAcknowledgement() {
        withApp(1, 30_000, server -> {
            publisher.holdAcknowledgements();
            CompletableFuture<HttpResponse<String>> first = http.sendAsync(
                    authenticatedPost(server, "/v1/identify", "{\"userId\":\"user-1\"}").build(), BodyHandlers.ofString());
            assertThat(publisher.awaitPublishCall(WAIT_LIMIT)).as("the first call reaches the event bus").isTrue();

            HttpResponse<String> second = post(server, "/v1/identify", "{\"userId\":\"user-2\"}", shop.writeKey());

            problem(second, 429);
            assertThat(second.headers().firstValue("Retry-After")).hasValue("1");

            publisher.releaseHeldAcknowledgements();
            assertSuccess(first.get(WAIT_LIMIT.toSeconds(), TimeUnit.SECONDS));
            publisher.acknowledgeEverything();
            assertSuccess(post(server, "/v1/identify", "{\"userId\":\"user-3\"}", shop.writeKey()));
        });
    }

    @Test
    void answers503WhenTheEventBusFails() {
        withApp(server -> {
            publisher.failEverything();

            HttpResponse<String> response = post(server, "/v1/track", "{\"userId\":\"user-1\",\"event\":\"Viewed\"}", shop.writeKey());

            JsonNode problem = problem(response, 503);
            assertThat(problem.get("type").textValue()).isEqualTo(ProblemType.UNAVAILABLE.uri());
            assertThat(response.headers().firstValue("Retry-After")).hasValue("5");
        });
    }

    @Test
    void releasesTheInFlightBoundWhenTheEventBusFails() {
        withApp(1, 5_000, server -> {
            publisher.failEverything();
            problem(post(server, "/v1/identify", "{\"userId\":\"user-1\"}", shop.writeKey()), 503);

            publisher.acknowledgeEverything();

            assertSuccess(post(server, "/v1/identify", "{\"userId\":\"user-1\"}", shop.writeKey()));
        });
    }

    @Test
    void answers503WhenTheEventBusNeverAcknowledges() {
        withApp(10, 200, server -> {
            publisher.holdAcknowledgements();

            HttpResponse<String> response = post(server, "/v1/identify", "{\"userId\":\"user-1\"}", shop.writeKey());

            problem(response, 503);
            assertThat(response.headers().firstValue("Retry-After")).hasValue("5");
        });
    }

    @Test
    void answersProblemJsonForAnUnknownRoute() {
        withApp(server -> {
            JsonNode problem = problem(send(request(server, "/v1/unknown").GET()), 404);

            assertThat(problem.get("type").textValue()).isEqualTo(ProblemType.NOT_FOUND.uri());
            assertThat(problem.get("detail").textValue()).contains("/v1/unknown");
        });
    }

    private interface ServerTest {
        void run(Javalin server) throws Exception;
    }

    private void withApp(ServerTest test) {
        withApp(1_000, 5_000, test);
    }

    private void withApp(int maxEventsInFlight, long acknowledgementTimeoutMillis, ServerTest test) {
        TrackingService tracking = new TrackingService(publisher, clock, maxEventsInFlight, acknowledgementTimeoutMillis);
        WriteKeys writeKeys = new WriteKeys(projects, clock, Duration.ofMinutes(1), Duration.ofSeconds(5));
        ProfileHandlers profiles = new ProfileHandlers(projects, (project, identifier) -> Optional.empty(), Optional.empty(), tracking, ProjectIdentityRules.defaults());
        AutomationHandlers automations = new AutomationHandlers(projects, new AutomationService(new InMemoryAutomationStore(), new RecordingAutomationPublisher(), clock));
        Javalin app = SillageApp.create(new TrackingHandlers(tracking, writeKeys), profiles, automations, MessagingFakes.templates(projects, clock),
                MessagingFakes.connectors(projects, clock), NoMessageTracking.handlers(tracking, writeKeys));
        TestCase testCase = (server, client) -> test.run(server);
        try {
            JavalinTest.test(app, testCase);
        }
        finally {
            publisher.close();
        }
    }

    private HttpRequest.Builder request(Javalin server, String path) {
        return HttpRequest.newBuilder(URI.create("http://localhost:" + server.port() + path)).timeout(WAIT_LIMIT);
    }

    private HttpRequest.Builder authenticatedPost(Javalin server, String path, String json) {
        return request(server, path)
                .header("Authorization", basicAuth(shop.writeKey()))
                .header("Content-Type", "application/json")
                .POST(BodyPublishers.ofString(json));
    }

    private HttpResponse<String> post(Javalin server, String path, String json, String writeKey) throws IOException, InterruptedException {
        return send(request(server, path)
                .header("Authorization", basicAuth(writeKey))
                .header("Content-Type", "application/json")
                .POST(BodyPublishers.ofString(json)));
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return http.send(request.build(), BodyHandlers.ofString());
    }

    private static String basicAuth(String writeKey) {
        return "Basic " + Base64.getEncoder().encodeToString((writeKey + ":").getBytes(StandardCharsets.UTF_8));
    }

    private static void assertSuccess(HttpResponse<String> response) {
        assertThat(response.statusCode()).as("status of a call answered %s", response.body()).isEqualTo(200);
        assertThat(json(response.body())).isEqualTo(json("{\"success\":true}"));
    }

    private static JsonNode problem(HttpResponse<String> response, int status) {
        assertThat(response.statusCode()).as("status of a call answered %s", response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        JsonNode problem = json(response.body());
        assertThat(problem.get("status").intValue()).isEqualTo(status);
        assertThat(problem.get("title").textValue()).isNotBlank();
        return problem;
    }

    private static JsonNode json(String text) {
        try {
            return SegmentEvents.mapper().readTree(text);
        }
        catch (IOException e) {
            throw new AssertionError("not JSON: " + text, e);
        }
    }

    private static JsonNode json(byte[] bytes) {
        return json(new String(bytes, StandardCharsets.UTF_8));
    }

    private static byte[] gzip(String text) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
            gzip.write(text.getBytes(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }
}
