package io.sillage.api.http;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.sillage.api.connectors.Connector;
import io.sillage.api.connectors.ConnectorService;
import io.sillage.api.kafka.PublishException;
import io.sillage.api.projects.ProjectStore;
import io.sillage.lakehouse.automation.InvalidDefinitionException;
import io.sillage.lakehouse.event.SegmentEvents;
import java.util.Map;
import java.util.Optional;

/**
 * The connectors API ({@code /api/v1/connectors/{channel}}, channel {@code email}, {@code sms}, {@code web_push} or
 * {@code webhook}): one connector per channel and project. Secrets go in and never come out: every answer masks
 * them as {@code ********}, and no log line holds a configuration.
 */
public class ConnectorHandlers {
    private static final int MAX_CONNECTOR_BYTES = 64 * 1024;

    private final ProjectStore projects;
    private final ConnectorService connectors;

    public ConnectorHandlers(ProjectStore projects, ConnectorService connectors) {
        this.projects = requireNonNull(projects, "projects is null");
        this.connectors = requireNonNull(connectors, "connectors is null");
    }

    /** {@code GET /api/v1/connectors}: the project's connectors, by channel. */
    public void list(Context ctx) {
        String projectId = ApiKeys.authenticate(ctx, projects);
        ObjectNode body = SegmentEvents.mapper().createObjectNode();
        ArrayNode list = body.putArray("connectors");
        connectors.list(projectId).forEach(connector -> list.add(ConnectorService.view(connector)));
        ctx.json(body);
    }

    /** {@code GET /api/v1/connectors/{channel}} */
    public void get(Context ctx) {
        String projectId = ApiKeys.authenticate(ctx, projects);
        ctx.json(ConnectorService.view(connectors.get(projectId, channel(ctx)).orElseThrow(ConnectorHandlers::notFound)));
    }

    /** {@code PUT /api/v1/connectors/{channel}} with {@code {"config": {...}, "url": ...}}: creates or replaces it (the next version). */
    public void put(Context ctx) {
        String projectId = ApiKeys.authenticate(ctx, projects);
        String channel = channel(ctx);
        ObjectNode body = RequestBodies.readJsonObject(ctx, MAX_CONNECTOR_BYTES);
        Connector connector;
        try {
            connector = connectors.put(projectId, channel, body);
        }
        catch (InvalidDefinitionException e) {
            throw ProblemException.invalidDefinition(ProblemType.INVALID_CONNECTOR, e.problems());
        }
        catch (PublishException e) {
            throw ProblemException.notPublished(e);
        }
        ctx.status(connector.version() == 1 ? 201 : 200).json(ConnectorService.view(connector));
    }

    /** {@code DELETE /api/v1/connectors/{channel}}: the channel's messages then fail with {@code no_connector}. */
    public void delete(Context ctx) {
        String projectId = ApiKeys.authenticate(ctx, projects);
        String channel = channel(ctx);
        boolean deleted;
        try {
            deleted = connectors.delete(projectId, channel);
        }
        catch (PublishException e) {
            throw ProblemException.notPublished(e);
        }
        if (!deleted) {
            throw notFound();
        }
        ctx.status(204);
    }

    private static String channel(Context ctx) {
        String channel = ctx.pathParam("channel");
        if (!ConnectorService.CHANNELS.containsKey(channel)) {
            throw new ProblemException(ProblemType.NOT_FOUND, "no connector channel '" + channel + "': email, sms, web_push or webhook");
        }
        return channel;
    }


    private static ProblemException notFound() {
        return new ProblemException(ProblemType.NOT_FOUND, "this project has no connector for this channel");
    }
}
