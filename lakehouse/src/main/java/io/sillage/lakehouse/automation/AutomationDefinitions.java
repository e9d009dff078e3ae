package io.sillage.lakehouse.automation;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sillage.lakehouse.automation.AutomationDefinition.Action;
import io.sillage.lakehouse.automation.AutomationDefinition.Audience;
import io.sillage.lakehouse.automation.AutomationDefinition.Capping;
import io.sillage.lakehouse.automation.AutomationDefinition.EventRule;
import io.sillage.lakehouse.automation.AutomationDefinition.PastPolicy;
import io.sillage.lakehouse.automation.AutomationDefinition.ProfileCondition;
import io.sillage.lakehouse.automation.AutomationDefinition.QuietHours;
import io.sillage.lakehouse.automation.AutomationDefinition.QuietMode;
import io.sillage.lakehouse.automation.AutomationDefinition.Reentry;
import io.sillage.lakehouse.automation.AutomationDefinition.Wait;
import io.sillage.lakehouse.automation.AutomationDefinition.WaitType;
import io.sillage.lakehouse.settings.Durations;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * Parses and validates automation definitions (JSON). Collects every problem, each naming its field, rather
 * than stopping at the first, so that a marketer fixes a definition in one round trip.
 */
public final class AutomationDefinitions {
    public static final Set<String> CHANNELS = Set.of("email", "sms", "push", "web_push", "webhook");
    private static final Set<String> TOP_LEVEL = Set.of("name", "entry", "conditions", "wait", "cancel", "exit",
            "gracePeriod", "capping", "reentry", "audience", "quietHours", "action", "description");
    private static final Duration DEFAULT_MAX_LATENESS = Duration.ofHours(1);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final List<DefinitionProblem> problems = new ArrayList<>();

    private AutomationDefinitions() {}

    public static AutomationDefinition parse(String json) {
        try {
            return parse(JSON.readTree(json));
        }
        catch (JsonProcessingException e) {
            throw new InvalidDefinitionException(List.of(new DefinitionProblem("$", "not valid JSON: " + e.getOriginalMessage())));
        }
    }

    /** @throws InvalidDefinitionException naming every problem */
    public static AutomationDefinition parse(JsonNode root) {
        AutomationDefinitions parser = new AutomationDefinitions();
        AutomationDefinition definition = parser.definition(root);
        if (!parser.problems.isEmpty()) {
            throw new InvalidDefinitionException(parser.problems);
        }
        return definition;
    }

    private AutomationDefinition definition(JsonNode root) {
        if (root == null || !root.isObject()) {
            problem("$", "must be a JSON object");
            return null;
        }
        for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!TOP_LEVEL.contains(name)) {
                problem(name, "unknown field (expected one of " + String.join(", ", TOP_LEVEL.stream().sorted().toList()) + ")");
            }
        }
        String name = requiredText(root, "name", "name");
        EventRule entry = eventRule(root.path("entry"), "entry", false);
        List<ProfileCondition> conditions = conditions(root.path("conditions"));
        Wait wait = wait(root.path("wait"));
        List<EventRule> cancel = eventRules(root.path("cancel"), "cancel", true);
        List<EventRule> exit = eventRules(root.path("exit"), "exit", false);
        Duration grace = optionalDuration(root.path("gracePeriod"), "gracePeriod");
        Capping capping = capping(root.path("capping"));
        Reentry reentry = reentry(root.path("reentry"));
        Audience audience = audience(root.path("audience"));
        QuietHours quietHours = quietHours(root.path("quietHours"));
        Action action = action(root.path("action"));
        if (wait != null && wait.type() == WaitType.NONE && !cancel.isEmpty()) {
            problem("cancel", "an automation without a wait sends at once: there is nothing to cancel (remove cancel or add a wait)");
        }
        if (reentry != null && reentry.parallel()) {
            for (int i = 0; i < cancel.size(); i++) {
                if (cancel.get(i) != null && cancel.get(i).match() != null && !cancel.get(i).match().equals(reentry.key())) {
                    problem("cancel[" + i + "].match", "with parallel re-entry keyed by '" + reentry.key() + "', a cancel event can only match on that key");
                }
            }
        }
        if (!problems.isEmpty()) {
            return null;
        }
        return new AutomationDefinition(name, entry, conditions, wait, cancel, exit, grace, capping, reentry, audience, quietHours, action);
    }

    private List<EventRule> eventRules(JsonNode node, String field, boolean allowMatch) {
        List<EventRule> rules = new ArrayList<>();
        if (node.isMissingNode() || node.isNull()) {
            return rules;
        }
        if (!node.isArray()) {
            problem(field, "must be an array of event rules");
            return rules;
        }
        for (int i = 0; i < node.size(); i++) {
            rules.add(eventRule(node.get(i), field + "[" + i + "]", allowMatch));
        }
        return rules;
    }

    private EventRule eventRule(JsonNode node, String field, boolean allowMatch) {
        if (!node.isObject()) {
            problem(field, node.isMissingNode() ? "is required" : "must be an object with 'event' and optional 'filters'");
            return null;
        }
        String event = requiredText(node, "event", field + ".event");
        List<PropertyFilter> filters = filters(node.path("filters"), field + ".filters");
        String match = null;
        if (node.has("match")) {
            if (!allowMatch) {
                problem(field + ".match", "only cancel events match on a business key");
            }
            else {
                match = requiredText(node, "match", field + ".match");
            }
        }
        return new EventRule(event, filters, match);
    }

    private List<PropertyFilter> filters(JsonNode node, String field) {
        List<PropertyFilter> filters = new ArrayList<>();
        if (node.isMissingNode() || node.isNull()) {
            return filters;
        }
        if (!node.isArray()) {
            problem(field, "must be an array of {property, operator, value(s)}");
            return filters;
        }
        for (int i = 0; i < node.size(); i++) {
            PropertyFilter filter = filter(node.get(i), field + "[" + i + "]", "property");
            if (filter != null) {
                filters.add(filter);
            }
        }
        return filters;
    }

    private PropertyFilter filter(JsonNode node, String field, String pathField) {
        if (!node.isObject()) {
            problem(field, "must be an object {" + pathField + ", operator, value(s)}");
            return null;
        }
        String property = requiredText(node, pathField, field + "." + pathField);
        String operatorText = requiredText(node, "operator", field + ".operator");
        PropertyFilter.Operator operator = null;
        if (operatorText != null) {
            operator = PropertyFilter.Operator.fromWire(operatorText).orElse(null);
            if (operator == null) {
                problem(field + ".operator", "unknown operator '" + operatorText + "' (expected one of equals, not_equals, in, not_in, gt, gte, lt, lte, before, after, exists, not_exists, contains)");
            }
        }
        List<JsonNode> values = new ArrayList<>();
        if (node.has("values")) {
            if (!node.get("values").isArray() || node.get("values").isEmpty()) {
                problem(field + ".values", "must be a non-empty array");
            }
            else {
                node.get("values").forEach(values::add);
            }
        }
        else if (node.has("value")) {
            values.add(node.get("value"));
        }
        if (operator == null || property == null) {
            return null;
        }
        int arity = operator.arity();
        if (arity == 0 && !values.isEmpty()) {
            problem(field + ".value", "operator " + operator.wire() + " takes no value");
        }
        else if (arity == 1 && values.size() != 1) {
            problem(field + ".value", "operator " + operator.wire() + " takes exactly one 'value'");
        }
        else if (arity < 0 && values.isEmpty()) {
            problem(field + ".values", "operator " + operator.wire() + " needs 'values', a non-empty array");
        }
        else if ((operator == PropertyFilter.Operator.BEFORE || operator == PropertyFilter.Operator.AFTER) && PropertyFilter.instant(values.get(0)) == null) {
            problem(field + ".value", "must be an ISO-8601 date or date-time, e.g. 2026-12-24 or 2026-12-24T18:00:00Z");
        }
        else if (operator.ordinal() >= PropertyFilter.Operator.GT.ordinal() && operator.ordinal() <= PropertyFilter.Operator.LTE.ordinal()
                && PropertyFilter.number(values.get(0)) == null) {
            problem(field + ".value", "must be a number for " + operator.wire());
        }
        else {
            return new PropertyFilter(property, operator, values);
        }
        return null;
    }

    private List<ProfileCondition> conditions(JsonNode node) {
        List<ProfileCondition> conditions = new ArrayList<>();
        if (node.isMissingNode() || node.isNull()) {
            return conditions;
        }
        if (!node.isArray()) {
            problem("conditions", "must be an array");
            return conditions;
        }
        for (int i = 0; i < node.size(); i++) {
            String field = "conditions[" + i + "]";
            JsonNode condition = node.get(i);
            if (condition.has("trait")) {
                PropertyFilter filter = filter(condition, field, "trait");
                if (filter != null) {
                    conditions.add(new ProfileCondition(filter, null, null));
                }
            }
            else if (condition.has("subscription")) {
                String channel = requiredText(condition, "subscription", field + ".subscription");
                if (channel != null && !CHANNELS.contains(channel)) {
                    problem(field + ".subscription", "unknown channel '" + channel + "' (expected one of " + String.join(", ", CHANNELS.stream().sorted().toList()) + ")");
                }
                List<String> statuses = new ArrayList<>();
                JsonNode status = condition.path("status");
                if (status.isTextual()) {
                    statuses.add(status.asText());
                }
                else if (status.isArray()) {
                    status.forEach(s -> statuses.add(s.asText()));
                }
                if (statuses.isEmpty() || !Set.of("opted_in", "subscribed", "unsubscribed").containsAll(statuses)) {
                    problem(field + ".status", "must be opted_in, subscribed or unsubscribed (or an array of them)");
                }
                conditions.add(new ProfileCondition(null, channel, statuses));
            }
            else {
                problem(field, "must have 'trait' (with operator and value) or 'subscription' (with status)");
            }
        }
        return conditions;
    }

    private Wait wait(JsonNode node) {
        if (node.isMissingNode() || node.isNull()) {
            return new Wait(WaitType.NONE, Duration.ZERO, null, Duration.ZERO, DEFAULT_MAX_LATENESS, PastPolicy.SKIP);
        }
        if (!node.isObject()) {
            problem("wait", "must be an object with 'type' none, duration or relative");
            return null;
        }
        String typeText = requiredText(node, "type", "wait.type");
        Duration maxLateness = node.has("maxLateness") ? optionalDuration(node.get("maxLateness"), "wait.maxLateness") : DEFAULT_MAX_LATENESS;
        PastPolicy ifPast = PastPolicy.SKIP;
        if (node.has("ifPast")) {
            String text = node.get("ifPast").asText();
            switch (text) {
                case "skip" -> ifPast = PastPolicy.SKIP;
                case "send" -> ifPast = PastPolicy.SEND;
                default -> problem("wait.ifPast", "must be skip or send");
            }
        }
        if (typeText == null) {
            return null;
        }
        switch (typeText) {
            case "none":
                return new Wait(WaitType.NONE, Duration.ZERO, null, Duration.ZERO, maxLateness, ifPast);
            case "duration": {
                Duration duration = optionalDuration(node.path("duration"), "wait.duration");
                if (duration == null) {
                    if (!node.hasNonNull("duration")) { // a value given but invalid is already reported
                        problem("wait.duration", "is required for a duration wait (e.g. 48h, 30m, 10s)");
                    }
                }
                else if (duration.isNegative() || duration.isZero()) {
                    problem("wait.duration", "must be positive (use type none for no wait)");
                }
                return new Wait(WaitType.DURATION, duration, null, Duration.ZERO, maxLateness, ifPast);
            }
            case "relative": {
                String property = requiredText(node, "property", "wait.property");
                Duration offset = Duration.ZERO;
                if (node.has("offset")) {
                    String text = node.get("offset").asText().strip();
                    boolean negative = text.startsWith("-");
                    Duration parsed = parseDuration(negative || text.startsWith("+") ? text.substring(1) : text, "wait.offset");
                    offset = parsed == null ? Duration.ZERO : negative ? parsed.negated() : parsed;
                }
                return new Wait(WaitType.RELATIVE, null, property, offset, maxLateness, ifPast);
            }
            default:
                problem("wait.type", "unknown wait type '" + typeText + "' (expected none, duration or relative)");
                return null;
        }
    }

    private Capping capping(JsonNode node) {
        if (node.isMissingNode() || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            problem("capping", "must be an object {max, window}");
            return null;
        }
        int max = node.path("max").asInt(0);
        if (!node.path("max").isIntegralNumber() || max < 1) {
            problem("capping.max", "must be a whole number of at least 1");
        }
        Duration window = optionalDuration(node.path("window"), "capping.window");
        if (window == null && !node.hasNonNull("window")) { // a value given but invalid is already reported
            problem("capping.window", "is required (e.g. 7d)");
        }
        return new Capping(max, window);
    }

    private Reentry reentry(JsonNode node) {
        if (node.isMissingNode() || node.isNull()) {
            return new Reentry(false, null);
        }
        String mode = requiredText(node, "mode", "reentry.mode");
        if ("single".equals(mode)) {
            return new Reentry(false, null);
        }
        if ("parallel".equals(mode)) {
            String key = requiredText(node, "key", "reentry.key");
            return new Reentry(true, key);
        }
        if (mode != null) {
            problem("reentry.mode", "must be single (one running instance per person) or parallel (one per value of 'key')");
        }
        return null;
    }

    private Audience audience(JsonNode node) {
        if (node.isMissingNode() || node.isNull()) {
            return Audience.MARKETING;
        }
        return switch (node.asText()) {
            case "marketing" -> Audience.MARKETING;
            case "transactional" -> Audience.TRANSACTIONAL;
            default -> {
                problem("audience", "must be marketing (opted-in people only) or transactional (everyone reachable)");
                yield null;
            }
        };
    }

    private QuietHours quietHours(JsonNode node) {
        if (node.isMissingNode() || node.isNull()) {
            return null;
        }
        LocalTime start = time(node.path("start"), "quietHours.start");
        LocalTime end = time(node.path("end"), "quietHours.end");
        QuietMode mode = QuietMode.HOLD;
        String modeText = node.path("mode").asText("hold");
        switch (modeText) {
            case "hold" -> mode = QuietMode.HOLD;
            case "skip" -> mode = QuietMode.SKIP;
            default -> problem("quietHours.mode", "must be hold (send when quiet hours end) or skip");
        }
        ZoneId zone = ZoneId.of("UTC");
        if (node.has("timeZone")) {
            try {
                zone = ZoneId.of(node.get("timeZone").asText());
            }
            catch (DateTimeException e) {
                problem("quietHours.timeZone", "unknown time zone '" + node.get("timeZone").asText() + "' (use an IANA name such as Europe/Paris)");
            }
        }
        return new QuietHours(start, end, mode, zone);
    }

    private LocalTime time(JsonNode node, String field) {
        if (!node.isTextual()) {
            problem(field, "is required, as HH:MM");
            return null;
        }
        try {
            return LocalTime.parse(node.asText());
        }
        catch (DateTimeParseException e) {
            problem(field, "must be a time of day as HH:MM, got '" + node.asText() + "'");
            return null;
        }
    }

    private Action action(JsonNode node) {
        if (!node.isObject()) {
            problem("action", node.isMissingNode() ? "is required: {channel, template, variant}" : "must be an object {channel, template, variant}");
            return null;
        }
        String channel = requiredText(node, "channel", "action.channel");
        if (channel != null && !CHANNELS.contains(channel)) {
            problem("action.channel", "unknown channel '" + channel + "' (expected one of " + String.join(", ", CHANNELS.stream().sorted().toList()) + ")");
        }
        String template = requiredText(node, "template", "action.template");
        String variant = node.hasNonNull("variant") ? node.get("variant").asText() : null;
        return new Action(channel, template, variant);
    }

    private Duration optionalDuration(JsonNode node, String field) {
        if (node.isMissingNode() || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            problem(field, "must be a duration text such as 30s, 15m, 48h or 3d");
            return null;
        }
        return parseDuration(node.asText(), field);
    }

    private Duration parseDuration(String text, String field) {
        try {
            return Durations.parse(field, text);
        }
        catch (IllegalArgumentException e) {
            problem(field, "'" + text + "' is not a duration (write e.g. 30s, 15m, 48h, 3d or ISO-8601 like PT48H)");
            return null;
        }
    }

    private String requiredText(JsonNode node, String name, String field) {
        JsonNode value = node.path(name);
        if (!value.isTextual() || value.asText().isBlank()) {
            problem(field, value.isMissingNode() || value.isNull() ? "is required" : "must be a non-empty string");
            return null;
        }
        return value.asText().strip();
    }

    private void problem(String field, String message) {
        problems.add(new DefinitionProblem(field, message));
    }
}
