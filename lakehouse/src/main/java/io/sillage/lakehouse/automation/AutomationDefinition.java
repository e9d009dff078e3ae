package io.sillage.lakehouse.automation;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.List;

/**
 * A validated automation: what enters it, how long it waits, what cancels it, and what it sends. Parsed from
 * the JSON the marketer API accepts by {@link AutomationDefinitions#parse}; the Flink pipeline parses the same
 * JSON, so the API and the pipeline can never disagree on what a definition means. The JSON shape is in
 * {@code docs/automations.md}.
 */
public record AutomationDefinition(
        String name,
        EventRule entry,
        List<ProfileCondition> conditions,
        Wait waitRule,
        List<EventRule> cancel,
        List<EventRule> exit,
        Duration gracePeriod,
        Capping capping,
        Reentry reentry,
        Audience audience,
        QuietHours quietHours,
        Action action) {

    public AutomationDefinition {
        conditions = List.copyOf(conditions);
        cancel = List.copyOf(cancel);
        exit = List.copyOf(exit);
    }

    /** An event by name with property filters (all must match); {@code match} names a business key to compare with the entry. */
    public record EventRule(String event, List<PropertyFilter> filters, String match) {
        public EventRule {
            filters = List.copyOf(filters);
        }

        public boolean matches(String eventName, JsonNode properties) {
            if (!event.equals(eventName)) {
                return false;
            }
            for (PropertyFilter filter : filters) {
                if (!filter.matches(properties)) {
                    return false;
                }
            }
            return true;
        }
    }

    /** A condition on the profile checked at send time: a trait filter, or a subscription status of a channel. */
    public record ProfileCondition(PropertyFilter trait, String subscriptionChannel, List<String> subscriptionStatuses) {
        public ProfileCondition {
            subscriptionStatuses = subscriptionStatuses == null ? List.of() : List.copyOf(subscriptionStatuses);
        }
    }

    public enum WaitType { NONE, DURATION, RELATIVE }

    /** What to do with an instance whose send time is already past by more than {@code maxLateness} when its event arrives. */
    public enum PastPolicy { SKIP, SEND }

    /**
     * None: send when the entry event is processed. Duration: entry event time + duration. Relative: the instant
     * in the entry property {@code property} + {@code offset} (negative for "1 day before").
     */
    public record Wait(WaitType type, Duration duration, String property, Duration offset, Duration maxLateness, PastPolicy ifPast) {
        /** The send time in epoch millis for an entry at {@code eventTimeMillis}, or null when the date property is unusable. */
        public Long deadline(long eventTimeMillis, JsonNode properties) {
            return switch (type) {
                case NONE -> eventTimeMillis;
                case DURATION -> eventTimeMillis + duration.toMillis();
                case RELATIVE -> {
                    java.time.Instant date = PropertyFilter.instant(PropertyFilter.at(properties, property));
                    yield date == null ? null : date.plus(offset).toEpochMilli();
                }
            };
        }
    }

    /** At most {@code max} sends of this automation per person in any rolling {@code window}. */
    public record Capping(int max, Duration window) {}

    /** Single: one running instance per person (re-entries while waiting are suppressed). Parallel: one per value of {@code key}. */
    public record Reentry(boolean parallel, String key) {}

    public enum Audience {
        /** Only people subscribed or opted in to the action's channel. */
        MARKETING,
        /** Everyone reachable on the channel, whatever their marketing consent. */
        TRANSACTIONAL
    }

    public enum QuietMode { HOLD, SKIP }

    /** No sends between {@code start} and {@code end} in the person's time zone (trait {@code timezone}, else {@code defaultZone}). */
    public record QuietHours(LocalTime start, LocalTime end, QuietMode mode, ZoneId defaultZone) {
        /** True when {@code time} falls in the quiet period (which may span midnight). */
        public boolean quiet(LocalTime time) {
            if (start.equals(end)) {
                return false;
            }
            return start.isBefore(end)
                    ? !time.isBefore(start) && time.isBefore(end)
                    : !time.isBefore(start) || time.isBefore(end);
        }
    }

    public record Action(String channel, String template, String variant) {}
}
