package io.sillage.api.http;

import io.sillage.api.kafka.PublishException;
import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.sillage.api.automations.Automation;
import io.sillage.api.automations.AutomationPublisher;
import io.sillage.api.automations.AutomationService;
import io.sillage.api.db.DefinitionVersion;
import io.sillage.api.projects.ProjectStore;
import io.sillage.lakehouse.automation.AutomationRecipes;
import io.sillage.lakehouse.automation.InvalidDefinitionException;
import io.sillage.lakehouse.event.SegmentEvents;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The automations API ({@code /api/v1/automations/...}) and its recipes, authenticated and scoped like the
 * profile API: another project's automation is a 404, like one that does not exist or was deleted.
 */
public class AutomationHandlers {
    private static final int MAX_DEFINITION_BYTES = 256 * 1024;

    private final ProjectStore projects;
    private final AutomationService automations;

    public AutomationHandlers(ProjectStore projects, AutomationService automations) {
        this.projects = requireNonNull(projects, "projects is null");
        this.automations = requireNonNull(automations, "automations is null");
    }

    /** {@code POST /api/v1/automations}: a new draft, version 1. */
    public void create(Context ctx) {
        String projectId = ApiKeys.authenticate(ctx, projects);
        ObjectNode definition = RequestBodies.readJsonObject(ctx, MAX_DEFINITION_BYTES);
        Automation automation = changing(() -> automations.create(projectId, definition));
        ctx.status(201).header("Location", location(automation)).json(json(automation));
    }

    /** {@code GET /api/v1/automations}: the project's automations, newest first, deleted ones left out. */
    public void list(Context ctx) {
        String projectId = ApiKeys.authenticate(ctx, projects);
        ObjectNode body = SegmentEvents.mapper().createObjectNode();
        ArrayNode list = body.putArray("automations");
        automations.list(projectId).forEach(automation -> list.add(json(automation)));
        ctx.json(body);
    }

    /** {@code GET /api/v1/automations/{id}} */
    public void get(Context ctx) {
        String projectId = ApiKeys.authenticate(ctx, projects);
        ctx.json(json(found(automations.get(projectId, ctx.pathParam("id")))));
    }

    /** {@code GET /api/v1/automations/{id}/versions}: every definition it had, oldest first. */
    public void versions(Context ctx) {
        String projectId = ApiKeys.authenticate(ctx, projects);
        ctx.json(DefinitionVersion.json(found(automations.versions(projectId, ctx.pathParam("id")))));
    }

    /** {@code PUT /api/v1/automations/{id}}: the next version of the definition; the status does not change. */
    public void update(Context ctx) {
        String projectId = ApiKeys.authenticate(ctx, projects);
        ObjectNode definition = RequestBodies.readJsonObject(ctx, MAX_DEFINITION_BYTES);
        ctx.json(json(found(changing(() -> automations.update(projectId, ctx.pathParam("id"), definition)))));
    }

    /** {@code DELETE /api/v1/automations/{id}}: status deleted, published so that the pipeline stops it. */
    public void delete(Context ctx) {
        String projectId = ApiKeys.authenticate(ctx, projects);
        found(changing(() -> automations.delete(projectId, ctx.pathParam("id"))));
        ctx.status(204);
    }

    /** {@code POST /api/v1/automations/{id}/activate} */
    public void activate(Context ctx) {
        String projectId = ApiKeys.authenticate(ctx, projects);
        ctx.json(json(found(changing(() -> automations.activate(projectId, ctx.pathParam("id"))))));
    }

    /** {@code POST /api/v1/automations/{id}/pause} */
    public void pause(Context ctx) {
        String projectId = ApiKeys.authenticate(ctx, projects);
        ctx.json(json(found(changing(() -> automations.pause(projectId, ctx.pathParam("id"))))));
    }

    /** {@code GET /api/v1/automation-recipes}: ready-made definitions to start from. */
    public void recipes(Context ctx) {
        ApiKeys.authenticate(ctx, projects);
        ObjectNode body = SegmentEvents.mapper().createObjectNode();
        ArrayNode list = body.putArray("recipes");
        AutomationRecipes.all().forEach((name, definition) -> list.add(recipe(name, definition)));
        ctx.json(body);
    }

    /** {@code GET /api/v1/automation-recipes/{name}} */
    public void recipe(Context ctx) {
        ApiKeys.authenticate(ctx, projects);
        String name = ctx.pathParam("name");
        String definition = AutomationRecipes.get(name).orElseThrow(() -> new ProblemException(ProblemType.NOT_FOUND,
                "no recipe is named '" + name + "': use one of " + String.join(", ", AutomationRecipes.NAMES)));
        ctx.json(recipe(name, definition));
    }

    private static ObjectNode recipe(String name, String definition) {
        ObjectNode recipe = SegmentEvents.mapper().createObjectNode();
        recipe.put("name", name);
        try {
            recipe.set("definition", SegmentEvents.mapper().readTree(definition));
        }
        catch (JsonProcessingException e) {
            throw new IllegalStateException("Recipe " + name + " is not valid JSON", e);
        }
        return recipe;
    }

    static ObjectNode json(Automation automation) {
        ObjectNode json = SegmentEvents.mapper().createObjectNode();
        json.put("id", automation.id());
        json.put("projectId", automation.projectId());
        json.put("name", automation.name());
        json.put("status", automation.status().wire());
        json.put("version", automation.version());
        json.set("definition", automation.definition());
        json.put("createdAt", automation.createdAt().toString());
        json.put("updatedAt", automation.updatedAt().toString());
        return json;
    }

    private static String location(Automation automation) {
        return "/api/v1/automations/" + automation.id();
    }

    private static <T> T found(Optional<T> value) {
        return value.orElseThrow(() -> new ProblemException(ProblemType.NOT_FOUND, "this project has no such automation"));
    }

    /** Runs a change, turning a refused definition into a 400 naming every problem and a Kafka failure into a 503. */
    private static <T> T changing(Supplier<T> change) {
        try {
            return change.get();
        }
        catch (InvalidDefinitionException e) {
            throw ProblemException.invalidDefinition(ProblemType.INVALID_DEFINITION, e.problems());
        }
        catch (PublishException e) {
            throw ProblemException.notPublished(e);
        }
    }
}
