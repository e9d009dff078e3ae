package io.sillage.api.http;

import io.sillage.api.kafka.PublishException;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.testtools.JavalinTest;
import io.sillage.api.automations.Automation;
import io.sillage.api.automations.AutomationPublisher;
import io.sillage.api.automations.AutomationService;
import io.sillage.api.automations.AutomationStatus;
import io.sillage.api.projects.ProjectCredentials;
import io.sillage.api.templates.TemplateService;
import io.sillage.api.tracking.TrackingService;
import io.sillage.api.tracking.WriteKeys;
import io.sillage.lakehouse.automation.AutomationDefinitions;
import io.sillage.lakehouse.automation.AutomationRecipes;
import io.sillage.lakehouse.event.SegmentEvents;
import io.sillage.lakehouse.identity.ProjectIdentityRules;
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
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The automations API against the real Javalin app, with the database and the automations topic replaced by small fakes. */
class AutomationApiTest {
    private static final Instant START = Instant.parse("2026-11-23T12:00:00Z");
    private static final String CART = """
            {"name":"Abandoned cart","entry":{"event":"Product Added","filters":[{"property":"price","operator":"gte","value":10}]},
             "wait":{"type":"duration","duration":"48h"},"cancel":[{"event":"Order Completed","match":"cart_id"}],
             "action":{"channel":"email","template":"abandoned-cart"}}""";
    private static final String CART_V2 = """
            {"name":"Abandoned cart, 24h","entry":{"event":"Product Added"},
             "wait":{"type":"duration","duration":"24h"},"cancel":[{"event":"Order Completed","match":"cart_id"}],
             "action":{"channel":"email","template":"abandoned-cart","variant":"b"}}""";

    private final InMemoryProjectStore projects = new InMemoryProjectStore();
    private final InMemoryAutomationStore store = new InMemoryAutomationStore();
    private final RecordingAutomationPublisher publisher = new RecordingAutomationPublisher();
    private final MutableClock clock = new MutableClock(START);
    private final AutomationService service = new AutomationService(store, publisher, clock);
    private final HttpClient http = HttpClient.newHttpClient();
    private ProjectCredentials shop;
    private ProjectCredentials other;

    @BeforeEach
    void createProjects() {
        shop = projects.create("shop", "web");
        other = projects.create("other", "web");
    }

    private interface ServerTest {
        void run(Javalin server) throws Exception;
    }

    private void withApp(ServerTest test) {
        // the other routes are not under test: they get fakes that hold nothing
        RecordingEventPublisher events = new RecordingEventPublisher();
        TrackingService tracking = new TrackingService(events, clock, 1000, 5000);
        ProfileHandlers profiles = new ProfileHandlers(projects, (project, identifier) -> Optional.empty(), Optional.empty(), tracking,
                ProjectIdentityRules.defaults());
        WriteKeys writeKeys = new WriteKeys(projects, clock, Duration.ofMinutes(1), Duration.ofSeconds(5));
        TrackingHandlers trackingHandlers = new TrackingHandlers(tracking, writeKeys);
        JavalinTest.test(SillageApp.create(trackingHandlers, profiles, new AutomationHandlers(projects, service), MessagingFakes.templates(projects, clock),
                MessagingFakes.connectors(projects, clock), NoMessageTracking.handlers(tracking, writeKeys)), (server, client) -> test.run(server));
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
        return json(post(server, "/api/v1/automations", apiKey, definition), 201).get("id").textValue();
    }

    @Test
    void createsReadsUpdatesAndKeepsEveryVersion() {
        withApp(server -> {
            HttpResponse<String> created = post(server, "/api/v1/automations", shop.apiKey(), CART);
            JsonNode automation = json(created, 201);
            String id = automation.get("id").textValue();
            assertThat(id).matches("aut_[A-Za-z0-9]{24}");
            assertThat(created.headers().firstValue("Location")).hasValue("/api/v1/automations/" + id);
            assertThat(automation.get("projectId").textValue()).isEqualTo(shop.projectId());
            assertThat(automation.get("name").textValue()).isEqualTo("Abandoned cart");
            assertThat(automation.get("status").textValue()).isEqualTo("draft");
            assertThat(automation.get("version").intValue()).isEqualTo(1);
            assertThat(automation.get("definition")).isEqualTo(tree(CART));
            assertThat(automation.get("createdAt").textValue()).isEqualTo("2026-11-23T12:00:00Z");
            assertThat(automation.get("updatedAt").textValue()).isEqualTo("2026-11-23T12:00:00Z");
            assertThat(json(get(server, "/api/v1/automations/" + id, shop.apiKey()), 200)).isEqualTo(automation);

            clock.advance(Duration.ofMinutes(5));
            JsonNode updated = json(put(server, "/api/v1/automations/" + id, shop.apiKey(), CART_V2), 200);
            assertThat(updated.get("version").intValue()).isEqualTo(2);
            assertThat(updated.get("status").textValue()).isEqualTo("draft");
            assertThat(updated.get("name").textValue()).isEqualTo("Abandoned cart, 24h");
            assertThat(updated.get("definition")).isEqualTo(tree(CART_V2));
            assertThat(updated.get("createdAt").textValue()).isEqualTo("2026-11-23T12:00:00Z");
            assertThat(updated.get("updatedAt").textValue()).isEqualTo("2026-11-23T12:05:00Z");

            clock.advance(Duration.ofMinutes(5));
            JsonNode active = json(post(server, "/api/v1/automations/" + id + "/activate", shop.apiKey(), null), 200);
            assertThat(active.get("status").textValue()).isEqualTo("active");
            assertThat(active.get("version").intValue()).as("a status change is not a version").isEqualTo(2);
            assertThat(active.get("updatedAt").textValue()).isEqualTo("2026-11-23T12:10:00Z");
            JsonNode again = json(post(server, "/api/v1/automations/" + id + "/activate", shop.apiKey(), null), 200);
            assertThat(again).as("activating twice changes nothing").isEqualTo(active);

            clock.advance(Duration.ofMinutes(5));
            JsonNode updatedWhileActive = json(put(server, "/api/v1/automations/" + id, shop.apiKey(), CART), 200);
            assertThat(updatedWhileActive.get("version").intValue()).isEqualTo(3);
            assertThat(updatedWhileActive.get("status").textValue()).as("an update keeps the status").isEqualTo("active");

            JsonNode paused = json(post(server, "/api/v1/automations/" + id + "/pause", shop.apiKey(), null), 200);
            assertThat(paused.get("status").textValue()).isEqualTo("paused");
            assertThat(json(get(server, "/api/v1/automations/" + id, shop.apiKey()), 200)).isEqualTo(paused);

            JsonNode versions = json(get(server, "/api/v1/automations/" + id + "/versions", shop.apiKey()), 200).get("versions");
            assertThat(versions).hasSize(3);
            assertThat(versions.get(0).get("version").intValue()).isEqualTo(1);
            assertThat(versions.get(0).get("definition")).isEqualTo(tree(CART));
            assertThat(versions.get(0).get("createdAt").textValue()).isEqualTo("2026-11-23T12:00:00Z");
            assertThat(versions.get(1).get("version").intValue()).isEqualTo(2);
            assertThat(versions.get(1).get("definition")).isEqualTo(tree(CART_V2));
            assertThat(versions.get(1).get("createdAt").textValue()).isEqualTo("2026-11-23T12:05:00Z");
            assertThat(versions.get(2).get("version").intValue()).isEqualTo(3);
        });
    }

    @Test
    void listsTheProjectsAutomationsNewestFirst() {
        withApp(server -> {
            String first = create(server, shop.apiKey(), CART);
            clock.advance(Duration.ofSeconds(1));
            String second = create(server, shop.apiKey(), CART_V2);
            clock.advance(Duration.ofSeconds(1));
            String deleted = create(server, shop.apiKey(), CART);
            assertThat(delete(server, "/api/v1/automations/" + deleted, shop.apiKey()).statusCode()).isEqualTo(204);
            create(server, other.apiKey(), CART);

            JsonNode list = json(get(server, "/api/v1/automations", shop.apiKey()), 200).get("automations");
            assertThat(list).hasSize(2);
            assertThat(list.get(0).get("id").textValue()).isEqualTo(second);
            assertThat(list.get(1).get("id").textValue()).isEqualTo(first);
            assertThat(list.get(0).get("definition")).isEqualTo(tree(CART_V2));
        });
    }

    @Test
    void publishesEveryChangeKeyedByProjectAndAutomation() {
        withApp(server -> {
            String id = create(server, shop.apiKey(), CART);
            List<RecordingAutomationPublisher.Message> messages = publisher.messages();
            assertThat(messages).hasSize(1);
            assertThat(messages.get(0).key()).isEqualTo(shop.projectId() + "/" + id);
            assertThat(messages.get(0).value()).isEqualTo("{\"projectId\":\"" + shop.projectId() + "\",\"automationId\":\"" + id
                    + "\",\"version\":1,\"status\":\"draft\",\"definition\":" + tree(CART) + ",\"updatedAt\":\"2026-11-23T12:00:00Z\"}");

            put(server, "/api/v1/automations/" + id, shop.apiKey(), CART_V2);
            post(server, "/api/v1/automations/" + id + "/activate", shop.apiKey(), null);
            post(server, "/api/v1/automations/" + id + "/activate", shop.apiKey(), null);
            post(server, "/api/v1/automations/" + id + "/pause", shop.apiKey(), null);
            delete(server, "/api/v1/automations/" + id, shop.apiKey());

            messages = publisher.messages();
            assertThat(messages).extracting(RecordingAutomationPublisher.Message::key).containsOnly(shop.projectId() + "/" + id);
            List<String> states = new ArrayList<>();
            for (RecordingAutomationPublisher.Message message : messages) {
                JsonNode value = tree(message.value());
                states.add(value.get("status").textValue() + " v" + value.get("version").intValue());
                assertThat(value.get("projectId").textValue()).isEqualTo(shop.projectId());
                assertThat(value.get("automationId").textValue()).isEqualTo(id);
            }
            assertThat(states).containsExactly("draft v1", "draft v2", "active v2", "active v2", "paused v2", "deleted v2");
            assertThat(tree(messages.get(5).value()).get("definition")).as("the pipeline gets the definition it stops").isEqualTo(tree(CART_V2));
        });
    }

    @Test
    void refusesAnInvalidDefinitionNamingEveryProblem() {
        withApp(server -> {
            String definition = """
                    {"name":"Broken","entry":{"filters":[{"property":"total","operator":"bigger","value":5}]},
                     "wait":{"type":"later"},"action":{"channel":"fax"},"colour":"blue"}""";
            JsonNode problem = problem(post(server, "/api/v1/automations", shop.apiKey(), definition), 400);
            assertThat(problem.get("type").textValue()).isEqualTo(ProblemType.INVALID_DEFINITION.uri());
            List<String> fields = new ArrayList<>();
            problem.get("errors").forEach(error -> {
                fields.add(error.get("field").textValue());
                assertThat(error.get("message").textValue()).isNotBlank();
            });
            assertThat(fields).contains("colour", "entry.event", "entry.filters[0].operator", "wait.type", "action.channel", "action.template");
            assertThat(problem.get("errors").get(0).get("field").textValue()).isEqualTo("colour");
            assertThat(problem.get("field").textValue()).isEqualTo("colour");
            assertThat(problem.get("detail").textValue()).startsWith("colour unknown field").contains("more problems");
            assertThat(problem.toString()).contains("{\"field\":\"entry.event\",\"message\":\"is required\"}");

            JsonNode one = problem(post(server, "/api/v1/automations", shop.apiKey(), CART.replace("\"email\"", "\"fax\"")), 400);
            assertThat(one.get("errors")).hasSize(1);
            assertThat(one.get("detail").textValue()).startsWith("action.channel unknown channel 'fax'").doesNotContain("more problem");

            assertThat(problem(post(server, "/api/v1/automations", shop.apiKey(), "{\"name\":"), 400).get("type").textValue())
                    .isEqualTo(ProblemType.INVALID_JSON.uri());
            problem(post(server, "/api/v1/automations", shop.apiKey(), "[" + CART + "]"), 400);

            String id = create(server, shop.apiKey(), CART);
            JsonNode refusedUpdate = problem(put(server, "/api/v1/automations/" + id, shop.apiKey(), "{\"name\":\"No entry\",\"action\":{\"channel\":\"sms\",\"template\":\"t\"}}"), 400);
            assertThat(refusedUpdate.get("field").textValue()).isEqualTo("entry");
            problem(put(server, "/api/v1/automations/" + id, shop.apiKey(), "not json"), 400);
            assertThat(json(get(server, "/api/v1/automations/" + id, shop.apiKey()), 200).get("version").intValue()).isEqualTo(1);
            assertThat(json(get(server, "/api/v1/automations", shop.apiKey()), 200).get("automations")).hasSize(1);
            assertThat(publisher.messages()).as("only the valid creation was published").hasSize(1);
        });
    }

    @Test
    void activatingRevalidatesTheStoredDefinition() {
        withApp(server -> {
            // a definition stored under older, looser rules
            ObjectNode old = (ObjectNode) tree("{\"name\":\"Old\",\"entry\":{\"event\":\"Signed Up\"},\"action\":{\"channel\":\"fax\",\"template\":\"t\"}}");
            store.create(new Automation("aut_old", shop.projectId(), "Old", AutomationStatus.DRAFT, 1, old, START, START), automation -> {});
            JsonNode problem = problem(post(server, "/api/v1/automations/aut_old/activate", shop.apiKey(), null), 400);
            assertThat(problem.get("field").textValue()).isEqualTo("action.channel");
            assertThat(json(get(server, "/api/v1/automations/aut_old", shop.apiKey()), 200).get("status").textValue()).isEqualTo("draft");
            // it can still be paused or deleted
            json(post(server, "/api/v1/automations/aut_old/pause", shop.apiKey(), null), 200);
            assertThat(publisher.messages()).extracting(message -> tree(message.value()).get("status").textValue()).containsExactly("paused");
        });
    }

    @Test
    void anotherProjectsKeyGetsNotFoundNeverData() {
        withApp(server -> {
            String id = create(server, shop.apiKey(), CART);
            String path = "/api/v1/automations/" + id;
            List<HttpResponse<String>> answers = List.of(
                    get(server, path, other.apiKey()),
                    get(server, path + "/versions", other.apiKey()),
                    put(server, path, other.apiKey(), CART_V2),
                    delete(server, path, other.apiKey()),
                    post(server, path + "/activate", other.apiKey(), null),
                    post(server, path + "/pause", other.apiKey(), null));
            for (HttpResponse<String> answer : answers) {
                JsonNode problem = problem(answer, 404);
                assertThat(problem.get("type").textValue()).isEqualTo(ProblemType.NOT_FOUND.uri());
                assertThat(answer.body()).doesNotContain("Abandoned").doesNotContain(shop.projectId()).doesNotContain("Product Added");
            }
            assertThat(json(get(server, "/api/v1/automations", other.apiKey()), 200).get("automations")).isEmpty();

            JsonNode untouched = json(get(server, path, shop.apiKey()), 200);
            assertThat(untouched.get("status").textValue()).isEqualTo("draft");
            assertThat(untouched.get("version").intValue()).isEqualTo(1);
            assertThat(publisher.messages()).as("only the creation was published").hasSize(1);
            problem(get(server, "/api/v1/automations/aut_unknown", shop.apiKey()), 404);
        });
    }

    @Test
    void requiresAnApiKey() {
        withApp(server -> {
            HttpResponse<String> missing = post(server, "/api/v1/automations", null, CART);
            assertThat(problem(missing, 401).get("detail").textValue()).contains("Bearer");
            assertThat(missing.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(value -> assertThat(value).startsWith("Bearer"));
            problem(get(server, "/api/v1/automations", "sk_unknown"), 401);
            problem(get(server, "/api/v1/automations", shop.writeKey()), 401);
            problem(get(server, "/api/v1/automation-recipes", null), 401);
            String id = create(server, shop.apiKey(), CART);
            problem(post(server, "/api/v1/automations/" + id + "/activate", "sk_unknown", null), 401);
            problem(delete(server, "/api/v1/automations/" + id, null), 401);
            assertThat(store.size()).isEqualTo(1);
            assertThat(json(get(server, "/api/v1/automations/" + id, shop.apiKey()), 200).get("status").textValue()).isEqualTo("draft");
        });
    }

    @Test
    void aKafkaFailureChangesNothingAndAsksToRetry() {
        withApp(server -> {
            publisher.failEverything();
            HttpResponse<String> refused = post(server, "/api/v1/automations", shop.apiKey(), CART);
            assertThat(problem(refused, 503).get("type").textValue()).isEqualTo(ProblemType.UNAVAILABLE.uri());
            assertThat(refused.headers().firstValue("Retry-After")).hasValue("5");
            assertThat(store.size()).isZero();
            assertThat(json(get(server, "/api/v1/automations", shop.apiKey()), 200).get("automations")).isEmpty();

            publisher.acknowledgeEverything();
            String id = create(server, shop.apiKey(), CART);
            publisher.failEverything();
            String path = "/api/v1/automations/" + id;
            problem(put(server, path, shop.apiKey(), CART_V2), 503);
            problem(post(server, path + "/activate", shop.apiKey(), null), 503);
            problem(delete(server, path, shop.apiKey()), 503);
            JsonNode unchanged = json(get(server, path, shop.apiKey()), 200);
            assertThat(unchanged.get("status").textValue()).isEqualTo("draft");
            assertThat(unchanged.get("version").intValue()).isEqualTo(1);
            assertThat(unchanged.get("definition")).isEqualTo(tree(CART));
            assertThat(json(get(server, path + "/versions", shop.apiKey()), 200).get("versions")).hasSize(1);
        });
    }

    @Test
    void aDeletedAutomationIsGoneForTheApiAndStoppedForThePipeline() {
        withApp(server -> {
            String id = create(server, shop.apiKey(), CART);
            String path = "/api/v1/automations/" + id;
            json(post(server, path + "/activate", shop.apiKey(), null), 200);
            HttpResponse<String> deleted = delete(server, path, shop.apiKey());
            assertThat(deleted.statusCode()).isEqualTo(204);
            assertThat(deleted.body()).isEmpty();
            JsonNode last = tree(publisher.messages().get(publisher.messages().size() - 1).value());
            assertThat(last.get("status").textValue()).isEqualTo("deleted");

            problem(get(server, path, shop.apiKey()), 404);
            problem(get(server, path + "/versions", shop.apiKey()), 404);
            problem(put(server, path, shop.apiKey(), CART_V2), 404);
            problem(post(server, path + "/activate", shop.apiKey(), null), 404);
            problem(post(server, path + "/pause", shop.apiKey(), null), 404);
            problem(delete(server, path, shop.apiKey()), 404);
            assertThat(json(get(server, "/api/v1/automations", shop.apiKey()), 200).get("automations")).isEmpty();
            assertThat(publisher.messages()).as("nothing published after the delete").hasSize(3);
        });
    }

    @Test
    void servesRecipesThatAllValidateAndCreate() {
        withApp(server -> {
            JsonNode recipes = json(get(server, "/api/v1/automation-recipes", shop.apiKey()), 200).get("recipes");
            List<String> names = new ArrayList<>();
            recipes.forEach(recipe -> names.add(recipe.get("name").textValue()));
            assertThat(names).containsExactlyElementsOf(AutomationRecipes.NAMES)
                    .contains("abandoned-cart", "browse-abandonment", "welcome-series", "order-confirmation", "date-reminder");
            for (JsonNode recipe : recipes) {
                String name = recipe.get("name").textValue();
                JsonNode definition = recipe.get("definition");
                assertThat(definition.isObject()).as(name).isTrue();
                AutomationDefinitions.parse(definition);
                JsonNode single = json(get(server, "/api/v1/automation-recipes/" + name, shop.apiKey()), 200);
                assertThat(single.get("name").textValue()).isEqualTo(name);
                assertThat(single.get("definition")).isEqualTo(definition);
                JsonNode created = json(post(server, "/api/v1/automations", shop.apiKey(), definition.toString()), 201);
                assertThat(created.get("name").textValue()).isEqualTo(definition.get("name").textValue());
                json(post(server, "/api/v1/automations/" + created.get("id").textValue() + "/activate", shop.apiKey(), null), 200);
            }
            assertThat(json(get(server, "/api/v1/automations", shop.apiKey()), 200).get("automations")).hasSize(AutomationRecipes.NAMES.size());
            assertThat(problem(get(server, "/api/v1/automation-recipes/unknown", shop.apiKey()), 404).get("detail").textValue()).contains("abandoned-cart");
        });
    }

    @Test
    void republishesTheLatestStateOfEveryAutomationOfEveryProject() {
        withApp(server -> {
            String draft = create(server, shop.apiKey(), CART);
            String active = create(server, other.apiKey(), CART);
            json(put(server, "/api/v1/automations/" + active, other.apiKey(), CART_V2), 200);
            json(post(server, "/api/v1/automations/" + active + "/activate", other.apiKey(), null), 200);
            String deleted = create(server, shop.apiKey(), CART_V2);
            delete(server, "/api/v1/automations/" + deleted, shop.apiKey());
            int before = publisher.messages().size();

            assertThat(service.republishAll()).isEqualTo(3);

            List<RecordingAutomationPublisher.Message> republished = publisher.messages().subList(before, publisher.messages().size());
            Map<String, String> states = new HashMap<>();
            for (RecordingAutomationPublisher.Message message : republished) {
                JsonNode value = tree(message.value());
                states.put(message.key(), value.get("status").textValue() + " v" + value.get("version").intValue());
            }
            assertThat(states).containsOnly(
                    Map.entry(shop.projectId() + "/" + draft, "draft v1"),
                    Map.entry(other.projectId() + "/" + active, "active v2"),
                    Map.entry(shop.projectId() + "/" + deleted, "deleted v1"));
            assertThat(store.find(other.projectId(), active).orElseThrow().updatedAt()).as("republishing changes nothing").isEqualTo(START);

            publisher.failEverything();
            assertThatThrownBy(service::republishAll).as("reported to the API server, which retries").isInstanceOf(PublishException.class);
            assertThat(store.find(shop.projectId(), deleted).orElseThrow().status()).isEqualTo(AutomationStatus.DELETED);
        });
    }

    @Test
    void theOpenApiDocumentDescribesTheAutomationRoutes() {
        withApp(server -> {
            JsonNode openApi = json(get(server, "/api/v1/openapi.json", null), 200);
            JsonNode paths = openApi.get("paths");
            assertThat(paths.at("/~1api~1v1~1automations/post/operationId").asText()).isEqualTo("createAutomation");
            assertThat(paths.at("/~1api~1v1~1automations/get/operationId").asText()).isEqualTo("listAutomations");
            for (String path : List.of("/api/v1/automations/{id}", "/api/v1/automations/{id}/versions", "/api/v1/automations/{id}/activate",
                    "/api/v1/automations/{id}/pause", "/api/v1/automation-recipes", "/api/v1/automation-recipes/{name}")) {
                assertThat(paths.has(path)).as(path).isTrue();
            }
            JsonNode definition = openApi.at("/components/schemas/AutomationDefinition/properties");
            for (String field : List.of("name", "entry", "conditions", "wait", "cancel", "exit", "gracePeriod", "capping", "reentry", "audience", "quietHours", "action")) {
                assertThat(definition.has(field)).as(field).isTrue();
            }
            // every $ref points at a component that exists
            List<String> refs = new ArrayList<>();
            collectRefs(openApi, refs);
            assertThat(refs).isNotEmpty();
            for (String ref : refs) {
                assertThat(ref).startsWith("#/");
                assertThat(openApi.at(ref.substring(1)).isMissingNode()).as(ref).isFalse();
            }
            assertThat(openApi.at("/components/schemas/AutomationAction/properties/channel/enum").toString()).contains("webhook");
        });
    }

    private static void collectRefs(JsonNode node, List<String> refs) {
        if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> fields = node.fields(); fields.hasNext(); ) {
                Map.Entry<String, JsonNode> field = fields.next();
                if (field.getKey().equals("$ref")) {
                    refs.add(field.getValue().textValue());
                }
                else {
                    collectRefs(field.getValue(), refs);
                }
            }
        }
        else if (node.isArray()) {
            node.forEach(element -> collectRefs(element, refs));
        }
    }
}
