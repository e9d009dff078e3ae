package io.sillage.api.http;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.sillage.lakehouse.event.EventType;
import io.sillage.lakehouse.event.SegmentEvents;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Builds the Javalin application: every route is declared here, grouped by resource; errors become problem+json here. */
public final class SillageApp {
    private static final Logger LOG = LoggerFactory.getLogger(SillageApp.class);

    private SillageApp() {}

    public static Javalin create(TrackingHandlers tracking, ProfileHandlers profiles, AutomationHandlers automations, TemplateHandlers templates,
            ConnectorHandlers connectors, MessageTrackingHandlers messageTracking) {
        requireNonNull(tracking, "tracking is null");
        requireNonNull(messageTracking, "messageTracking is null");
        requireNonNull(profiles, "profiles is null");
        requireNonNull(automations, "automations is null");
        requireNonNull(templates, "templates is null");
        requireNonNull(connectors, "connectors is null");
        byte[] openApi = resource("/api/openapi.json");
        byte[] docs = resource("/api/docs.html");
        return Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.http.maxRequestSize = 8L * 1024 * 1024;
            config.staticFiles.enableWebjars();
            config.routes.get("/health", ctx -> ctx.json(Map.of("status", "ok")));

            // marketer API (Bearer API key), described by an OpenAPI 3.1 document with a browsable UI
            config.routes.get("/api/v1/openapi.json", ctx -> ctx.contentType("application/json").result(openApi));
            config.routes.get("/api/docs", ctx -> ctx.contentType("text/html; charset=utf-8").result(docs));
            config.routes.get("/api/v1/profiles/{identifier}", profiles::get);
            config.routes.get("/api/v1/profiles/{identifier}/events", profiles::events);
            config.routes.put("/api/v1/profiles/{identifier}/subscriptions", profiles::putSubscriptions);
            config.routes.post("/api/v1/automations", automations::create);
            config.routes.get("/api/v1/automations", automations::list);
            config.routes.get("/api/v1/automations/{id}", automations::get);
            config.routes.put("/api/v1/automations/{id}", automations::update);
            config.routes.delete("/api/v1/automations/{id}", automations::delete);
            config.routes.get("/api/v1/automations/{id}/versions", automations::versions);
            config.routes.post("/api/v1/automations/{id}/activate", automations::activate);
            config.routes.post("/api/v1/automations/{id}/pause", automations::pause);
            config.routes.get("/api/v1/automation-recipes", automations::recipes);
            config.routes.get("/api/v1/automation-recipes/{name}", automations::recipe);
            config.routes.post("/api/v1/templates", templates::create);
            config.routes.get("/api/v1/templates", templates::list);
            config.routes.get("/api/v1/templates/{id}", templates::get);
            config.routes.put("/api/v1/templates/{id}", templates::update);
            config.routes.delete("/api/v1/templates/{id}", templates::delete);
            config.routes.get("/api/v1/templates/{id}/versions", templates::versions);
            config.routes.post("/api/v1/templates/{id}/preview", templates::preview);
            config.routes.post("/api/v1/templates/{id}/test-send", templates::testSend);
            config.routes.get("/api/v1/snippets", templates::listSnippets);
            config.routes.get("/api/v1/snippets/{name}", templates::getSnippet);
            config.routes.put("/api/v1/snippets/{name}", templates::putSnippet);
            config.routes.delete("/api/v1/snippets/{name}", templates::deleteSnippet);
            config.routes.get("/api/v1/connectors", connectors::list);
            config.routes.get("/api/v1/connectors/{channel}", connectors::get);
            config.routes.put("/api/v1/connectors/{channel}", connectors::put);
            config.routes.delete("/api/v1/connectors/{channel}", connectors::delete);

            // Segment-compatible tracking API
            for (EventType type : EventType.values()) {
                config.routes.post("/v1/" + type.wireName(), tracking.single(type));
            }
            config.routes.post("/v1/batch", tracking::batch);
            // analytics.js and some SDKs use these aliases
            config.routes.post("/v1/t", tracking.single(EventType.TRACK));
            config.routes.post("/v1/i", tracking.single(EventType.IDENTIFY));
            config.routes.post("/v1/p", tracking.single(EventType.PAGE));

            // what recipients reach from a message (the signed token is the credential), and provider feedback
            config.routes.get("/t/o/{token}", messageTracking::open);
            config.routes.get("/t/c/{token}", messageTracking::click);
            config.routes.get("/t/u/{token}", messageTracking::unsubscribePage);
            config.routes.post("/t/u/{token}", messageTracking::unsubscribe);
            config.routes.post("/v1/providers/sparkpost/events", messageTracking::sparkPostEvents);

            config.routes.exception(ProblemException.class, (e, ctx) -> problem(ctx, e));
            config.routes.exception(Exception.class, (e, ctx) -> {
                LOG.error("Unhandled error on {} {}", ctx.method(), ctx.path(), e);
                problem(ctx, new ProblemException(ProblemType.INTERNAL, "unexpected error; see the API log"));
            });
            config.routes.error(404, ctx -> {
                if (!ctx.res().isCommitted() && !"application/problem+json".equals(ctx.res().getContentType())) {
                    problem(ctx, new ProblemException(ProblemType.NOT_FOUND, "no route for " + ctx.method() + " " + ctx.path()));
                }
            });
        });
    }

    private static byte[] resource(String name) {
        try (var in = SillageApp.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("Missing resource " + name);
            }
            return in.readAllBytes();
        }
        catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("Cannot read resource " + name, e);
        }
    }

    static void problem(Context ctx, ProblemException e) {
        ObjectNode body = SegmentEvents.mapper().createObjectNode();
        body.put("type", e.type().uri());
        body.put("title", e.type().title());
        body.put("status", e.type().status());
        body.put("detail", e.detail());
        body.put("instance", ctx.path());
        e.extensions().forEach((key, value) -> body.set(key, SegmentEvents.mapper().valueToTree(value)));
        e.retryAfterSeconds().ifPresent(seconds -> ctx.header("Retry-After", String.valueOf(seconds)));
        ctx.status(e.type().status()).contentType("application/problem+json").result(body.toString());
    }
}
