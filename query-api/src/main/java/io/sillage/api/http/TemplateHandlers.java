package io.sillage.api.http;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.sillage.api.connectors.Connector;
import io.sillage.api.connectors.ConnectorService;
import io.sillage.api.db.DefinitionVersion;
import io.sillage.api.kafka.PublishException;
import io.sillage.api.profiles.ProfileViews;
import io.sillage.api.projects.ProjectStore;
import io.sillage.api.templates.DuplicateTemplateNameException;
import io.sillage.api.templates.MessageTemplate;
import io.sillage.api.templates.Snippet;
import io.sillage.api.templates.SnippetStore;
import io.sillage.api.templates.TemplateService;
import io.sillage.lakehouse.automation.InvalidDefinitionException;
import io.sillage.lakehouse.event.SegmentEvents;
import io.sillage.lakehouse.identity.Identifier;
import io.sillage.lakehouse.identity.ProjectIdentityRules;
import io.sillage.lakehouse.messaging.Personalization;
import io.sillage.lakehouse.messaging.Rendering;
import io.sillage.lakehouse.messaging.Template;
import io.sillage.lakehouse.messaging.connector.DeliveryResult;
import io.sillage.lakehouse.messaging.connector.OutboundMessage;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * The message templates API ({@code /api/v1/templates/...}) and the snippets templates include
 * ({@code /api/v1/snippets/...}), authenticated and scoped like the profile API: another project's template or
 * snippet is a 404, like one that does not exist or was deleted.
 */
public class TemplateHandlers {
    private static final int MAX_TEMPLATE_BYTES = 512 * 1024;
    private static final int MAX_SNIPPET_BYTES = 128 * 1024;
    private static final int MAX_PREVIEW_BYTES = 256 * 1024;

    private final ProjectStore projects;
    private final TemplateService templates;
    private final ProfileViews views;
    private final ProjectIdentityRules rules;
    private final ConnectorService connectors;

    public TemplateHandlers(ProjectStore projects, TemplateService templates, ProfileViews views, ProjectIdentityRules rules, ConnectorService connectors) {
        this.projects = requireNonNull(projects, "projects is null");
        this.templates = requireNonNull(templates, "templates is null");
        this.views = requireNonNull(views, "views is null");
        this.rules = requireNonNull(rules, "rules is null");
        this.connectors = requireNonNull(connectors, "connectors is null");
    }

    /** {@code POST /api/v1/templates}: a new template, version 1. */
    public void create(Context ctx) {
        String projectId = ApiKeys.authenticate(ctx, projects);
        ObjectNode definition = RequestBodies.readJsonObject(ctx, MAX_TEMPLATE_BYTES);
        MessageTemplate template = validating(() -> templates.create(projectId, definition));
        ctx.status(201).header("Location", "/api/v1/templates/" + template.id()).json(json(template));
    }

    /** {@code GET /api/v1/templates}: the project's templates, newest first, deleted ones left out. */
    public void list(Context ctx) {
        String projectId = ApiKeys.authenticate(ctx, projects);
        ObjectNode body = SegmentEvents.mapper().createObjectNode();
        ArrayNode list = body.putArray("templates");
        templates.list(projectId).forEach(template -> list.add(json(template)));
        ctx.json(body);
    }

    /** {@code GET /api/v1/templates/{id}} */
    public void get(Context ctx) {
        String projectId = ApiKeys.authenticate(ctx, projects);
        ctx.json(json(found(templates.get(projectId, ctx.pathParam("id")))));
    }

    /** {@code GET /api/v1/templates/{id}/versions}: every definition it had, oldest first. */
    public void versions(Context ctx) {
        String projectId = ApiKeys.authenticate(ctx, projects);
        ctx.json(DefinitionVersion.json(found(templates.versions(projectId, ctx.pathParam("id")))));
    }

    /** {@code PUT /api/v1/templates/{id}}: the next version of the definition. */
    public void update(Context ctx) {
        String projectId = ApiKeys.authenticate(ctx, projects);
        ObjectNode definition = RequestBodies.readJsonObject(ctx, MAX_TEMPLATE_BYTES);
        ctx.json(json(found(validating(() -> templates.update(projectId, ctx.pathParam("id"), definition)))));
    }

    /** {@code DELETE /api/v1/templates/{id}}: then 404; its versions are kept. */
    public void delete(Context ctx) {
        String projectId = ApiKeys.authenticate(ctx, projects);
        if (!validating(() -> templates.delete(projectId, ctx.pathParam("id")))) {
            throw notFound();
        }
        ctx.status(204);
    }

    /**
     * {@code POST /api/v1/templates/{id}/preview} with {@code {"profile":"email:jane@example.com","event":{...}}}:
     * the latest version rendered for that person (and those event properties), with the project's snippets.
     */
    public void preview(Context ctx) {
        String projectId = ApiKeys.authenticate(ctx, projects);
        ObjectNode body = RequestBodies.readJsonObject(ctx, MAX_PREVIEW_BYTES);
        MessageTemplate template = found(templates.get(projectId, ctx.pathParam("id")));
        ObjectNode profile = profile(projectId, body.path("profile"), true);
        Template message = rendered(template, profile, event(body), TemplateService.PREVIEW_MESSAGE);
        ObjectNode answer = SegmentEvents.mapper().createObjectNode();
        answer.put("templateId", template.id());
        answer.put("version", template.version());
        answer.put("channel", template.channel());
        answer.put("profileId", profile.path("profileId").asText());
        answer.set(template.channel(), content(message));
        ctx.json(answer);
    }

    /**
     * {@code POST /api/v1/templates/{id}/test-send} with {@code {"to": "...", "profile": "email:...", "event": {...}}}:
     * renders the latest version (for the profile when one is given, else with no profile data) and sends it once,
     * now, through the project's connector for the channel, to {@code to}: an email address, an E.164 phone number,
     * a push subscription (JSON object), or for webhooks a URL (default: the connector's). An email's subject is
     * prefixed with {@code [Test]}. No consent, capping or send log applies, and nothing is recorded in messages.
     */
    public void testSend(Context ctx) {
        String projectId = ApiKeys.authenticate(ctx, projects);
        ObjectNode body = RequestBodies.readJsonObject(ctx, MAX_PREVIEW_BYTES);
        MessageTemplate template = found(templates.get(projectId, ctx.pathParam("id")));
        Template.Channel channel = Template.Channel.valueOf(template.channel().toUpperCase(Locale.ROOT));
        String connectorChannel = ConnectorService.channelOf(channel);
        Optional<Connector> connector = connectors.get(projectId, connectorChannel);
        if (connector.isEmpty()) {
            throw new ProblemException(ProblemType.CONFLICT, "this project has no " + connectorChannel + " connector to send " + template.channel()
                    + " templates: create it with PUT /api/v1/connectors/" + connectorChannel);
        }
        String to = destination(body.path("to"), channel, connector.get());
        ObjectNode profile = body.hasNonNull("profile") ? profile(projectId, body.path("profile"), false) : SegmentEvents.mapper().createObjectNode();
        String messageId = "test_" + UUID.randomUUID().toString().replace("-", "");
        Template message = rendered(template, profile, event(body), new Personalization.Message(messageId, "#unsubscribe"));
        Map<String, String> parts = new LinkedHashMap<>(message.parts());
        parts.computeIfPresent("email.subject", (field, subject) -> "[Test] " + subject);
        OutboundMessage outbound = new OutboundMessage(messageId, projectId, to,
                new Rendering.Rendered(message.withParts(parts)), Map.of());
        DeliveryResult result = connectors.sendNow(projectId, outbound).orElseThrow(() -> new ProblemException(ProblemType.CONFLICT,
                "the " + connectorChannel + " connector was deleted meanwhile"));
        if (result instanceof DeliveryResult.Accepted accepted) {
            ObjectNode answer = SegmentEvents.mapper().createObjectNode();
            answer.put("messageId", messageId);
            answer.put("templateId", template.id());
            answer.put("version", template.version());
            answer.put("channel", template.channel());
            answer.put("status", "sent");
            answer.put("providerMessageId", accepted.providerMessageId());
            ctx.json(answer);
            return;
        }
        if (result instanceof DeliveryResult.PermanentFailure failure && failure.destinationRejected()) {
            throw invalid("to", "the " + connectorChannel + " connector refused this destination: " + failure.reason());
        }
        String reason = result instanceof DeliveryResult.PermanentFailure failure ? failure.reason() : ((DeliveryResult.TemporaryFailure) result).reason();
        throw new ProblemException(ProblemType.DELIVERY_FAILED, "the " + connectorChannel + " connector could not send the test: " + reason,
                Map.of("temporary", result instanceof DeliveryResult.TemporaryFailure), Optional.empty());
    }

    /** The Profile View document for the identifier in {@code profile}; a 400 or 404 naming the problem. */
    private ObjectNode profile(String projectId, JsonNode profileText, boolean required) {
        if (!profileText.isTextual()) {
            throw invalid("profile", required
                    ? "profile is required: the identifier of the person to render for, e.g. email:jane@example.com"
                    : "profile must be the identifier of the person to render for, e.g. email:jane@example.com");
        }
        Identifier identifier = ProfileHandlers.identifier(profileText.textValue(), rules.rules(projectId), "profile");
        return views.find(projectId, identifier.toString()).orElseThrow(() -> new ProblemException(ProblemType.NOT_FOUND,
                "no profile holds " + identifier.type() + " with this value in this project"));
    }

    private static JsonNode event(ObjectNode body) {
        JsonNode event = body.path("event");
        if (!event.isMissingNode() && !event.isNull() && !event.isObject()) {
            throw invalid("event", "event must be an object: the properties of the event to render with");
        }
        return event.isObject() ? event : null;
    }

    /** The rendered template; a 422 naming the part that failed. */
    private Template rendered(MessageTemplate template, ObjectNode profile, JsonNode event, Personalization.Message message) {
        Rendering rendering = validating(() -> templates.render(template, profile, event, message));
        if (rendering instanceof Rendering.Failed failed) {
            Map<String, Object> extensions = new LinkedHashMap<>();
            extensions.put("field", failed.field());
            throw new ProblemException(ProblemType.RENDERING_FAILED, failed.toString(), extensions, Optional.empty());
        }
        return ((Rendering.Rendered) rendering).message();
    }

    /** Where a test send goes: {@code to} as the channel needs it. */
    private static String destination(JsonNode to, Template.Channel channel, Connector connector) {
        switch (channel) {
            case WEBHOOK -> {
                if (to.isMissingNode() || to.isNull()) {
                    return connector.url();
                }
                if (!to.isTextual() || !(to.textValue().startsWith("http://") || to.textValue().startsWith("https://"))) {
                    throw invalid("to", "to must be the http(s) URL to post the test to (default: the connector's URL)");
                }
                return to.textValue();
            }
            case PUSH -> {
                if (!to.isObject() || !to.path("endpoint").isTextual()) {
                    throw invalid("to", "to must be a push subscription: {\"endpoint\": ..., \"keys\": {\"p256dh\": ..., \"auth\": ...}}");
                }
                return to.toString();
            }
            default -> {
                if (!to.isTextual() || to.textValue().isBlank()) {
                    throw invalid("to", channel == Template.Channel.EMAIL ? "to is required: the email address to send the test to"
                            : "to is required: the phone number (E.164, e.g. +33612345678) to send the test to");
                }
                return to.textValue().strip();
            }
        }
    }

    /** {@code GET /api/v1/snippets}: the project's snippets, by name. */
    public void listSnippets(Context ctx) {
        String projectId = ApiKeys.authenticate(ctx, projects);
        ObjectNode body = SegmentEvents.mapper().createObjectNode();
        ArrayNode list = body.putArray("snippets");
        templates.listSnippets(projectId).forEach(snippet -> list.add(json(snippet)));
        ctx.json(body);
    }

    /** {@code GET /api/v1/snippets/{name}} */
    public void getSnippet(Context ctx) {
        String projectId = ApiKeys.authenticate(ctx, projects);
        ctx.json(json(templates.getSnippet(projectId, ctx.pathParam("name")).orElseThrow(TemplateHandlers::snippetNotFound)));
    }

    /** {@code PUT /api/v1/snippets/{name}} with {@code {"source":"..."}}: creates (201) or replaces (200) it. */
    public void putSnippet(Context ctx) {
        String projectId = ApiKeys.authenticate(ctx, projects);
        ObjectNode body = RequestBodies.readJsonObject(ctx, MAX_SNIPPET_BYTES);
        JsonNode source = body.path("source");
        SnippetStore.Stored stored = validating(() -> templates.putSnippet(projectId, ctx.pathParam("name"), source.isTextual() ? source.textValue() : null));
        ctx.status(stored.created() ? 201 : 200).json(json(stored.snippet()));
    }

    /** {@code DELETE /api/v1/snippets/{name}}: templates including it fail to render until it is back. */
    public void deleteSnippet(Context ctx) {
        String projectId = ApiKeys.authenticate(ctx, projects);
        if (!validating(() -> templates.deleteSnippet(projectId, ctx.pathParam("name")))) {
            throw snippetNotFound();
        }
        ctx.status(204);
    }

    private static ObjectNode json(MessageTemplate template) {
        ObjectNode json = SegmentEvents.mapper().createObjectNode();
        json.put("id", template.id());
        json.put("projectId", template.projectId());
        json.put("name", template.name());
        json.put("channel", template.channel());
        json.put("version", template.version());
        json.set("definition", template.definition());
        json.put("createdAt", template.createdAt().toString());
        json.put("updatedAt", template.updatedAt().toString());
        return json;
    }

    private static ObjectNode json(Snippet snippet) {
        ObjectNode json = SegmentEvents.mapper().createObjectNode();
        json.put("name", snippet.name());
        json.put("source", snippet.source());
        json.put("createdAt", snippet.createdAt().toString());
        json.put("updatedAt", snippet.updatedAt().toString());
        return json;
    }

    /** The rendered texts of the message's channel, under the names of the definition. */
    private static ObjectNode content(Template message) {
        Map<String, String> parts = message.parts();
        ObjectNode content = SegmentEvents.mapper().createObjectNode();
        parts.forEach((field, text) -> content.put(field.substring(field.indexOf('.') + 1), text));
        return content;
    }

    private static <T> T found(Optional<T> value) {
        return value.orElseThrow(TemplateHandlers::notFound);
    }

    private static ProblemException notFound() {
        return new ProblemException(ProblemType.NOT_FOUND, "this project has no such template");
    }

    private static ProblemException snippetNotFound() {
        return new ProblemException(ProblemType.NOT_FOUND, "this project has no such snippet");
    }

    private static ProblemException invalid(String field, String detail) {
        Map<String, Object> extensions = new LinkedHashMap<>();
        extensions.put("field", field);
        return new ProblemException(ProblemType.INVALID_REQUEST, detail, extensions, Optional.empty());
    }

    /**
     * Runs a change or a render, turning a refused definition into a 400 naming every problem, a taken name into a
     * 409, and a change Kafka did not confirm into a 503.
     */
    private static <T> T validating(Supplier<T> work) {
        try {
            return work.get();
        }
        catch (InvalidDefinitionException e) {
            throw ProblemException.invalidDefinition(ProblemType.INVALID_TEMPLATE, e.problems());
        }
        catch (DuplicateTemplateNameException e) {
            throw new ProblemException(ProblemType.CONFLICT, e.getMessage(), Map.of("field", "name"), Optional.empty());
        }
        catch (PublishException e) {
            throw ProblemException.notPublished(e);
        }
    }
}
