package io.sillage.api.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.GreenMailUtil;
import com.icegreen.greenmail.util.ServerSetupTest;
import io.javalin.Javalin;
import io.javalin.testtools.JavalinTest;
import io.sillage.api.automations.AutomationService;
import io.sillage.api.connectors.ConnectorService;
import io.sillage.api.profiles.ProfileViews;
import io.sillage.api.projects.ProjectCredentials;
import io.sillage.api.templates.TemplateService;
import io.sillage.api.tracking.TrackingService;
import io.sillage.api.tracking.WriteKeys;
import io.sillage.lakehouse.event.SegmentEvents;
import io.sillage.lakehouse.identity.ProjectIdentityRules;
import jakarta.mail.internet.MimeMessage;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The templates, snippets and connectors API (and test sends) against the real Javalin app, with the database and the profile store replaced by small fakes. */
class TemplateApiTest {
    private static final Instant START = Instant.parse("2026-11-23T12:00:00Z");
    private static final String CART = """
            {"name":"Abandoned cart","channel":"email","topic":"promotions",
             "email":{"from":"Shop <shop@example.com>","subject":"{{ profile.first_name | default: 'Hey' }}, your cart is waiting",
              "html":"<p>Hello {{ profile.first_name | default: 'there' }}</p>{% if profile.loyalty_tier == 'gold' %}<p>Free shipping</p>{% endif %}<ul>{% for p in event.products %}<li>{{ p.name }}</li>{% endfor %}</ul>{% include 'footer' %}",
              "text":"Hello {{ profile.first_name | default: 'there' }}\\n{% for p in event.products %}- {{ p.name }}\\n{% endfor %}"}}""";
    private static final String CART_V2 = """
            {"name":"Abandoned cart, short","channel":"email",
             "email":{"from":"shop@example.com","subject":"Your cart","text":"{{ event.products | size }} products wait for you"}}""";
    private static final String SMS = """
            {"name":"Code","channel":"sms","sms":{"body":"{{ profile.first_name }}, your code is {{ event.code }}"}}""";

    private final InMemoryProjectStore projects = new InMemoryProjectStore();
    private final InMemoryTemplateStore store = new InMemoryTemplateStore();
    private final MutableClock clock = new MutableClock(START);
    private final RecordingMessagingPublisher publisher = new RecordingMessagingPublisher();
    private final TemplateService service = new TemplateService(store, new InMemorySnippetStore(), publisher, clock);
    private final ConnectorService connectors = new ConnectorService(new InMemoryConnectorStore(), publisher, clock);
    /** project -> identifier -> profile document */
    private final Map<String, Map<String, ObjectNode>> profiles = new HashMap<>();
    private final HttpClient http = HttpClient.newHttpClient();
    private ProjectCredentials shop;
    private ProjectCredentials other;

    @BeforeEach
    void createProjects() throws Exception {
        shop = projects.create("shop", "web");
        other = projects.create("other", "web");
        ObjectNode jane = (ObjectNode) tree("""
                {"profileId":"01a2-jane","version":3,"mergedInto":null,
                 "identifiers":[{"type":"user_id","value":"42"},{"type":"email","value":"jane@example.com"}],
                 "traits":{"first_name":"<Jane>","loyalty_tier":"gold"},"subscriptions":[],"computed":{"orderCount":2},"merges":[]}""");
        profiles.computeIfAbsent(shop.projectId(), project -> new HashMap<>()).put("email:jane@example.com", jane);
        profiles.get(shop.projectId()).put("user_id:42", jane);
    }

    private ProfileViews views() {
        return (project, identifier) -> Optional.ofNullable(profiles.getOrDefault(project, Map.of()).get(identifier)).map(ObjectNode::deepCopy);
    }

    private interface ServerTest {
        void run(Javalin server) throws Exception;
    }

    private void withApp(ServerTest test) {
        // the other routes are not under test: they get fakes that hold nothing
        TrackingService tracking = new TrackingService(new RecordingEventPublisher(), clock, 1000, 5000);
        ProfileHandlers profileHandlers = new ProfileHandlers(projects, views(), Optional.empty(), tracking, ProjectIdentityRules.defaults());
        WriteKeys writeKeys = new WriteKeys(projects, clock, Duration.ofMinutes(1), Duration.ofSeconds(5));
        TrackingHandlers trackingHandlers = new TrackingHandlers(tracking, writeKeys);
        AutomationHandlers automations = new AutomationHandlers(projects, new AutomationService(new InMemoryAutomationStore(), new RecordingAutomationPublisher(), clock));
        TemplateHandlers templates = new TemplateHandlers(projects, service, views(), ProjectIdentityRules.defaults(), connectors);
        JavalinTest.test(SillageApp.create(trackingHandlers, profileHandlers, automations, templates, new ConnectorHandlers(projects, connectors),
                NoMessageTracking.handlers(tracking, writeKeys)),
                (server, client) -> test.run(server));
    }

    private HttpResponse<String> send(Javalin server, String method, String path, String apiKey, String json) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + server.port() + path)).timeout(Duration.ofSeconds(10));
        if (apiKey != null) {
            request.header("Authorization", "Bearer " + apiKey);
        }
        if (json != null) {
            request.header("Content-Type", "application/json");
        }
        request.method(method, json == null ? BodyPublishers.noBody() : BodyPublishers.ofString(json));
        return http.send(request.build(), BodyHandlers.ofString());
    }

    private HttpResponse<String> get(Javalin server, String path, String apiKey) throws Exception {
        return send(server, "GET", path, apiKey, null);
    }

    private HttpResponse<String> post(Javalin server, String path, String apiKey, String json) throws Exception {
        return send(server, "POST", path, apiKey, json);
    }

    private HttpResponse<String> put(Javalin server, String path, String apiKey, String json) throws Exception {
        return send(server, "PUT", path, apiKey, json);
    }

    private HttpResponse<String> delete(Javalin server, String path, String apiKey) throws Exception {
        return send(server, "DELETE", path, apiKey, null);
    }

    private static JsonNode json(HttpResponse<String> response, int status) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        return SegmentEvents.mapper().readTree(response.body());
    }

    private static JsonNode problem(HttpResponse<String> response, int status) throws Exception {
        assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        return json(response, status);
    }

    private static JsonNode tree(String json) throws Exception {
        return SegmentEvents.mapper().readTree(json);
    }

    private String create(Javalin server, String apiKey, String definition) throws Exception {
        return json(post(server, "/api/v1/templates", apiKey, definition), 201).get("id").textValue();
    }

    private static String snippet(String source) {
        return SegmentEvents.mapper().createObjectNode().put("source", source).toString();
    }

    private static String preview(String profile, String event) {
        return "{\"profile\":\"" + profile + "\"" + (event == null ? "" : ",\"event\":" + event) + "}";
    }

    @Test
    void createsReadsUpdatesAndKeepsEveryVersion() {
        withApp(server -> {
            HttpResponse<String> created = post(server, "/api/v1/templates", shop.apiKey(), CART);
            JsonNode template = json(created, 201);
            String id = template.get("id").textValue();
            assertThat(id).matches("tpl_[A-Za-z0-9]{24}");
            assertThat(created.headers().firstValue("Location")).hasValue("/api/v1/templates/" + id);
            assertThat(template.get("projectId").textValue()).isEqualTo(shop.projectId());
            assertThat(template.get("name").textValue()).isEqualTo("Abandoned cart");
            assertThat(template.get("channel").textValue()).isEqualTo("email");
            assertThat(template.get("version").intValue()).isEqualTo(1);
            assertThat(template.get("definition")).isEqualTo(tree(CART));
            assertThat(template.get("createdAt").textValue()).isEqualTo("2026-11-23T12:00:00Z");
            assertThat(json(get(server, "/api/v1/templates/" + id, shop.apiKey()), 200)).isEqualTo(template);

            clock.advance(Duration.ofMinutes(5));
            JsonNode updated = json(put(server, "/api/v1/templates/" + id, shop.apiKey(), CART_V2), 200);
            assertThat(updated.get("version").intValue()).isEqualTo(2);
            assertThat(updated.get("name").textValue()).isEqualTo("Abandoned cart, short");
            assertThat(updated.get("definition")).isEqualTo(tree(CART_V2));
            assertThat(updated.get("createdAt").textValue()).isEqualTo("2026-11-23T12:00:00Z");
            assertThat(updated.get("updatedAt").textValue()).isEqualTo("2026-11-23T12:05:00Z");

            JsonNode versions = json(get(server, "/api/v1/templates/" + id + "/versions", shop.apiKey()), 200).get("versions");
            assertThat(versions).hasSize(2);
            assertThat(versions.get(0).get("version").intValue()).isEqualTo(1);
            assertThat(versions.get(0).get("definition")).isEqualTo(tree(CART));
            assertThat(versions.get(1).get("version").intValue()).isEqualTo(2);
            assertThat(versions.get(1).get("createdAt").textValue()).isEqualTo("2026-11-23T12:05:00Z");

            clock.advance(Duration.ofSeconds(1));
            String sms = create(server, shop.apiKey(), SMS);
            create(server, other.apiKey(), SMS);
            JsonNode list = json(get(server, "/api/v1/templates", shop.apiKey()), 200).get("templates");
            assertThat(list).extracting(item -> item.get("id").textValue()).containsExactly(sms, id);

            HttpResponse<String> deleted = delete(server, "/api/v1/templates/" + id, shop.apiKey());
            assertThat(deleted.statusCode()).isEqualTo(204);
            problem(get(server, "/api/v1/templates/" + id, shop.apiKey()), 404);
            problem(get(server, "/api/v1/templates/" + id + "/versions", shop.apiKey()), 404);
            problem(put(server, "/api/v1/templates/" + id, shop.apiKey(), CART), 404);
            problem(delete(server, "/api/v1/templates/" + id, shop.apiKey()), 404);
            assertThat(json(get(server, "/api/v1/templates", shop.apiKey()), 200).get("templates")).hasSize(1);
        });
    }

    @Test
    void refusesAnInvalidTemplateNamingEveryProblemWithLineAndColumn() {
        withApp(server -> {
            String definition = """
                    {"name":"Broken","channel":"email","colour":"blue",
                     "email":{"from":"shop@example.com","subject":"Hi {{ profile.first_name | }}",
                      "html":"<p>Hello</p>\\n<p>{% if profile.vip %}VIP</p>","text":"{{ profile.first_name | shout }}"}}""";
            JsonNode problem = problem(post(server, "/api/v1/templates", shop.apiKey(), definition), 400);
            assertThat(problem.get("type").textValue()).isEqualTo(ProblemType.INVALID_TEMPLATE.uri());
            Map<String, String> errors = new HashMap<>();
            problem.get("errors").forEach(error -> errors.put(error.get("field").textValue(), error.get("message").textValue()));
            assertThat(errors).containsOnlyKeys("colour", "email.subject", "email.html", "email.text");
            assertThat(errors.get("email.subject")).isEqualTo("line 1, column 4: no viable alternative at input '{{'");
            assertThat(errors.get("email.html")).startsWith("line 2, column 31: mismatched input");
            assertThat(errors.get("email.text")).isEqualTo("line 1, column 23: unknown filter shout");
            assertThat(problem.get("field").textValue()).isEqualTo("colour");
            assertThat(problem.get("detail").textValue()).startsWith("colour unknown field").endsWith("(and 3 more problems: see errors)");

            assertThat(problem(post(server, "/api/v1/templates", shop.apiKey(), "{\"name\":"), 400).get("type").textValue())
                    .isEqualTo(ProblemType.INVALID_JSON.uri());
            String id = create(server, shop.apiKey(), CART);
            JsonNode refused = problem(put(server, "/api/v1/templates/" + id, shop.apiKey(), CART_V2.replace("{{ event.products | size }}", "{% for %}")), 400);
            assertThat(refused.get("field").textValue()).isEqualTo("email.text");
            assertThat(refused.at("/errors/0/message").textValue()).startsWith("line 1, column ");
            JsonNode channel = problem(put(server, "/api/v1/templates/" + id, shop.apiKey(), SMS), 400);
            assertThat(channel.get("field").textValue()).isEqualTo("channel");
            assertThat(channel.get("detail").textValue()).contains("cannot change");
            assertThat(json(get(server, "/api/v1/templates/" + id + "/versions", shop.apiKey()), 200).get("versions")).as("nothing stored").hasSize(1);
            assertThat(store.size()).isEqualTo(1);
        });
    }

    @Test
    void previewsTheTemplatePersonalizedForAProfileWithTheProjectsSnippets() {
        withApp(server -> {
            json(put(server, "/api/v1/snippets/footer", shop.apiKey(), snippet("<footer>{{ profile.first_name }}, <a href=\"{{ message.unsubscribe_url }}\">unsubscribe</a></footer>")), 201);
            String id = create(server, shop.apiKey(), CART);
            JsonNode preview = json(post(server, "/api/v1/templates/" + id + "/preview", shop.apiKey(),
                    preview("email:Jane@Example.com", "{\"products\":[{\"name\":\"Boots & co\"},{\"name\":\"Bag\"}]}")), 200);
            assertThat(preview.get("templateId").textValue()).isEqualTo(id);
            assertThat(preview.get("version").intValue()).isEqualTo(1);
            assertThat(preview.get("channel").textValue()).isEqualTo("email");
            assertThat(preview.get("profileId").textValue()).isEqualTo("01a2-jane");
            JsonNode email = preview.get("email");
            assertThat(email.get("from").textValue()).isEqualTo("Shop <shop@example.com>");
            assertThat(email.get("subject").textValue()).isEqualTo("<Jane>, your cart is waiting");
            assertThat(email.get("html").textValue()).isEqualTo("<p>Hello &lt;Jane&gt;</p><p>Free shipping</p><ul><li>Boots &amp; co</li><li>Bag</li></ul>"
                    + "<footer>&lt;Jane&gt;, <a href=\"#unsubscribe\">unsubscribe</a></footer>");
            assertThat(email.get("text").textValue()).isEqualTo("Hello <Jane>\n- Boots & co\n- Bag\n");
            assertThat(email.has("replyTo")).isFalse();

            JsonNode noEvent = json(post(server, "/api/v1/templates/" + id + "/preview", shop.apiKey(), preview("user_id:42", null)), 200);
            assertThat(noEvent.at("/email/html").textValue()).contains("<ul></ul>");

            String sms = create(server, shop.apiKey(), SMS);
            JsonNode text = json(post(server, "/api/v1/templates/" + sms + "/preview", shop.apiKey(), preview("user_id:42", "{\"code\":123456}")), 200);
            assertThat(text.get("sms")).isEqualTo(tree("{\"body\":\"<Jane>, your code is 123456\"}"));
        });
    }

    @Test
    void previewProblemsAreReportedNotHalfRendered() {
        withApp(server -> {
            String id = create(server, shop.apiKey(), CART);
            String path = "/api/v1/templates/" + id + "/preview";
            JsonNode missingSnippet = problem(post(server, path, shop.apiKey(), preview("email:jane@example.com", null)), 422);
            assertThat(missingSnippet.get("type").textValue()).isEqualTo(ProblemType.RENDERING_FAILED.uri());
            assertThat(missingSnippet.get("field").textValue()).isEqualTo("email.html");
            assertThat(missingSnippet.get("detail").textValue()).isEqualTo("email.html: no snippet is named 'footer' in this project");
            assertThat(missingSnippet.has("email")).isFalse();

            String division = create(server, shop.apiKey(), SMS.replace("{{ event.code }}", "{{ event.code | divided_by: 0 }}"));
            assertThat(problem(post(server, "/api/v1/templates/" + division + "/preview", shop.apiKey(), preview("user_id:42", "{\"code\":7}")), 422)
                    .get("detail").textValue()).isEqualTo("sms.body: line 1, column 54: / by zero");

            assertThat(problem(post(server, path, shop.apiKey(), preview("email:nobody@example.com", null)), 404).get("detail").textValue())
                    .isEqualTo("no profile holds email with this value in this project");
            assertThat(problem(post(server, path, shop.apiKey(), preview("fax:123", null)), 400).get("field").textValue()).isEqualTo("profile");
            assertThat(problem(post(server, path, shop.apiKey(), preview("email:not-an-address", null)), 400).get("field").textValue()).isEqualTo("profile");
            assertThat(problem(post(server, path, shop.apiKey(), "{}"), 400).get("field").textValue()).isEqualTo("profile");
            assertThat(problem(post(server, path, shop.apiKey(), preview("user_id:42", "[1]")), 400).get("field").textValue()).isEqualTo("event");
            problem(post(server, "/api/v1/templates/tpl_unknown/preview", shop.apiKey(), preview("user_id:42", null)), 404);
        });
    }

    @Test
    void snippetsAreCreatedReplacedListedAndDeleted() {
        withApp(server -> {
            JsonNode created = json(put(server, "/api/v1/snippets/footer", shop.apiKey(), snippet("<p>Bye</p>")), 201);
            assertThat(created.get("name").textValue()).isEqualTo("footer");
            assertThat(created.get("source").textValue()).isEqualTo("<p>Bye</p>");
            clock.advance(Duration.ofMinutes(1));
            JsonNode replaced = json(put(server, "/api/v1/snippets/footer", shop.apiKey(), snippet("<p>Bye {{ profile.first_name }}</p>")), 200);
            assertThat(replaced.get("createdAt").textValue()).isEqualTo("2026-11-23T12:00:00Z");
            assertThat(replaced.get("updatedAt").textValue()).isEqualTo("2026-11-23T12:01:00Z");
            assertThat(json(get(server, "/api/v1/snippets/footer", shop.apiKey()), 200)).isEqualTo(replaced);
            json(put(server, "/api/v1/snippets/card", shop.apiKey(), snippet("[{{ card.name }}]")), 201);
            assertThat(json(get(server, "/api/v1/snippets", shop.apiKey()), 200).get("snippets"))
                    .extracting(item -> item.get("name").textValue()).containsExactly("card", "footer");

            JsonNode invalid = problem(put(server, "/api/v1/snippets/Bad%20Name", shop.apiKey(), snippet("line one\n{% if x %}")), 400);
            assertThat(invalid.get("type").textValue()).isEqualTo(ProblemType.INVALID_TEMPLATE.uri());
            List<String> fields = new ArrayList<>();
            invalid.get("errors").forEach(error -> fields.add(error.get("field").textValue()));
            assertThat(fields).containsExactly("name", "source");
            assertThat(invalid.at("/errors/1/message").textValue()).startsWith("line 2, column 11: ");
            assertThat(problem(put(server, "/api/v1/snippets/footer", shop.apiKey(), "{\"source\":42}"), 400).get("field").textValue()).isEqualTo("source");

            assertThat(delete(server, "/api/v1/snippets/footer", shop.apiKey()).statusCode()).isEqualTo(204);
            problem(get(server, "/api/v1/snippets/footer", shop.apiKey()), 404);
            problem(delete(server, "/api/v1/snippets/footer", shop.apiKey()), 404);
        });
    }

    @Test
    void anotherProjectsKeyGetsNotFoundNeverData() {
        withApp(server -> {
            json(put(server, "/api/v1/snippets/footer", shop.apiKey(), snippet("shop's footer")), 201);
            String id = create(server, shop.apiKey(), CART);
            String path = "/api/v1/templates/" + id;
            List<HttpResponse<String>> answers = List.of(
                    get(server, path, other.apiKey()),
                    get(server, path + "/versions", other.apiKey()),
                    put(server, path, other.apiKey(), CART_V2),
                    delete(server, path, other.apiKey()),
                    post(server, path + "/preview", other.apiKey(), preview("user_id:42", null)),
                    get(server, "/api/v1/snippets/footer", other.apiKey()),
                    delete(server, "/api/v1/snippets/footer", other.apiKey()));
            for (HttpResponse<String> answer : answers) {
                JsonNode problem = problem(answer, 404);
                assertThat(problem.get("type").textValue()).isEqualTo(ProblemType.NOT_FOUND.uri());
                assertThat(answer.body()).doesNotContain("Abandoned").doesNotContain(shop.projectId()).doesNotContain("shop's footer");
            }
            assertThat(json(get(server, "/api/v1/templates", other.apiKey()), 200).get("templates")).isEmpty();
            assertThat(json(get(server, "/api/v1/snippets", other.apiKey()), 200).get("snippets")).isEmpty();

            // the other project's template cannot include the shop's snippet, nor render for the shop's people
            String theirs = create(server, other.apiKey(), SMS.replace("your code", "{% include 'footer' %}"));
            profiles.computeIfAbsent(other.projectId(), project -> new HashMap<>()).put("user_id:7", (ObjectNode) tree("{\"profileId\":\"p7\",\"traits\":{}}"));
            assertThat(problem(post(server, "/api/v1/templates/" + theirs + "/preview", other.apiKey(), preview("user_id:7", null)), 422)
                    .get("detail").textValue()).contains("no snippet is named 'footer'");
            problem(post(server, "/api/v1/templates/" + theirs + "/preview", other.apiKey(), preview("user_id:42", null)), 404);

            JsonNode untouched = json(get(server, path, shop.apiKey()), 200);
            assertThat(untouched.get("version").intValue()).isEqualTo(1);
            assertThat(json(get(server, "/api/v1/snippets/footer", shop.apiKey()), 200).get("source").textValue()).isEqualTo("shop's footer");
        });
    }

    @Test
    void requiresAnApiKey() {
        withApp(server -> {
            HttpResponse<String> missing = post(server, "/api/v1/templates", null, CART);
            assertThat(problem(missing, 401).get("detail").textValue()).contains("Bearer");
            problem(get(server, "/api/v1/templates", "sk_unknown"), 401);
            problem(get(server, "/api/v1/templates", shop.writeKey()), 401);
            problem(put(server, "/api/v1/snippets/footer", null, snippet("x")), 401);
            problem(get(server, "/api/v1/snippets", "sk_unknown"), 401);
            String id = create(server, shop.apiKey(), CART);
            problem(post(server, "/api/v1/templates/" + id + "/preview", "sk_unknown", preview("user_id:42", null)), 401);
            problem(delete(server, "/api/v1/templates/" + id, null), 401);
            assertThat(json(get(server, "/api/v1/templates/" + id, shop.apiKey()), 200).get("version").intValue()).isEqualTo(1);
        });
    }

    @Test
    void theOpenApiDocumentDescribesTheTemplateRoutes() {
        withApp(server -> {
            JsonNode openApi = json(get(server, "/api/v1/openapi.json", null), 200);
            JsonNode paths = openApi.get("paths");
            Map<String, List<String>> operations = Map.of(
                    "/api/v1/templates", List.of("get", "post"),
                    "/api/v1/templates/{id}", List.of("get", "put", "delete"),
                    "/api/v1/templates/{id}/versions", List.of("get"),
                    "/api/v1/templates/{id}/preview", List.of("post"),
                    "/api/v1/templates/{id}/test-send", List.of("post"),
                    "/api/v1/snippets", List.of("get"),
                    "/api/v1/snippets/{name}", List.of("get", "put", "delete"),
                    "/api/v1/connectors", List.of("get"),
                    "/api/v1/connectors/{channel}", List.of("get", "put", "delete"));
            operations.forEach((path, methods) -> {
                for (String method : methods) {
                    assertThat(paths.path(path).path(method).path("operationId").isTextual()).as(method + " " + path).isTrue();
                }
            });
            JsonNode definition = openApi.at("/components/schemas/TemplateDefinition/properties");
            for (String field : List.of("name", "channel", "topic", "email", "push", "sms", "webhook")) {
                assertThat(definition.has(field)).as(field).isTrue();
            }
            assertThat(openApi.at("/components/schemas/EmailContent/properties").has("mjml")).isTrue();
            assertThat(openApi.at("/components/schemas/TemplatePreview/properties").has("profileId")).isTrue();
        });
    }

    @Test
    void everyChangeIsPublishedToTheActivationJobBeforeItIsStored() {
        withApp(server -> {
            String id = create(server, shop.apiKey(), CART);
            json(put(server, "/api/v1/templates/" + id, shop.apiKey(), CART_V2), 200);
            json(put(server, "/api/v1/snippets/footer", shop.apiKey(), snippet("<p>Bye</p>")), 201);
            assertThat(delete(server, "/api/v1/templates/" + id, shop.apiKey()).statusCode()).isEqualTo(204);
            assertThat(delete(server, "/api/v1/snippets/footer", shop.apiKey()).statusCode()).isEqualTo(204);

            List<RecordingMessagingPublisher.Published> records = publisher.published();
            assertThat(records).extracting(RecordingMessagingPublisher.Published::key).containsExactly(
                    shop.projectId() + "/template/" + id, shop.projectId() + "/template/" + id, shop.projectId() + "/snippet/footer",
                    shop.projectId() + "/template/" + id, shop.projectId() + "/snippet/footer");
            JsonNode v2 = tree(records.get(1).value());
            assertThat(v2.path("kind").asText()).isEqualTo("template");
            assertThat(v2.path("templateId").asText()).isEqualTo(id);
            assertThat(v2.path("version").asInt()).isEqualTo(2);
            assertThat(v2.path("status").asText()).isEqualTo("active");
            assertThat(v2.path("definition")).isEqualTo(tree(CART_V2));
            assertThat(tree(records.get(2).value()).path("source").asText()).isEqualTo("<p>Bye</p>");
            assertThat(tree(records.get(3).value()).path("status").asText()).isEqualTo("deleted");
            assertThat(tree(records.get(4).value()).path("status").asText()).isEqualTo("deleted");

            // Kafka down: 503, and nothing is stored
            publisher.failing(true);
            JsonNode refused = problem(post(server, "/api/v1/templates", shop.apiKey(), CART), 503);
            assertThat(refused.path("detail").asText()).contains("nothing was changed");
            assertThat(problem(put(server, "/api/v1/snippets/footer", shop.apiKey(), snippet("x")), 503).path("status").asInt()).isEqualTo(503);
            publisher.failing(false);
            assertThat(json(get(server, "/api/v1/templates", shop.apiKey()), 200).path("templates")).isEmpty();
            assertThat(json(get(server, "/api/v1/snippets", shop.apiKey()), 200).path("snippets")).isEmpty();
            assertThat(service.republishAll()).isZero();
        });
    }

    @Test
    void aTemplateNameIsUniqueAmongTheProjectsLiveTemplates() {
        withApp(server -> {
            String id = create(server, shop.apiKey(), CART);
            JsonNode conflict = problem(post(server, "/api/v1/templates", shop.apiKey(), CART), 409);
            assertThat(conflict.path("field").asText()).isEqualTo("name");
            assertThat(conflict.path("detail").asText()).contains("Abandoned cart");
            create(server, other.apiKey(), CART);
            assertThat(delete(server, "/api/v1/templates/" + id, shop.apiKey()).statusCode()).isEqualTo(204);
            create(server, shop.apiKey(), CART);
        });
    }

    private static final String SMTP_CONNECTOR = """
            {"config": {"type": "smtp", "host": "127.0.0.1", "port": %d, "tls": "none", "username": "shop", "password": "smtp-s3cret", "timeout": "3s"}}""";

    @Test
    void connectorsAreStoredPublishedAndNeverShowTheirSecrets() {
        withApp(server -> {
            JsonNode created = json(put(server, "/api/v1/connectors/email", shop.apiKey(), SMTP_CONNECTOR.formatted(2525)), 201);
            assertThat(created.path("channel").asText()).isEqualTo("email");
            assertThat(created.path("version").asInt()).isEqualTo(1);
            assertThat(created.path("config").path("password").asText()).isEqualTo("********");
            assertThat(created.path("config").path("host").asText()).isEqualTo("127.0.0.1");
            for (HttpResponse<String> read : List.of(get(server, "/api/v1/connectors/email", shop.apiKey()), get(server, "/api/v1/connectors", shop.apiKey()))) {
                assertThat(read.statusCode()).isEqualTo(200);
                assertThat(read.body()).contains("127.0.0.1").doesNotContain("smtp-s3cret");
            }
            // the activation job gets the secret, through its topic
            RecordingMessagingPublisher.Published record = publisher.published().get(0);
            assertThat(record.key()).isEqualTo(shop.projectId() + "/email");
            assertThat(tree(record.value()).path("config").path("password").asText()).isEqualTo("smtp-s3cret");

            assertThat(json(put(server, "/api/v1/connectors/email", shop.apiKey(), SMTP_CONNECTOR.formatted(2526)), 200).path("version").asInt()).isEqualTo(2);
            assertThat(problem(get(server, "/api/v1/connectors/email", other.apiKey()), 404).path("status").asInt()).isEqualTo(404);
            assertThat(get(server, "/api/v1/connectors/email", null).statusCode()).isEqualTo(401);

            JsonNode webhook = json(put(server, "/api/v1/connectors/webhook", shop.apiKey(),
                    "{\"config\": {\"type\": \"webhook\", \"secret\": \"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\"}, \"url\": \"https://hooks.example.com/in\"}"), 201);
            assertThat(webhook.path("url").asText()).isEqualTo("https://hooks.example.com/in");
            assertThat(webhook.toString()).doesNotContain("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
            assertThat(json(get(server, "/api/v1/connectors", shop.apiKey()), 200).path("connectors")).extracting(node -> node.path("channel").asText())
                    .containsExactly("email", "webhook");

            assertThat(delete(server, "/api/v1/connectors/email", shop.apiKey()).statusCode()).isEqualTo(204);
            assertThat(get(server, "/api/v1/connectors/email", shop.apiKey()).statusCode()).isEqualTo(404);
            JsonNode deleted = tree(publisher.published().get(publisher.published().size() - 1).value());
            assertThat(deleted.path("status").asText()).isEqualTo("deleted");
            assertThat(deleted.path("version").asInt()).isEqualTo(3);
            assertThat(deleted.has("config")).isFalse();
        });
    }

    @Test
    void aRefusedConnectorNamesEveryProblem() {
        withApp(server -> {
            JsonNode refused = problem(put(server, "/api/v1/connectors/email", shop.apiKey(),
                    "{\"config\": {\"type\": \"smtp\", \"port\": 70000, \"password\": \"leak-me-not\"}, \"url\": \"https://x.example.com\"}"), 400);
            assertThat(refused.toString()).contains("config.host", "config.port", "\"url\"").doesNotContain("leak-me-not");
            assertThat(problem(put(server, "/api/v1/connectors/sms", shop.apiKey(), "{\"config\": {\"type\": \"webhook\", \"secret\": \"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\"}}"), 400)
                    .toString()).contains("config.type", "cannot send channel sms");
            assertThat(problem(put(server, "/api/v1/connectors/webhook", shop.apiKey(), "{\"config\": {\"type\": \"webhook\", \"secret\": \"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\"}}"), 400)
                    .toString()).contains("\"url\"");
            assertThat(problem(put(server, "/api/v1/connectors/fax", shop.apiKey(), "{\"config\": {}}"), 404).path("detail").asText()).contains("email, sms, web_push or webhook");
            assertThat(publisher.published()).isEmpty();
        });
    }

    @Test
    void testSendDeliversThePersonalizedTemplateThroughTheProjectsConnector() {
        GreenMail smtp = new GreenMail(ServerSetupTest.SMTP.dynamicPort());
        smtp.start();
        try {
            withApp(server -> {
                String id = create(server, shop.apiKey(), CART);
                json(put(server, "/api/v1/snippets/footer", shop.apiKey(), snippet("<p>See you</p>")), 201);
                String body = "{\"to\": \"qa@example.com\", \"profile\": \"user_id:42\", \"event\": {\"products\": [{\"name\": \"Red shoes\"}]}}";
                JsonNode noConnector = problem(post(server, "/api/v1/templates/" + id + "/test-send", shop.apiKey(), body), 409);
                assertThat(noConnector.path("detail").asText()).contains("PUT /api/v1/connectors/email");

                json(put(server, "/api/v1/connectors/email", shop.apiKey(), SMTP_CONNECTOR.formatted(smtp.getSmtp().getPort())
                        .replace(", \"username\": \"shop\", \"password\": \"smtp-s3cret\"", "")), 201);
                JsonNode sent = json(post(server, "/api/v1/templates/" + id + "/test-send", shop.apiKey(), body), 200);
                assertThat(sent.path("status").asText()).isEqualTo("sent");
                assertThat(sent.path("messageId").asText()).startsWith("test_");

                assertThat(smtp.waitForIncomingEmail(10_000, 1)).isTrue();
                MimeMessage mail = smtp.getReceivedMessages()[0];
                assertThat(mail.getAllRecipients()[0].toString()).isEqualTo("qa@example.com");
                assertThat(mail.getSubject()).isEqualTo("[Test] <Jane>, your cart is waiting");
                String whole = GreenMailUtil.getWholeMessage(mail);
                assertThat(whole).contains("Hello &lt;Jane&gt;", "Free shipping", "Red shoes", "See you");

                assertThat(problem(post(server, "/api/v1/templates/" + id + "/test-send", shop.apiKey(), "{\"to\": \"not an address\"}"), 400)
                        .path("field").asText()).isEqualTo("to");
                assertThat(problem(post(server, "/api/v1/templates/" + id + "/test-send", other.apiKey(), body), 404).path("status").asInt()).isEqualTo(404);
            });
        }
        finally {
            smtp.stop();
        }
    }
}
