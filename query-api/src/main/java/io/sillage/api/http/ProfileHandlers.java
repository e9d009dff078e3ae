package io.sillage.api.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.sillage.api.profiles.ProfileEvents;
import io.sillage.api.profiles.ProfileViews;
import io.sillage.api.projects.ProjectStore;
import io.sillage.api.projects.WriteKeyOwner;
import io.sillage.api.tracking.TrackingService;
import io.sillage.lakehouse.event.EventType;
import io.sillage.lakehouse.event.SegmentEvents;
import io.sillage.lakehouse.identity.Identifier;
import io.sillage.lakehouse.identity.IdentifierNormalizer;
import io.sillage.lakehouse.identity.IdentityRules;
import io.sillage.lakehouse.identity.ProjectIdentityRules;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import static java.util.Objects.requireNonNull;

/**
 * The Profile View API ({@code /api/v1/profiles/...}), authenticated with a project's API key as a Bearer token.
 * A key only ever sees its own project: lookups are scoped by the key's project, so another project's profile
 * is a 404 like a profile that does not exist.
 */
public class ProfileHandlers {
    private static final Logger LOG = LoggerFactory.getLogger(ProfileHandlers.class);
    static final int DEFAULT_PAGE = 50;
    static final int MAX_PAGE = 500;
    private static final Set<String> CHANNELS = Set.of("email", "sms", "push", "web_push");
    private static final Set<String> STATUSES = Set.of("opted_in", "subscribed", "unsubscribed");
    private static final Pattern TOPIC = Pattern.compile("[a-z0-9][a-z0-9_-]{0,63}");

    private final ProjectStore projects;
    private final ProfileViews views;
    private final Optional<ProfileEvents> events;
    private final TrackingService tracking;
    private final ProjectIdentityRules rules;

    public ProfileHandlers(ProjectStore projects, ProfileViews views, Optional<ProfileEvents> events, TrackingService tracking, ProjectIdentityRules rules) {
        this.projects = requireNonNull(projects, "projects is null");
        this.views = requireNonNull(views, "views is null");
        this.events = requireNonNull(events, "events is null");
        this.tracking = requireNonNull(tracking, "tracking is null");
        this.rules = requireNonNull(rules, "rules is null");
    }

    /** {@code GET /api/v1/profiles/{identifier}} */
    public void get(Context ctx) {
        String projectId = authenticate(ctx);
        Identifier identifier = identifier(ctx, projectId);
        ObjectNode profile = profile(projectId, identifier);
        profile.put("lookedUpBy", identifier.toString());
        ObjectNode links = profile.putObject("_links");
        String self = "/api/v1/profiles/" + encode(identifier.toString());
        links.put("self", self);
        links.put("events", self + "/events");
        links.put("subscriptions", self + "/subscriptions");
        ctx.json(profile);
    }

    /** {@code GET /api/v1/profiles/{identifier}/events?limit=&cursor=&event=&type=} */
    public void events(Context ctx) {
        String projectId = authenticate(ctx);
        Identifier identifier = identifier(ctx, projectId);
        int limit = limit(ctx.queryParam("limit"));
        Optional<ProfileEvents.Cursor> cursor = Optional.ofNullable(ctx.queryParam("cursor")).map(ProfileHandlers::decodeCursor);
        Optional<String> event = Optional.ofNullable(ctx.queryParam("event")).filter(name -> !name.isEmpty());
        Optional<String> type = Optional.ofNullable(ctx.queryParam("type")).filter(name -> !name.isEmpty());
        if (type.isPresent() && Arrays.stream(EventType.values()).noneMatch(known -> known.wireName().equals(type.get()))) {
            throw invalid("type", "unknown event type '" + type.get() + "': use track, identify, page, screen, group or alias");
        }
        ProfileEvents history = events.orElseThrow(() -> new ProblemException(ProblemType.QUERY_UNAVAILABLE,
                "the event history needs Trino: set trino.jdbc-url in the API configuration"));
        ObjectNode profile = profile(projectId, identifier);
        List<String> identifiers = new ArrayList<>();
        for (JsonNode held : profile.path("identifiers")) {
            identifiers.add(held.path("type").asText() + ':' + held.path("value").asText());
        }
        if (identifiers.isEmpty()) {
            identifiers.add(identifier.toString());
        }
        ProfileEvents.Page page;
        try {
            page = history.page(new ProfileEvents.Query(projectId, identifiers, event, type, limit, cursor));
        }
        catch (IllegalStateException e) {
            // the message may quote the query and its identifiers: log the kind of failure only
            LOG.warn("Event history query failed through Trino ({})", e.getCause() instanceof SQLException sql ? "SQLState " + sql.getSQLState() : e.getClass().getSimpleName());
            throw new ProblemException(ProblemType.QUERY_UNAVAILABLE, "the event history could not be read from Trino; retry later",
                    Map.of(), Optional.of(5));
        }
        ObjectNode body = SegmentEvents.mapper().createObjectNode();
        body.put("profileId", profile.path("profileId").asText());
        ArrayNode data = body.putArray("data");
        page.events().forEach(data::add);
        if (page.next().isPresent()) {
            String next = encodeCursor(page.next().get());
            body.put("next", next);
            StringBuilder link = new StringBuilder("/api/v1/profiles/").append(encode(identifier.toString()))
                    .append("/events?limit=").append(limit).append("&cursor=").append(next);
            event.ifPresent(name -> link.append("&event=").append(encode(name)));
            type.ifPresent(name -> link.append("&type=").append(encode(name)));
            ctx.header("Link", "<" + link + ">; rel=\"next\"");
        }
        else {
            body.putNull("next");
        }
        ctx.json(body);
    }

    /**
     * {@code PUT /api/v1/profiles/{identifier}/subscriptions}: each change becomes a {@code Subscription Changed}
     * event (source {@code api}) in the collect pipeline, so the change is ordered with the profile's other
     * events, recorded in the event history as consent evidence, and applied by the profile job.
     */
    public void putSubscriptions(Context ctx) {
        String projectId = authenticate(ctx);
        Identifier identifier = identifier(ctx, projectId);
        ObjectNode body = RequestBodies.readJsonObject(ctx, 64 * 1024);
        JsonNode changes = body.get("subscriptions");
        if (changes == null || !changes.isArray() || changes.isEmpty()) {
            throw invalid("/subscriptions", "/subscriptions must be a non-empty array of {channel, status, topic?, installationId?}");
        }
        List<ObjectNode> properties = new ArrayList<>();
        for (int i = 0; i < changes.size(); i++) {
            properties.add(subscriptionChange(changes.get(i), "/subscriptions/" + i));
        }
        ObjectNode profile = profile(projectId, identifier);
        WriteKeyOwner api = new WriteKeyOwner(projectId, "api");
        for (ObjectNode change : properties) {
            ObjectNode event = SegmentEvents.mapper().createObjectNode();
            event.put("type", "track");
            event.put("event", "Subscription Changed");
            identify(event, identifier, profile);
            event.set("properties", change);
            tracking.acceptSingle(event, EventType.TRACK, api);
        }
        ObjectNode answer = SegmentEvents.mapper().createObjectNode();
        answer.put("profileId", profile.path("profileId").asText());
        answer.put("accepted", properties.size());
        answer.put("detail", "changes are applied by the profile pipeline within seconds and appear in the event history");
        ctx.status(202).json(answer);
    }

    private static ObjectNode subscriptionChange(JsonNode change, String pointer) {
        if (change == null || !change.isObject()) {
            throw invalid(pointer, pointer + " must be an object {channel, status, topic?, installationId?}");
        }
        String channel = text(change, "channel");
        if (channel == null || !CHANNELS.contains(channel)) {
            throw invalid(pointer + "/channel", pointer + "/channel must be one of email, sms, push, web_push");
        }
        String status = text(change, "status");
        if (status == null || !STATUSES.contains(status)) {
            throw invalid(pointer + "/status", pointer + "/status must be one of opted_in, subscribed, unsubscribed");
        }
        ObjectNode properties = SegmentEvents.mapper().createObjectNode();
        properties.put("channel", channel);
        properties.put("status", status);
        String topic = text(change, "topic");
        if (topic != null) {
            if (!TOPIC.matcher(topic).matches()) {
                throw invalid(pointer + "/topic", pointer + "/topic must be lower-case letters, digits, '_' or '-' (at most 64)");
            }
            properties.put("topic", topic);
        }
        String installation = text(change, "installationId");
        if (installation != null) {
            if (!channel.equals("push")) {
                throw invalid(pointer + "/installationId", pointer + "/installationId only applies to the push channel");
            }
            properties.put("installation_id", installation);
        }
        return properties;
    }

    /** Who the subscription event is about: the looked-up identifier, as Segment fields the pipeline reads. */
    private static void identify(ObjectNode event, Identifier identifier, ObjectNode profile) {
        switch (identifier.type()) {
            case IdentityRules.USER_ID -> event.put("userId", identifier.value());
            case IdentityRules.ANONYMOUS_ID -> event.put("anonymousId", identifier.value());
            default -> {
                // Segment requires userId or anonymousId: use one the profile holds, else a blocked placeholder
                String userId = null;
                String anonymousId = null;
                for (JsonNode held : profile.path("identifiers")) {
                    String type = held.path("type").asText();
                    if (type.equals(IdentityRules.USER_ID) && userId == null) {
                        userId = held.path("value").asText();
                    }
                    if (type.equals(IdentityRules.ANONYMOUS_ID) && anonymousId == null) {
                        anonymousId = held.path("value").asText();
                    }
                }
                if (userId != null) {
                    event.put("userId", userId);
                }
                else {
                    event.put("anonymousId", anonymousId != null ? anonymousId : "anonymous");
                }
                ObjectNode context = event.putObject("context");
                if (identifier.type().equals(IdentityRules.EMAIL) || identifier.type().equals(IdentityRules.PHONE)) {
                    context.putObject("traits").put(identifier.type(), identifier.value());
                }
                else {
                    context.putArray("externalIds").addObject().put("type", identifier.type()).put("id", identifier.value());
                }
            }
        }
    }

    private String authenticate(Context ctx) {
        return ApiKeys.authenticate(ctx, projects);
    }

    private Identifier identifier(Context ctx, String projectId) {
        return identifier(ctx.pathParam("identifier"), rules.rules(projectId), "identifier");
    }

    /**
     * A profile identifier ({@code type:value}) of the project, normalized as the identity pipeline stores it.
     *
     * @throws ProblemException 400 naming {@code field} when it is malformed, of an unknown type, blocked or invalid
     */
    static Identifier identifier(String text, IdentityRules projectRules, String field) {
        Identifier.problemWith(text).ifPresent(problem -> {
            throw invalid(field, problem);
        });
        Identifier raw = Identifier.parse(text);
        if (!projectRules.declares(raw.type())) {
            throw invalid(field, "'" + raw.type() + "' is not an identifier type of this project: use one of " + String.join(", ", projectRules.priority()));
        }
        IdentifierNormalizer normalizer = new IdentifierNormalizer(projectRules);
        return normalizer.normalize(raw.type(), raw.value()).orElseThrow(() -> invalid(field,
                normalizer.isBlocked(raw.value().strip())
                        ? "the value of this " + raw.type() + " is blocked: it never identifies anyone"
                        : "the value is not a valid " + raw.type() + (raw.type().equals(IdentityRules.PHONE) ? " (international format, e.g. +33612345678)" : "")));
    }

    private ObjectNode profile(String projectId, Identifier identifier) {
        return views.find(projectId, identifier.toString()).orElseThrow(() -> new ProblemException(ProblemType.NOT_FOUND,
                "no profile holds " + identifier.type() + " with this value in this project"));
    }

    private static int limit(String text) {
        if (text == null || text.isEmpty()) {
            return DEFAULT_PAGE;
        }
        try {
            int limit = Integer.parseInt(text);
            if (limit >= 1 && limit <= MAX_PAGE) {
                return limit;
            }
        }
        catch (NumberFormatException e) {
            // reported below
        }
        throw invalid("limit", "limit must be a whole number from 1 to " + MAX_PAGE);
    }

    static String encodeCursor(ProfileEvents.Cursor cursor) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString((cursor.timestampMicros() + "|" + cursor.messageId()).getBytes(StandardCharsets.UTF_8));
    }

    static ProfileEvents.Cursor decodeCursor(String text) {
        try {
            String decoded = new String(Base64.getUrlDecoder().decode(text), StandardCharsets.UTF_8);
            int bar = decoded.indexOf('|');
            return new ProfileEvents.Cursor(Long.parseLong(decoded.substring(0, bar)), decoded.substring(bar + 1));
        }
        catch (RuntimeException e) {
            throw invalid("cursor", "the cursor is not one this API returned: use the next link of the previous page");
        }
    }

    private static ProblemException invalid(String field, String detail) {
        Map<String, Object> extensions = new LinkedHashMap<>();
        extensions.put("field", field);
        return new ProblemException(ProblemType.INVALID_REQUEST, detail, extensions, Optional.empty());
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value != null && value.isTextual() && !value.textValue().isBlank() ? value.textValue().strip() : null;
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
