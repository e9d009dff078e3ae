package io.sillage.api.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.testtools.JavalinTest;
import io.sillage.api.automations.AutomationService;
import io.sillage.api.profiles.ProfileViews;
import io.sillage.api.projects.ProjectCredentials;
import io.sillage.api.templates.TemplateService;
import io.sillage.api.tracking.MessageFeedback;
import io.sillage.api.tracking.TrackingService;
import io.sillage.api.tracking.WriteKeys;
import io.sillage.lakehouse.event.SegmentEvents;
import io.sillage.lakehouse.identity.ProjectIdentityRules;
import io.sillage.lakehouse.messaging.tracking.TrackedMessage;
import io.sillage.lakehouse.messaging.tracking.TrackingLinks;
import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The routes recipients reach from a message, and SparkPost's event webhook. */
class MessageTrackingApiTest {
    private static final Instant NOW = Instant.parse("2026-02-01T12:00:00Z");
    private static final String SECRET = "the-tracking-secret-of-at-least-32-bytes";
    private static final TrackingLinks LINKS = new TrackingLinks("https://t.example.com", SECRET);

    private final RecordingEventPublisher publisher = new RecordingEventPublisher();
    private final InMemoryProjectStore projects = new InMemoryProjectStore();
    private final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(20)).build();
    /** project/profile id to document; merged profiles point at the survivor. */
    private final Map<String, ObjectNode> documents = new HashMap<>();
    private final Map<String, String> merged = new HashMap<>();
    private ProjectCredentials shop;
    private TrackedMessage message;

    private final ProfileViews views = new ProfileViews() {
        @Override
        public Optional<ObjectNode> find(String projectId, String identifier) {
            return Optional.empty();
        }

        @Override
        public Optional<ObjectNode> findById(String projectId, String profileId) {
            String id = profileId;
            while (merged.containsKey(projectId + "/" + id)) {
                id = merged.get(projectId + "/" + id);
            }
            return Optional.ofNullable(documents.get(projectId + "/" + id));
        }
    };

    @BeforeEach
    void createProject() {
        shop = projects.create("shop", "web");
        message = new TrackedMessage(shop.projectId(), "msg_1", "prf_old", "email", "automation", "aut_cart");
        merged.put(shop.projectId() + "/prf_old", "prf_1");
        profile("prf_1", "{\"type\":\"email\",\"value\":\"jane@example.com\"}", "{\"type\":\"user_id\",\"value\":\"user-9\"}");
    }

    @Test
    void theOpenPixelRecordsAnOpenAttributedToTheSurvivingProfilesUserId() {
        withApp(true, server -> {
            HttpResponse<byte[]> response = http.send(request(server, "/t/o/" + LINKS.token(message)).GET().build(), BodyHandlers.ofByteArray());

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("image/gif"));
            assertThat(response.headers().firstValue("Cache-Control")).hasValueSatisfying(value -> assertThat(value).contains("no-store"));
            assertThat(response.body()).hasSize(43).startsWith('G', 'I', 'F', '8', '9', 'a');
            JsonNode event = onlyEvent();
            assertThat(event.get("type").textValue()).isEqualTo("track");
            assertThat(event.get("event").textValue()).isEqualTo("Email Opened");
            assertThat(event.get("userId").textValue()).isEqualTo("user-9");
            assertThat(event.get("projectId").textValue()).isEqualTo(shop.projectId());
            assertThat(event.get("source").textValue()).isEqualTo("sillage-tracking");
            assertThat(event.get("messageId").textValue()).isNotBlank();
            assertThat(Instant.parse(event.get("receivedAt").textValue())).isEqualTo(NOW);
            assertThat(event.get("properties")).isEqualTo(json("""
                    {"message_id":"msg_1","channel":"email","source_type":"automation","source_id":"aut_cart"}"""));
            assertThat(event.at("/context/sillage/message")).isEqualTo(json("""
                    {"messageId":"msg_1","status":"opened","channel":"email","sourceType":"automation","sourceId":"aut_cart","profileId":"prf_old"}"""));
            assertThat(publisher.publishedEvents().get(0).key()).isEqualTo(shop.projectId() + ":user-9");
        });
    }

    @Test
    void aTamperedTokenAnswers400AndRecordsNothing() {
        withApp(true, server -> {
            String token = LINKS.token(message);
            String tampered = token.substring(0, 5) + (token.charAt(5) == 'A' ? 'B' : 'A') + token.substring(6);
            String forged = new TrackingLinks("https://t.example.com", SECRET + "-other").token(message);

            JsonNode problem = problem(send(request(server, "/t/o/" + tampered).GET()), 400);
            assertThat(problem.get("type").textValue()).isEqualTo("https://sillage.dev/problems/invalid-tracking-link");
            assertThat(problem.get("detail").textValue()).isEqualTo("bad token signature");
            assertThat(problem(send(request(server, "/t/u/" + forged).POST(BodyPublishers.ofString("List-Unsubscribe=One-Click"))), 400)
                    .get("detail").textValue()).isEqualTo("bad token signature");
            assertThat(problem(send(request(server, "/t/o/garbage").GET()), 400).get("detail").textValue()).isEqualTo("malformed token");

            HttpResponse<String> page = send(request(server, "/t/u/" + tampered).header("Accept", "text/html,application/xhtml+xml").GET());
            assertThat(page.statusCode()).isEqualTo(400);
            assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html;charset=utf-8");
            assertThat(page.body()).contains("This link is not valid").doesNotContain(tampered);
            assertThat(publisher.publishedEvents()).isEmpty();
        });
    }

    @Test
    void aClickRedirectsToItsSignedTargetAndRecordsTheUrl() {
        withApp(true, server -> {
            String target = "https://shop.example.com/cart?id=1&utm_source=email";
            String clickUrl = LINKS.forMessage(message).clickUrl(target);
            HttpResponse<String> response = send(request(server, URI.create(clickUrl).getRawPath() + "?" + URI.create(clickUrl).getRawQuery()).GET());

            assertThat(response.statusCode()).isEqualTo(302);
            assertThat(response.headers().firstValue("Location")).hasValue(target);
            JsonNode event = onlyEvent();
            assertThat(event.get("event").textValue()).isEqualTo("Email Link Clicked");
            assertThat(event.at("/properties/url").textValue()).isEqualTo(target);
            assertThat(event.at("/properties/message_id").textValue()).isEqualTo("msg_1");
            assertThat(event.at("/context/sillage/message/status").textValue()).isEqualTo("clicked");
        });
    }

    @Test
    void aClickNeverRedirectsToATargetItsSignatureDoesNotCover() {
        withApp(true, server -> {
            String clickUrl = LINKS.forMessage(message).clickUrl("https://shop.example.com/cart");
            String signature = query(clickUrl).get("s");
            String path = "/t/c/" + LINKS.token(message);

            HttpResponse<String> evil = send(request(server, path + "?u=" + URLEncoder.encode("https://evil.example.net/", StandardCharsets.UTF_8) + "&s=" + signature).GET());
            assertThat(problem(evil, 400).get("detail").textValue()).isEqualTo("bad click signature");
            assertThat(evil.headers().firstValue("Location")).isEmpty();
            assertThat(problem(send(request(server, path + "?u=" + URLEncoder.encode("https://shop.example.com/cart", StandardCharsets.UTF_8)).GET()), 400)
                    .get("detail").textValue()).isEqualTo("bad click signature");
            assertThat(problem(send(request(server, path).GET()), 400).get("detail").textValue()).isEqualTo("the click URL has no target (u)");
            assertThat(publisher.publishedEvents()).isEmpty();
        });
    }

    @Test
    void aClickStillRedirectsWhenTheEventBusIsDown() {
        publisher.failEverything();
        withApp(true, server -> {
            String clickUrl = LINKS.forMessage(message).clickUrl("https://shop.example.com/cart");
            HttpResponse<String> response = send(request(server, URI.create(clickUrl).getRawPath() + "?" + URI.create(clickUrl).getRawQuery()).GET());
            assertThat(response.statusCode()).isEqualTo(302);
            assertThat(response.headers().firstValue("Location")).hasValue("https://shop.example.com/cart");
        });
    }

    @Test
    void theUnsubscribePageAsksAndThePostUnsubscribesIdempotently() {
        withApp(true, server -> {
            String path = "/t/u/" + LINKS.token(message);
            HttpResponse<String> page = send(request(server, path).header("Accept", "text/html").GET());
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html;charset=utf-8");
            assertThat(page.body()).contains("<form method=\"post\">").contains("<button type=\"submit\">Unsubscribe</button>");
            assertThat(publisher.publishedEvents()).as("a GET (a link scanner) changes nothing").isEmpty();

            for (int time = 0; time < 2; time++) {
                // the RFC 8058 one-click POST of a mail client, then the page's button
                HttpResponse<String> done = send(request(server, path).header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(BodyPublishers.ofString(time == 0 ? "List-Unsubscribe=One-Click" : "")));
                assertThat(done.statusCode()).isEqualTo(200);
                assertThat(done.body()).contains("You are unsubscribed");
            }
            assertThat(publisher.publishedEvents()).hasSize(2);
            JsonNode event = json(publisher.publishedEvents().get(0).value());
            assertThat(event.get("event").textValue()).isEqualTo("Subscription Changed");
            assertThat(event.get("userId").textValue()).isEqualTo("user-9");
            assertThat(event.get("properties")).isEqualTo(json("""
                    {"message_id":"msg_1","channel":"email","source_type":"automation","source_id":"aut_cart","status":"unsubscribed","source":"unsubscribe_link"}"""));
            assertThat(event.at("/context/sillage/message/status").textValue()).isEqualTo("unsubscribed");
            assertThat(json(publisher.publishedEvents().get(1).value()).get("properties")).isEqualTo(event.get("properties"));
        });
    }

    @Test
    void anUnsubscribeTheBusDidNotTakeIsNotConfirmed() {
        publisher.failEverything();
        withApp(true, server -> {
            HttpResponse<String> response = send(request(server, "/t/u/" + LINKS.token(message)).POST(BodyPublishers.ofString("List-Unsubscribe=One-Click")));
            assertThat(response.statusCode()).isEqualTo(503);
            assertThat(response.body()).contains("Please try again").doesNotContain("You are unsubscribed");
        });
    }

    @Test
    void withoutAUserIdTheEmailAddressNamesThePerson() {
        profile("prf_2", "{\"type\":\"email\",\"value\":\"ann@example.com\"}", "{\"type\":\"anonymous_id\",\"value\":\"device-1\"}");
        profile("prf_3", "{\"type\":\"anonymous_id\",\"value\":\"device-2\"}");
        withApp(true, server -> {
            for (String profile : List.of("prf_2", "prf_3", "prf_gone")) {
                TrackedMessage other = new TrackedMessage(shop.projectId(), "msg_2", profile, "email", "automation", "aut_cart");
                assertThat(send(request(server, "/t/o/" + LINKS.token(other)).GET()).statusCode()).isEqualTo(200);
            }
            List<JsonNode> events = publisher.publishedEvents().stream().map(event -> json(event.value())).toList();
            assertThat(events).as("an erased profile's open is not recorded").hasSize(2);
            assertThat(events.get(0).has("userId")).isFalse();
            assertThat(events.get(0).get("anonymousId").textValue()).isEqualTo("device-1");
            assertThat(events.get(0).at("/context/traits/email").textValue()).isEqualTo("ann@example.com");
            assertThat(events.get(1).get("anonymousId").textValue()).isEqualTo("device-2");
            assertThat(events.get(1).at("/context/traits").isMissingNode()).isTrue();
        });
    }

    @Test
    void withoutATrackingSecretTheTokenRoutesAreNotThere() {
        withApp(false, server -> {
            JsonNode problem = problem(send(request(server, "/t/o/" + LINKS.token(message)).GET()), 404);
            assertThat(problem.get("detail").textValue()).contains("messaging.tracking-secret");
        });
    }

    @Test
    void sparkPostEventsBecomeDeliveredBouncedAndSpamEvents() {
        withApp(false, server -> {
            String meta = "{\"message_id\":\"msg_1\",\"project_id\":\"" + shop.projectId() + "\",\"profile_id\":\"prf_old\",\"channel\":\"email\","
                    + "\"source_type\":\"automation\",\"source_id\":\"aut_cart\"}";
            String body = "[{\"msys\":{}},"
                    + "{\"msys\":{\"message_event\":{\"type\":\"delivery\",\"event_id\":\"e1\",\"timestamp\":\"1769947200\",\"rcpt_to\":\"jane@example.com\",\"rcpt_meta\":" + meta + "}}},"
                    + "{\"msys\":{\"message_event\":{\"type\":\"bounce\",\"event_id\":\"e2\",\"bounce_class\":\"10\",\"rcpt_to\":\"jane@example.com\",\"rcpt_meta\":" + meta + "}}},"
                    + "{\"msys\":{\"message_event\":{\"type\":\"bounce\",\"event_id\":\"e3\",\"bounce_class\":21,\"rcpt_to\":\"Bob@Example.com\"}}},"
                    + "{\"msys\":{\"message_event\":{\"type\":\"spam_complaint\",\"event_id\":\"e4\",\"rcpt_to\":\"jane@example.com\",\"rcpt_metadata\":" + meta + "}}},"
                    + "{\"msys\":{\"message_event\":{\"type\":\"injection\",\"rcpt_to\":\"jane@example.com\"}}},"
                    + "{\"msys\":{\"track_event\":{\"type\":\"open\",\"rcpt_to\":\"jane@example.com\"}}}]";
            HttpResponse<String> response = postWebhook(server, body, shop.writeKey());

            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            assertThat(json(response.body())).isEqualTo(json("{\"accepted\":4,\"ignored\":0}"));
            List<JsonNode> events = publisher.publishedEvents().stream().map(event -> json(event.value())).toList();
            assertThat(events).extracting(event -> event.get("event").textValue())
                    .containsExactly("Email Delivered", "Email Bounced", "Email Bounced", "Email Marked as Spam");
            assertThat(events).extracting(event -> event.get("messageId").textValue()).containsExactly("sparkpost-e1", "sparkpost-e2", "sparkpost-e3", "sparkpost-e4");
            assertThat(events).allSatisfy(event -> assertThat(event.get("source").textValue()).isEqualTo("sparkpost"));

            JsonNode delivered = events.get(0);
            assertThat(delivered.get("userId").textValue()).isEqualTo("user-9");
            assertThat(delivered.get("timestamp").textValue()).isEqualTo("2026-02-01T12:00:00Z");
            assertThat(delivered.at("/context/sillage/message")).isEqualTo(json("""
                    {"messageId":"msg_1","status":"delivered","channel":"email","sourceType":"automation","sourceId":"aut_cart","profileId":"prf_old"}"""));
            assertThat(events.get(1).get("properties")).isEqualTo(json("""
                    {"message_id":"msg_1","channel":"email","source_type":"automation","source_id":"aut_cart","provider":"sparkpost","bounce_class":"10","bounce_type":"hard"}"""));
            assertThat(events.get(1).at("/context/sillage/message/status").textValue()).isEqualTo("bounced");

            JsonNode unknownMessage = events.get(2);
            assertThat(unknownMessage.get("properties")).isEqualTo(json("{\"provider\":\"sparkpost\",\"bounce_class\":\"21\",\"bounce_type\":\"soft\"}"));
            assertThat(unknownMessage.at("/context/traits/email").textValue()).isEqualTo("Bob@Example.com");
            assertThat(unknownMessage.at("/context/sillage").isMissingNode()).as("no message to put a status on").isTrue();
            assertThat(events.get(3).at("/context/sillage/message/status").textValue()).isEqualTo("complained");
        });
    }

    @Test
    void theSparkPostWebhookNeedsTheWriteKeyAndAWellFormedBatchOfItsOwnProject() {
        ProjectCredentials other = projects.create("other", "web");
        withApp(false, server -> {
            String event = "{\"msys\":{\"message_event\":{\"type\":\"delivery\",\"rcpt_to\":\"jane@example.com\",\"rcpt_meta\":{\"message_id\":\"msg_1\",\"project_id\":\"" + other.projectId() + "\"}}}}";
            assertThat(problem(send(request(server, "/v1/providers/sparkpost/events").POST(BodyPublishers.ofString("[]"))), 401).get("detail").textValue())
                    .contains("Basic");
            assertThat(problem(postWebhook(server, "[]", "unknown-key-123"), 401).get("detail").textValue()).isEqualTo("unknown write key");

            JsonNode foreign = problem(postWebhook(server, "[{\"msys\":{}}," + event + "]", shop.writeKey()), 400);
            assertThat(foreign.get("field").textValue()).isEqualTo("/1/msys/message_event/rcpt_meta/project_id");
            assertThat(foreign.get("detail").textValue()).contains("another project");

            assertThat(problem(postWebhook(server, "{\"msys\":{}}", shop.writeKey()), 400).get("detail").textValue()).contains("JSON array");
            assertThat(problem(postWebhook(server, "[{\"msys\":{\"message_event\":{\"type\":\"bounce\",\"rcpt_to\":\"a@example.com\"}}}]", shop.writeKey()), 400)
                    .get("field").textValue()).isEqualTo("/0/msys/message_event/bounce_class");
            assertThat(problem(postWebhook(server, "[{\"msys\":{\"message_event\":{\"type\":\"delivery\"}}}]", shop.writeKey()), 400)
                    .get("field").textValue()).isEqualTo("/0/msys/message_event/rcpt_to");
            assertThat(problem(postWebhook(server, "[{\"msys\":{\"message_event\":{\"type\":\"delivery\",\"rcpt_to\":\"a@example.com\",\"timestamp\":\"yesterday\"}}}]",
                    shop.writeKey()), 400).get("field").textValue()).isEqualTo("/0/msys/message_event/timestamp");
            assertThat(problem(postWebhook(server, "[1]", shop.writeKey()), 400).get("field").textValue()).isEqualTo("/0/msys");
            assertThat(problem(postWebhook(server, "[", shop.writeKey()), 400).get("type").textValue()).endsWith("/invalid-json");
            // the batch is checked before anything is recorded
            assertThat(publisher.publishedEvents()).isEmpty();
        });
    }

    @Test
    void theOpenApiDocumentDescribesTheRoutes() {
        withApp(false, server -> {
            JsonNode paths = json(send(request(server, "/api/v1/openapi.json").GET()).body()).get("paths");
            assertThat(paths.at("/~1t~1o~1{token}/get/security")).isEmpty();
            assertThat(paths.at("/~1t~1c~1{token}/get/responses/302").isObject()).isTrue();
            assertThat(paths.at("/~1t~1u~1{token}/post/responses/200").isObject()).isTrue();
            assertThat(paths.at("/~1v1~1providers~1sparkpost~1events/post/security/0").has("writeKey")).isTrue();
        });
    }

    private void profile(String profileId, String... identifiers) {
        documents.put(shop.projectId() + "/" + profileId, (ObjectNode) json("{\"profileId\":\"" + profileId + "\",\"identifiers\":[" + String.join(",", identifiers) + "]}"));
    }

    private JsonNode onlyEvent() {
        assertThat(publisher.publishedEvents()).hasSize(1);
        return json(publisher.publishedEvents().get(0).value());
    }

    private interface ServerTest {
        void run(Javalin server) throws Exception;
    }

    private void withApp(boolean tracking, ServerTest test) {
        TrackingService service = new TrackingService(publisher, clock, 1_000, 5_000);
        WriteKeys writeKeys = new WriteKeys(projects, clock, Duration.ofMinutes(1), Duration.ofSeconds(5));
        ProfileHandlers profiles = new ProfileHandlers(projects, views, Optional.empty(), service, ProjectIdentityRules.defaults());
        AutomationHandlers automations = new AutomationHandlers(projects, new AutomationService(new InMemoryAutomationStore(), new RecordingAutomationPublisher(), clock));
        MessageTrackingHandlers messageTracking = new MessageTrackingHandlers(tracking ? Optional.of(LINKS) : Optional.empty(),
                new MessageFeedback(service, views), writeKeys);
        try {
            JavalinTest.test(SillageApp.create(new TrackingHandlers(service, writeKeys), profiles, automations, MessagingFakes.templates(projects, clock),
                    MessagingFakes.connectors(projects, clock), messageTracking),
                    (server, client) -> test.run(server));
        }
        finally {
            publisher.close();
        }
    }

    private HttpResponse<String> postWebhook(Javalin server, String body, String writeKey) throws IOException, InterruptedException {
        return send(request(server, "/v1/providers/sparkpost/events")
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString((writeKey + ":").getBytes(StandardCharsets.UTF_8)))
                .header("Content-Type", "application/json")
                .POST(BodyPublishers.ofString(body)));
    }

    private static HttpRequest.Builder request(Javalin server, String path) {
        return HttpRequest.newBuilder(URI.create("http://localhost:" + server.port() + path)).timeout(Duration.ofSeconds(20));
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return http.send(request.build(), BodyHandlers.ofString());
    }

    private static Map<String, String> query(String url) {
        Map<String, String> query = new HashMap<>();
        for (String pair : URI.create(url).getRawQuery().split("&")) {
            int equals = pair.indexOf('=');
            query.put(pair.substring(0, equals), URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8));
        }
        return query;
    }

    private static JsonNode problem(HttpResponse<String> response, int status) {
        assertThat(response.statusCode()).as("status of a call answered %s", response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        return json(response.body());
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
}
