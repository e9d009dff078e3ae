package io.sillage.api.http;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.sillage.api.db.DefinitionVersion;
import io.sillage.api.profiles.ProfileViews;
import io.sillage.api.projects.ProjectStore;
import io.sillage.api.templates.MessageTemplate;
import io.sillage.api.templates.Snippet;
import io.sillage.api.templates.SnippetStore;
import io.sillage.api.templates.TemplateService;
import io.sillage.lakehouse.automation.InvalidDefinitionException;
import io.sillage.lakehouse.event.SegmentEvents;
import io.sillage.lakehouse.identity.Identifier;
import io.sillage.lakehouse.identity.ProjectIdentityRules;
import io.sillage.lakehouse.messaging.Rendering;
import io.sillage.lakehouse.messaging.Template;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
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

    public TemplateHandlers(ProjectStore projects, TemplateService templates, ProfileViews views, ProjectIdentityRules rules) {
        this.projects = requireNonNull(projects, "projects is null");
        this.templates = requireNonNull(templates, "templates is null");
        this.views = requireNonNull(views, "views is null");
        this.rules = requireNonNull(rules, "rules is null");
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
        if (!templates.delete(projectId, ctx.pathParam("id"))) {
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
        JsonNode profileText = body.path("profile");
        if (!profileText.isTextual()) {
            throw invalid("profile", "profile is required: the identifier of the person to render for, e.g. email:jane@example.com");
        }
        JsonNode event = body.path("event");
        if (!event.isMissingNode() && !event.isNull() && !event.isObject()) {
            throw invalid("event", "event must be an object: the properties of the event to render with");
        }
        MessageTemplate template = found(templates.get(projectId, ctx.pathParam("id")));
        Identifier identifier = ProfileHandlers.identifier(profileText.textValue(), rules.rules(projectId), "profile");
        ObjectNode profile = views.find(projectId, identifier.toString()).orElseThrow(() -> new ProblemException(ProblemType.NOT_FOUND,
                "no profile holds " + identifier.type() + " with this value in this project"));
        Rendering rendering = validating(() -> templates.preview(template, profile, event.isObject() ? event : null));
        if (rendering instanceof Rendering.Failed failed) {
            Map<String, Object> extensions = new LinkedHashMap<>();
            extensions.put("field", failed.field());
            throw new ProblemException(ProblemType.RENDERING_FAILED, failed.toString(), extensions, Optional.empty());
        }
        Template message = ((Rendering.Rendered) rendering).message();
        ObjectNode answer = SegmentEvents.mapper().createObjectNode();
        answer.put("templateId", template.id());
        answer.put("version", template.version());
        answer.put("channel", template.channel());
        answer.put("profileId", profile.path("profileId").asText());
        answer.set(template.channel(), content(message));
        ctx.json(answer);
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
        if (!templates.deleteSnippet(projectId, ctx.pathParam("name"))) {
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

    /** Runs a change or a render, turning a refused definition into a 400 naming every problem. */
    private static <T> T validating(Supplier<T> work) {
        try {
            return work.get();
        }
        catch (InvalidDefinitionException e) {
            throw ProblemException.invalidDefinition(ProblemType.INVALID_TEMPLATE, e.problems());
        }
    }
}
