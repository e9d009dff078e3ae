package io.sillage.jobs.automation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sillage.jobs.profile.ProfileFacts;
import io.sillage.lakehouse.automation.AutomationDefinition;
import io.sillage.lakehouse.automation.AutomationDefinition.Audience;
import io.sillage.lakehouse.automation.AutomationDefinition.ProfileCondition;
import io.sillage.lakehouse.automation.AutomationDefinition.QuietHours;
import io.sillage.lakehouse.automation.AutomationDefinition.QuietMode;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * The send decision, keyed by person within an automation ({@link AutomationSignal#person()}, on the surviving
 * profile): checks, in order, that the automation is still active (pause and delete take effect on waiting
 * instances), the profile conditions, the audience (marketing: subscribed or opted in to the action's channel;
 * transactional: reachable on it), the grace period and capping (sends of this automation to this person), and
 * quiet hours in the person's time zone (hold until they end, or skip). A send becomes an
 * {@link ActivationRequest}; every decision is a run row.
 *
 * <p>State per person: time of the last send, send times within the capping window, fires held for quiet hours.
 * A processing-time timer releases held fires and clears the state once grace and capping no longer need it.
 */
public class SendGate extends KeyedBroadcastProcessFunction<String, AutomationSignal, AutomationUpdate, ActivationRequest> {
    public static final OutputTag<AutomationRun> RUNS = new OutputTag<>("automation-send-runs") {};
    private static final ObjectMapper JSON = new ObjectMapper();

    private transient ValueState<Long> lastSent;
    private transient ListState<Long> sends;
    private transient MapState<Long, List<AutomationSignal>> held;
    private transient Automations automations;

    @Override
    public void open(OpenContext openContext) {
        lastSent = getRuntimeContext().getState(new ValueStateDescriptor<>("last-sent", Types.LONG));
        sends = getRuntimeContext().getListState(new ListStateDescriptor<>("sends", Types.LONG));
        held = getRuntimeContext().getMapState(new MapStateDescriptor<>("held", Types.LONG, Types.LIST(TypeInformation.of(AutomationSignal.class))));
    }

    @Override
    public void processElement(AutomationSignal fire, ReadOnlyContext context, Collector<ActivationRequest> out) throws Exception {
        decide(fire, context.timerService().currentProcessingTime(), context, out);
    }

    private void decide(AutomationSignal fire, long now, ReadOnlyContext context, Collector<ActivationRequest> out) throws Exception {
        Automations.Compiled automation = automations(context).get(fire.projectId, fire.automationId);
        if (automation == null || automation.deleted()) {
            suppress(context, fire, "deleted", now);
            return;
        }
        if (!automation.active()) {
            suppress(context, fire, "paused", now);
            return;
        }
        AutomationDefinition definition = automation.definition();
        if (!conditionsHold(definition.conditions(), fire)) {
            suppress(context, fire, "conditions", now);
            return;
        }
        if (!inAudience(definition.audience(), definition.action().channel(), fire)) {
            suppress(context, fire, "audience", now);
            return;
        }
        Long last = lastSent.value();
        if (definition.gracePeriod() != null && last != null && now < last + definition.gracePeriod().toMillis()) {
            suppress(context, fire, "grace", now);
            return;
        }
        List<Long> recent = new ArrayList<>();
        if (definition.capping() != null) {
            long since = now - definition.capping().window().toMillis();
            for (Long sent : sends.get()) {
                if (sent > since) {
                    recent.add(sent);
                }
            }
            if (recent.size() >= definition.capping().max()) {
                suppress(context, fire, "capping", now);
                return;
            }
        }
        QuietHours quiet = definition.quietHours();
        if (quiet != null) {
            ZonedDateTime local = Instant.ofEpochMilli(now).atZone(zone(fire.timezone, quiet.defaultZone()));
            if (quiet.quiet(local.toLocalTime())) {
                if (quiet.mode() == QuietMode.SKIP) {
                    suppress(context, fire, "quiet_hours", now);
                    return;
                }
                long release = quietEnd(local, quiet);
                List<AutomationSignal> waiting = held.get(release);
                waiting = waiting == null ? new ArrayList<>() : new ArrayList<>(waiting);
                waiting.add(fire);
                held.put(release, waiting);
                context.timerService().registerProcessingTimeTimer(release);
                context.output(RUNS, AutomationRun.of(fire, AutomationRun.HELD, "quiet_hours", fire.messageId, now).waitingUntil(release));
                return;
            }
        }
        out.collect(request(fire, definition, now));
        context.output(RUNS, AutomationRun.of(fire, AutomationRun.FIRED, null, fire.messageId, now).idempotencyKey(fire.idempotencyKey()));
        lastSent.update(now);
        if (definition.capping() != null) {
            recent.add(now);
            sends.update(recent);
        }
        context.timerService().registerProcessingTimeTimer(now + keepMillis(definition));
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext context, Collector<ActivationRequest> out) throws Exception {
        List<Long> due = new ArrayList<>();
        for (Long release : held.keys()) {
            if (release <= timestamp) {
                due.add(release);
            }
        }
        for (Long release : due) {
            List<AutomationSignal> fires = held.get(release);
            held.remove(release);
            for (AutomationSignal fire : fires) {
                decide(fire, timestamp, context, out);
            }
        }
        if (!held.isEmpty()) {
            return;
        }
        // clear once neither grace nor capping can need the history: the latest send is older than both windows
        Long last = lastSent.value();
        if (last == null) {
            sends.clear();
            return;
        }
        Automations.Compiled automation = automationOf(context, context.getCurrentKey());
        long keep = automation == null ? 0 : keepMillis(automation.definition());
        if (last + keep <= timestamp) {
            lastSent.clear();
            sends.clear();
        }
        else {
            context.timerService().registerProcessingTimeTimer(last + keep);
        }
    }

    /** How long a send must be remembered: the longer of the grace period and the capping window. */
    private static long keepMillis(AutomationDefinition definition) {
        return Math.max(definition.gracePeriod() == null ? 0 : definition.gracePeriod().toMillis(),
                definition.capping() == null ? 0 : definition.capping().window().toMillis());
    }

    private Automations.Compiled automationOf(ReadOnlyContext context, String personKey) throws Exception {
        String[] parts = personKey.split("\u0000", 3);
        return parts.length < 2 ? null : automations(context).get(parts[0], parts[1]);
    }

    private Automations automations(ReadOnlyContext context) throws Exception {
        if (automations == null) {
            automations = new Automations(context.getBroadcastState(Automations.STATE).immutableEntries());
        }
        return automations;
    }

    @Override
    public void processBroadcastElement(AutomationUpdate update, Context context, Collector<ActivationRequest> out) throws Exception {
        context.getBroadcastState(Automations.STATE).put(update.key(), update);
        automations = null;
    }

    static boolean conditionsHold(List<ProfileCondition> conditions, AutomationSignal fire) {
        if (conditions.isEmpty()) {
            return true;
        }
        JsonNode traits = JSON.createObjectNode();
        if (fire.traits != null) {
            try {
                traits = JSON.readTree(fire.traits);
            }
            catch (Exception ignored) {
                // unreadable traits: conditions on them do not hold
            }
        }
        for (ProfileCondition condition : conditions) {
            if (condition.trait() != null) {
                if (!condition.trait().matches(traits)) {
                    return false;
                }
            }
            else if (!condition.subscriptionStatuses().contains(ProfileFacts.status(fire.consent, condition.subscriptionChannel()))) {
                return false;
            }
        }
        return true;
    }

    static boolean inAudience(Audience audience, String channel, AutomationSignal fire) {
        if ("webhook".equals(channel)) {
            return true;
        }
        if (audience == Audience.TRANSACTIONAL) {
            return ProfileFacts.reaches(fire.reach, channel);
        }
        String status = ProfileFacts.status(fire.consent, channel);
        return "subscribed".equals(status) || "opted_in".equals(status);
    }

    private static ZoneId zone(String timezone, ZoneId fallback) {
        if (timezone == null || timezone.isBlank()) {
            return fallback;
        }
        try {
            return ZoneId.of(timezone);
        }
        catch (DateTimeException e) {
            return fallback;
        }
    }

    /** The next end of quiet hours after {@code local} (today's end, or tomorrow's when the period spans midnight). */
    static long quietEnd(ZonedDateTime local, QuietHours quiet) {
        LocalDate day = local.toLocalDate();
        ZonedDateTime end = day.atTime(quiet.end()).atZone(local.getZone());
        if (!end.isAfter(local)) {
            end = day.plusDays(1).atTime(quiet.end()).atZone(local.getZone());
        }
        return end.toInstant().toEpochMilli();
    }

    private static void suppress(ReadOnlyContext context, AutomationSignal fire, String reason, long now) {
        context.output(RUNS, AutomationRun.of(fire, AutomationRun.SUPPRESSED, reason, fire.messageId, now));
    }

    static ActivationRequest request(AutomationSignal fire, AutomationDefinition definition, long now) {
        ActivationRequest request = new ActivationRequest();
        request.idempotencyKey = fire.idempotencyKey();
        request.projectId = fire.projectId;
        request.automationId = fire.automationId;
        request.automationVersion = fire.version;
        request.instanceId = fire.messageId + (fire.instanceKey.isEmpty() ? "" : ":" + fire.instanceKey);
        request.profileId = fire.profileId;
        request.identifier = fire.identifier;
        request.channel = definition.action().channel();
        request.template = definition.action().template();
        request.variant = definition.action().variant();
        request.audience = definition.audience().name().toLowerCase(Locale.ROOT);
        request.entryEvent = fire.event;
        request.entryMessageId = fire.messageId;
        request.entryProperties = fire.properties;
        request.deadlineMillis = fire.deadlineMillis;
        request.firedAtMillis = now;
        return request;
    }
}
