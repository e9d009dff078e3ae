package io.sillage.api.http;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.sillage.api.projects.WriteKeyOwner;
import io.sillage.api.tracking.TrackingService;
import io.sillage.api.tracking.WriteKeys;
import io.sillage.lakehouse.event.EventType;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

/** HTTP side of the Segment-compatible tracking API: body, write key, status codes. Logic is in {@link TrackingService}. */
public class TrackingHandlers {
    private static final String SUCCESS = "{\"success\":true}";

    private final TrackingService tracking;
    private final WriteKeys writeKeys;

    public TrackingHandlers(TrackingService tracking, WriteKeys writeKeys) {
        this.tracking = requireNonNull(tracking, "tracking is null");
        this.writeKeys = requireNonNull(writeKeys, "writeKeys is null");
    }

    public Handler single(EventType type) {
        return ctx -> {
            ObjectNode body = RequestBodies.readJsonObject(ctx, TrackingService.MAX_EVENT_BYTES);
            tracking.acceptSingle(body, type, authenticate(ctx, body));
            ok(ctx);
        };
    }

    public void batch(Context ctx) {
        ObjectNode body = RequestBodies.readJsonObject(ctx, TrackingService.MAX_BATCH_BYTES);
        tracking.acceptBatch(body, authenticate(ctx, body));
        ok(ctx);
    }

    private WriteKeyOwner authenticate(Context ctx, ObjectNode body) {
        String writeKey = basicAuthUser(ctx.header("Authorization")).orElseGet(() -> {
            JsonNode node = body.get("writeKey");
            return node != null && node.isTextual() && !node.textValue().isBlank() ? node.textValue() : null;
        });
        if (writeKey == null) {
            throw new ProblemException(ProblemType.UNAUTHORIZED,
                    "no write key: send it as the Basic auth user name (empty password) or as \"writeKey\" in the body");
        }
        return writeKeys.find(writeKey).orElseThrow(() -> new ProblemException(ProblemType.UNAUTHORIZED, "unknown write key"));
    }

    static Optional<String> basicAuthUser(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            return Optional.empty();
        }
        try {
            String decoded = new String(Base64.getDecoder().decode(authorization.substring(6).trim()), StandardCharsets.UTF_8);
            int colon = decoded.indexOf(':');
            String user = colon < 0 ? decoded : decoded.substring(0, colon);
            return user.isBlank() ? Optional.empty() : Optional.of(user);
        }
        catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static void ok(Context ctx) {
        ctx.status(200).contentType("application/json").result(SUCCESS);
    }
}
