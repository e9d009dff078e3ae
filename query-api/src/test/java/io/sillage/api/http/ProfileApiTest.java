package io.sillage.api.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.testtools.JavalinTest;
import io.sillage.api.automations.AutomationService;
import io.sillage.api.profiles.ProfileEvents;
import io.sillage.api.profiles.ProfileViews;
import io.sillage.api.projects.ProjectCredentials;
import io.sillage.api.templates.TemplateService;
import io.sillage.api.tracking.TrackingService;
import io.sillage.api.tracking.WriteKeys;
import io.sillage.lakehouse.event.SegmentEvents;
import io.sillage.lakehouse.identity.ProjectIdentityRules;
import java.net.URI;
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
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The Profile View API against the real Javalin app, with the serving store and Trino replaced by small fakes. */
class ProfileApiTest {
    private final RecordingEventPublisher publisher = new RecordingEventPublisher();
    private final InMemoryProjectStore projects = new InMemoryProjectStore();
    private final Clock clock = Clock.fixed(Instant.parse("2026-11-23T12:00:00Z"), ZoneOffset.UTC);
    private final HttpClient http = HttpClient.newHttpClient();
    /** project -> identifier -> profile document */
    private final Map<String, Map<String, ObjectNode>> profiles = new HashMap<>();
    private final List<ProfileEvents.Query> queries = new ArrayList<>();
    private ProjectCredentials shop;
    private ProjectCredentials other;
    private volatile boolean trinoDown;

    @BeforeEach
    void createProjects() throws Exception {
        shop = projects.create("shop", "web");
        other = projects.create("other", "web");
        ObjectNode jane = (ObjectNode) SegmentEvents.mapper().readTree("""
                {"profileId":"01a2-jane","version":3,"mergedInto":null,
                 "identifiers":[{"type":"anonymous_id","value":"A"},{"type":"user_id","value":"42"},{"type":"email","value":"jane@example.com"}],
                 "traits":{"first_name":"Jane"},"subscriptions":[],"computed":{"eventCount":4},"merges":[]}""");
        Map<String, ObjectNode> shopProfiles = new HashMap<>();
        shopProfiles.put("anonymous_id:A", jane);
        shopProfiles.put("user_id:42", jane);
        shopProfiles.put("email:jane@example.com", jane);
        profiles.put(shop.projectId(), shopProfiles);
    }

    private ProfileViews views() {
        return (project, identifier) -> Optional.ofNullable(profiles.getOrDefault(project, Map.of()).get(identifier)).map(ObjectNode::deepCopy);
    }

    private ProfileEvents events() {
        return query -> {
            if (trinoDown) {
                throw new IllegalStateException("Cannot read events through Trino: connection refused");
            }
            queries.add(query);
            List<ObjectNode> page = new ArrayList<>();
            for (int i = 0; i < query.limit(); i++) {
                page.add(SegmentEvents.mapper().createObjectNode().put("messageId", "m" + i));
            }
            return new ProfileEvents.Page(page, query.after().isEmpty() ? Optional.of(new ProfileEvents.Cursor(1_700_000_000_123_456L, "m9")) : Optional.empty());
        };
    }

    private interface ServerTest {
        void run(Javalin server) throws Exception;
    }

    private void withApp(ServerTest test) {
        TrackingService tracking = new TrackingService(publisher, clock, 1000, 5000);
        WriteKeys writeKeys = new WriteKeys(projects, clock, Duration.ofMinutes(1), Duration.ofSeconds(5));
        ProfileHandlers handlers = new ProfileHandlers(projects, views(), Optional.of(events()), tracking, ProjectIdentityRules.defaults());
        AutomationHandlers automations = new AutomationHandlers(projects, new AutomationService(new InMemoryAutomationStore(), new RecordingAutomationPublisher(), clock));
        JavalinTest.test(SillageApp.create(new TrackingHandlers(tracking, writeKeys), handlers, automations, MessagingFakes.templates(projects, clock),
                MessagingFakes.connectors(projects, clock), NoMessageTracking.handlers(tracking, writeKeys)), (server, client) -> test.run(server));
    }

    private HttpResponse<String> get(Javalin server, String path, String apiKey) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + server.port() + path));
        if (apiKey != null) {
            request.header("Authorization", "Bearer " + apiKey);
        }
        return http.send(request.GET().build(), BodyHandlers.ofString());
    }

    private HttpResponse<String> put(Javalin server, String path, String apiKey, String json) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + server.port() + path))
                .header("Authorization", "Bearer " + apiKey).header("Content-Type", "application/json")
                .PUT(BodyPublishers.ofString(json)).build(), BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> response, int status) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        return SegmentEvents.mapper().readTree(response.body());
    }

    private static JsonNode problem(HttpResponse<String> response, int status) throws Exception {
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        return json(response, status);
    }

    private static String path(String identifier) {
        return "/api/v1/profiles/" + URLEncoder.encode(identifier, StandardCharsets.UTF_8).replace("+", "%20");
    }

    @Test
    void findsTheProfileByAnyIdentifierAfterNormalizing() {
        withApp(server -> {
            for (String identifier : List.of("email:Jane@Example.com ", "user_id:42", "anonymous_id:A")) {
                JsonNode profile = json(get(server, path(identifier), shop.apiKey()), 200);
                assertThat(profile.get("profileId").textValue()).isEqualTo("01a2-jane");
                assertThat(profile.get("traits").get("first_name").textValue()).isEqualTo("Jane");
                assertThat(profile.at("/_links/events").textValue()).endsWith("/events");
            }
            assertThat(json(get(server, path("email:Jane@Example.com"), shop.apiKey()), 200).get("lookedUpBy").textValue())
                    .isEqualTo("email:jane@example.com");
        });
    }

    @Test
    void anotherProjectsKeyGetsNotFoundNeverData() {
        withApp(server -> {
            JsonNode problem = problem(get(server, path("user_id:42"), other.apiKey()), 404);
            assertThat(problem.get("type").textValue()).isEqualTo(ProblemType.NOT_FOUND.uri());
            assertThat(problem.toString()).doesNotContain("01a2-jane").doesNotContain("Jane");
            problem(get(server, path("user_id:43"), shop.apiKey()), 404);
        });
    }

    @Test
    void requiresAnApiKey() {
        withApp(server -> {
            HttpResponse<String> missing = get(server, path("user_id:42"), null);
            assertThat(problem(missing, 401).get("detail").textValue()).contains("Bearer");
            assertThat(missing.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(value -> assertThat(value).startsWith("Bearer"));
            problem(get(server, path("user_id:42"), "sk_unknown"), 401);
            // a write key is not an API key
            problem(get(server, path("user_id:42"), shop.writeKey()), 401);
        });
    }

    @Test
    void malformedIdentifiersAreBadRequestsNamingTheProblem() {
        withApp(server -> {
            assertThat(problem(get(server, path("jane@example.com"), shop.apiKey()), 400).get("detail").textValue()).contains("has no type");
            assertThat(problem(get(server, path("Email:jane@example.com"), shop.apiKey()), 400).get("detail").textValue()).contains("not an identifier type");
            assertThat(problem(get(server, path("crm_id:9"), shop.apiKey()), 400).get("detail").textValue()).contains("not an identifier type of this project");
            assertThat(problem(get(server, path("email:not-an-email"), shop.apiKey()), 400).get("detail").textValue()).contains("not a valid email");
            assertThat(problem(get(server, path("phone:12"), shop.apiKey()), 400).get("detail").textValue()).contains("not a valid phone");
            JsonNode blocked = problem(get(server, path("anonymous_id:undefined"), shop.apiKey()), 400);
            assertThat(blocked.get("detail").textValue()).contains("blocked");
            assertThat(blocked.get("field").textValue()).isEqualTo("identifier");
        });
    }

    @Test
    void pagesTheEventHistoryWithACursorAndALinkHeader() {
        withApp(server -> {
            HttpResponse<String> first = get(server, path("email:jane@example.com") + "/events?limit=3&event=Order%20Completed", shop.apiKey());
            JsonNode page = json(first, 200);
            assertThat(page.get("data")).hasSize(3);
            String next = page.get("next").textValue();
            assertThat(first.headers().firstValue("Link")).hasValueSatisfying(link -> assertThat(link)
                    .contains("cursor=" + next).contains("limit=3").contains("event=Order%20Completed").endsWith("rel=\"next\""));
            ProfileEvents.Query query = queries.get(0);
            assertThat(query.projectId()).isEqualTo(shop.projectId());
            assertThat(query.identifiers()).containsExactly("anonymous_id:A", "user_id:42", "email:jane@example.com");
            assertThat(query.event()).hasValue("Order Completed");
            assertThat(query.after()).isEmpty();

            JsonNode second = json(get(server, path("email:jane@example.com") + "/events?limit=3&cursor=" + next, shop.apiKey()), 200);
            assertThat(second.get("next").isNull()).isTrue();
            assertThat(queries.get(1).after()).hasValue(new ProfileEvents.Cursor(1_700_000_000_123_456L, "m9"));

            assertThat(problem(get(server, path("user_id:42") + "/events?cursor=garbage", shop.apiKey()), 400).get("field").textValue()).isEqualTo("cursor");
            assertThat(problem(get(server, path("user_id:42") + "/events?limit=0", shop.apiKey()), 400).get("field").textValue()).isEqualTo("limit");
            assertThat(problem(get(server, path("user_id:42") + "/events?limit=501", shop.apiKey()), 400).get("field").textValue()).isEqualTo("limit");
            assertThat(problem(get(server, path("user_id:42") + "/events?type=click", shop.apiKey()), 400).get("field").textValue()).isEqualTo("type");
            problem(get(server, path("user_id:42") + "/events", other.apiKey()), 404);
        });
    }

    @Test
    void aTrinoOutageIsAServiceUnavailableToRetry() {
        withApp(server -> {
            trinoDown = true;
            HttpResponse<String> response = get(server, path("user_id:42") + "/events", shop.apiKey());
            assertThat(problem(response, 503).get("type").textValue()).isEqualTo(ProblemType.QUERY_UNAVAILABLE.uri());
            assertThat(response.headers().firstValue("Retry-After")).hasValue("5");
            // the profile itself does not need Trino
            json(get(server, path("user_id:42"), shop.apiKey()), 200);
        });
    }

    @Test
    void subscriptionChangesBecomeEventsOfTheProfile() {
        withApp(server -> {
            JsonNode accepted = json(put(server, path("email:jane@example.com") + "/subscriptions", shop.apiKey(),
                    "{\"subscriptions\":[{\"channel\":\"email\",\"status\":\"unsubscribed\"},{\"channel\":\"email\",\"topic\":\"newsletter\",\"status\":\"opted_in\"}]}"), 202);
            assertThat(accepted.get("accepted").intValue()).isEqualTo(2);
            assertThat(publisher.publishedEvents()).hasSize(2);
            JsonNode event = SegmentEvents.mapper().readTree(publisher.publishedEvents().get(0).value());
            assertThat(event.get("event").textValue()).isEqualTo("Subscription Changed");
            assertThat(event.get("projectId").textValue()).isEqualTo(shop.projectId());
            assertThat(event.get("source").textValue()).isEqualTo("api");
            assertThat(event.get("userId").textValue()).as("an id the profile holds").isEqualTo("42");
            assertThat(event.at("/context/traits/email").textValue()).isEqualTo("jane@example.com");
            assertThat(event.at("/properties/status").textValue()).isEqualTo("unsubscribed");
            JsonNode second = SegmentEvents.mapper().readTree(publisher.publishedEvents().get(1).value());
            assertThat(second.at("/properties/topic").textValue()).isEqualTo("newsletter");

            JsonNode bad = problem(put(server, path("user_id:42") + "/subscriptions", shop.apiKey(),
                    "{\"subscriptions\":[{\"channel\":\"email\",\"status\":\"maybe\"}]}"), 400);
            assertThat(bad.get("field").textValue()).isEqualTo("/subscriptions/0/status");
            problem(put(server, path("user_id:42") + "/subscriptions", shop.apiKey(), "{\"subscriptions\":[{\"channel\":\"fax\",\"status\":\"opted_in\"}]}"), 400);
            problem(put(server, path("user_id:43") + "/subscriptions", shop.apiKey(), "{\"subscriptions\":[{\"channel\":\"email\",\"status\":\"opted_in\"}]}"), 404);
            problem(put(server, path("user_id:42") + "/subscriptions", other.apiKey(), "{\"subscriptions\":[{\"channel\":\"email\",\"status\":\"opted_in\"}]}"), 404);
            assertThat(publisher.publishedEvents()).as("nothing published for refused requests").hasSize(2);
        });
    }

    @Test
    void servesItsOpenApiDocumentAndABrowsableUi() {
        withApp(server -> {
            JsonNode openApi = json(get(server, "/api/v1/openapi.json", null), 200);
            assertThat(openApi.get("openapi").textValue()).isEqualTo("3.1.0");
            assertThat(openApi.get("paths").has("/api/v1/profiles/{identifier}")).isTrue();
            assertThat(openApi.get("paths").has("/api/v1/profiles/{identifier}/events")).isTrue();
            assertThat(openApi.at("/paths/~1api~1v1~1profiles~1{identifier}~1subscriptions/put/operationId").asText()).isEqualTo("putSubscriptions");
            HttpResponse<String> ui = get(server, "/api/docs", null);
            assertThat(ui.statusCode()).isEqualTo(200);
            assertThat(ui.body()).contains("/api/v1/openapi.json");
            String script = ui.body().replaceAll("(?s).*<script src=\"([^\"]+)\".*", "$1");
            HttpResponse<String> bundle = get(server, script, null);
            assertThat(bundle.statusCode()).as(script).isEqualTo(200);
            assertThat(bundle.body()).contains("SwaggerUIBundle");
        });
    }
}
