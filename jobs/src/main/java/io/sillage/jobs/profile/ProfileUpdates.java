package io.sillage.jobs.profile;

import com.fasterxml.jackson.databind.JsonNode;
import io.sillage.jobs.profile.ProfileState.MergeEntry;
import io.sillage.jobs.profile.ProfileState.Subscription;
import io.sillage.jobs.profile.ProfileState.TraitValue;
import io.sillage.lakehouse.event.SegmentEvents;

import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * How events change a profile, and how two profiles combine. Pure functions over {@link ProfileState}.
 *
 * <ul>
 *   <li>Traits: from {@code identify} traits, last write wins per trait by event time (then messageId).</li>
 *   <li>Subscriptions: traits {@code email_subscribe}, {@code sms_subscribe}, {@code push_subscribe},
 *       {@code web_push_subscribe} (values {@code opted_in}, {@code subscribed}, {@code unsubscribed}, or
 *       true/false), and track events {@code Subscription Changed} with properties {@code channel},
 *       {@code status}, optional {@code topic} and {@code installation_id}. Push subscriptions are per
 *       installation ({@code installation_id}, else {@code context.device.id}). Latest change wins. Email
 *       feedback too: {@code Email Bounced} with {@code bounce_type} {@code hard} sets the email channel
 *       {@code bounced}, {@code Email Marked as Spam} sets it {@code unsubscribed}.</li>
 *   <li>Computed: first and last seen, event count; from {@code Order Completed} (Segment e-commerce spec)
 *       the order count, revenue ({@code revenue}, else {@code total}) and last order time.</li>
 * </ul>
 */
public final class ProfileUpdates {
    public static final String ORDER_COMPLETED = "Order Completed";
    public static final String SUBSCRIPTION_CHANGED = "Subscription Changed";
    public static final String EMAIL_BOUNCED = "Email Bounced";
    public static final String EMAIL_MARKED_AS_SPAM = "Email Marked as Spam";
    public static final Map<String, String> SUBSCRIPTION_TRAITS = Map.of(
            "email_subscribe", "email",
            "sms_subscribe", "sms",
            "push_subscribe", "push",
            "web_push_subscribe", "web_push");
    /** Track events whose properties change the profile beyond its counters. */
    private static final Set<String> EVENTS_READ = Set.of(ORDER_COMPLETED, SUBSCRIPTION_CHANGED, EMAIL_BOUNCED, EMAIL_MARKED_AS_SPAM);

    private ProfileUpdates() {}

    public static void apply(ProfileState state, ProfileEvent event) {
        long time = event.timestampMicros;
        state.firstSeenMicros = Math.min(state.firstSeenMicros, time);
        state.lastSeenMicros = Math.max(state.lastSeenMicros, time);
        state.eventCount++;
        if ("identify".equals(event.type)) {
            JsonNode traits = SegmentEvents.readStoredJson(event.traits);
            if (traits != null && traits.isObject()) {
                for (Iterator<Map.Entry<String, JsonNode>> fields = traits.fields(); fields.hasNext(); ) {
                    Map.Entry<String, JsonNode> field = fields.next();
                    setTrait(state, field.getKey(), new TraitValue(field.getValue().toString(), time, event.source, event.messageId));
                    String channel = SUBSCRIPTION_TRAITS.get(field.getKey());
                    if (channel != null) {
                        status(field.getValue()).ifPresent(status -> setSubscription(state, new Subscription(
                                channel, null, "push".equals(channel) ? event.deviceId : null, status, time, event.source, event.messageId)));
                    }
                }
            }
        }
        if ("track".equals(event.type) && event.event != null && EVENTS_READ.contains(event.event)) {
            // only these events read their properties: most track events change nothing but the counters
            JsonNode properties = SegmentEvents.readStoredJson(event.properties);
            if (ORDER_COMPLETED.equals(event.event)) {
                state.orderCount++;
                state.lastOrderMicros = Math.max(state.lastOrderMicros, time);
                state.revenue += amount(properties);
            }
            else if (SUBSCRIPTION_CHANGED.equals(event.event) && properties != null) {
                String channel = text(properties.get("channel"));
                Optional<String> status = status(properties.get("status"));
                if (channel != null && status.isPresent()) {
                    String installation = "push".equals(channel) ? Optional.ofNullable(text(properties.get("installation_id"))).orElse(event.deviceId) : null;
                    setSubscription(state, new Subscription(channel.toLowerCase(Locale.ROOT), text(properties.get("topic")), installation,
                            status.get(), time, event.source, event.messageId));
                }
            }
            else if (EMAIL_BOUNCED.equals(event.event) && properties != null && "hard".equals(text(properties.get("bounce_type")))) {
                // the address does not exist: nothing more goes to it, transactional messages included
                setSubscription(state, new Subscription("email", null, null, "bounced", time, event.source, event.messageId));
            }
            else if (EMAIL_MARKED_AS_SPAM.equals(event.event)) {
                setSubscription(state, new Subscription("email", null, null, "unsubscribed", time, event.source, event.messageId));
            }
        }
        state.version++;
    }

    /** Folds {@code from} into {@code into}: traits and subscriptions by time, counters summed, identifiers united. */
    public static void absorb(ProfileState into, ProfileState from, MergeEntry entry) {
        for (String identifier : from.identifiers) {
            if (!into.identifiers.contains(identifier)) {
                into.identifiers.add(identifier);
            }
        }
        from.traits.forEach((name, value) -> setTrait(into, name, value));
        from.subscriptions.values().forEach(subscription -> setSubscription(into, subscription));
        into.createdAtMicros = Math.min(into.createdAtMicros, from.createdAtMicros);
        into.firstSeenMicros = Math.min(into.firstSeenMicros, from.firstSeenMicros);
        into.lastSeenMicros = Math.max(into.lastSeenMicros, from.lastSeenMicros);
        into.eventCount += from.eventCount;
        into.orderCount += from.orderCount;
        into.revenue += from.revenue;
        into.lastOrderMicros = Math.max(into.lastOrderMicros, from.lastOrderMicros);
        into.merges.addAll(from.merges);
        into.merges.add(entry);
        into.version++;
    }

    /**
     * Subscription status from a trait or property value; empty when it is not one Sillage understands. Besides the
     * consent statuses, {@code bounced} (the address hard-bounced) and {@code suppressed} (on a suppression list)
     * stop every message on the channel, transactional ones included (see {@code docs/messaging.md}).
     */
    public static Optional<String> status(JsonNode value) {
        if (value == null || value.isNull()) {
            return Optional.empty();
        }
        if (value.isBoolean()) {
            return Optional.of(value.booleanValue() ? "opted_in" : "unsubscribed");
        }
        String text = value.isTextual() ? value.textValue().strip().toLowerCase(Locale.ROOT) : "";
        return switch (text) {
            case "opted_in", "subscribed", "unsubscribed", "bounced", "suppressed" -> Optional.of(text);
            default -> Optional.empty();
        };
    }

    private static void setTrait(ProfileState state, String name, TraitValue value) {
        if (value.newerThan(state.traits.get(name))) {
            state.traits.put(name, value);
        }
    }

    private static void setSubscription(ProfileState state, Subscription subscription) {
        if (subscription.newerThan(state.subscriptions.get(subscription.key()))) {
            state.subscriptions.put(subscription.key(), subscription);
        }
    }

    private static double amount(JsonNode properties) {
        if (properties == null) {
            return 0;
        }
        JsonNode amount = properties.hasNonNull("revenue") ? properties.get("revenue") : properties.get("total");
        if (amount == null) {
            return 0;
        }
        if (amount.isNumber()) {
            return amount.doubleValue();
        }
        try {
            return amount.isTextual() ? Double.parseDouble(amount.textValue().strip()) : 0;
        }
        catch (NumberFormatException e) {
            return 0;
        }
    }

    private static String text(JsonNode node) {
        return node != null && node.isTextual() && !node.textValue().isBlank() ? node.textValue().strip() : null;
    }
}
