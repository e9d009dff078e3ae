package io.sillage.jobs.messaging;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sillage.jobs.automation.ActivationRequest;
import io.sillage.jobs.profile.ProfileReader;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * The first decision on an activation request, keyed by request ({@link Delivery#key(String, String)}: project and
 * idempotency key), with templates and connectors broadcast to it:
 * <ol>
 *   <li>dedup: a request already seen within {@code messaging.dedup-retention} (a replay, a duplicate in the topic)
 *       is dropped, counted in the {@code duplicateRequests} metric;</li>
 *   <li>the profile, read from the serving store at send time (following merges); a profile the store does not have
 *       yet is looked up once more after {@code messaging.profile-wait} (a welcome message can outrun the profile
 *       job's write), then the message is suppressed with {@code unknown_profile};</li>
 *   <li>the template exists ({@code template_not_found}) for the request's channel ({@code channel_mismatch}), and
 *       the project has a connector for the channel ({@code no_connector}): failures;</li>
 *   <li>consent and address ({@link Eligibility}): suppressions.</li>
 * </ol>
 * Every request seen once gets a {@code queued} row, then a {@code suppressed} or {@code failed} row, or goes on.
 *
 * <p>State per request: when it was first seen (cleared by a timer after the retention), and a request waiting for
 * its profile.
 */
public class SendDecision extends KeyedBroadcastProcessFunction<String, ActivationRequest, MessagingUpdate, Delivery> {
    public static final OutputTag<Message> MESSAGES = new OutputTag<>("messaging-decision-messages") {};
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ProfileReader.Factory profiles;
    private final long profileWaitMillis;
    private final long retentionMillis;

    private transient ValueState<Long> firstSeen;
    private transient ValueState<ActivationRequest> waiting;
    private transient ProfileReader reader;
    private transient MessagingConfig config;
    private transient Counter duplicates;

    public SendDecision(ProfileReader.Factory profiles, long profileWaitMillis, long retentionMillis) {
        if (profileWaitMillis >= retentionMillis) {
            throw new IllegalArgumentException("the dedup retention must be longer than the profile wait");
        }
        this.profiles = profiles;
        this.profileWaitMillis = profileWaitMillis;
        this.retentionMillis = retentionMillis;
    }

    @Override
    public void open(OpenContext openContext) {
        firstSeen = getRuntimeContext().getState(new ValueStateDescriptor<>("first-seen", Types.LONG));
        waiting = getRuntimeContext().getState(new ValueStateDescriptor<>("waiting-for-profile", TypeInformation.of(ActivationRequest.class)));
        reader = profiles.open();
        duplicates = getRuntimeContext().getMetricGroup().counter("duplicateRequests");
    }

    @Override
    public void processElement(ActivationRequest request, ReadOnlyContext context, Collector<Delivery> out) throws Exception {
        long now = context.timerService().currentProcessingTime();
        if (firstSeen.value() != null) {
            duplicates.inc();
            return;
        }
        firstSeen.update(now);
        context.timerService().registerProcessingTimeTimer(now + retentionMillis);
        decide(request, now, now, false, context, out);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext context, Collector<Delivery> out) throws Exception {
        Long seen = firstSeen.value();
        ActivationRequest request = waiting.value();
        if (request != null) {
            waiting.clear();
            decide(request, seen == null ? timestamp : seen, timestamp, true, context, out);
        }
        if (seen != null && seen + retentionMillis <= timestamp) {
            firstSeen.clear();
        }
    }

    private void decide(ActivationRequest request, long queuedAt, long now, boolean lookedUpBefore, ReadOnlyContext context, Collector<Delivery> out)
            throws Exception {
        ProfileReader.Stored stored = reader.read(request.projectId, request.profileId);
        if (stored == null && !lookedUpBefore) {
            waiting.update(request);
            context.timerService().registerProcessingTimeTimer(now + profileWaitMillis);
            return;
        }
        Delivery delivery = Delivery.of(request, queuedAt);
        if (stored != null) {
            delivery.profileId = stored.profileId();
        }
        MessagingConfig known = config(context);
        MessagingConfig.TemplateEntry template = known.template(request.projectId, request.template);
        if (template != null) {
            // the request may name the template by name: messages record its id
            delivery.templateId = template.id();
            delivery.templateVersion = template.template().version();
        }
        context.output(MESSAGES, Message.of(delivery, Message.QUEUED, null, queuedAt));
        if (template == null) {
            context.output(MESSAGES, Message.of(delivery, Message.FAILED, "template_not_found", now));
            return;
        }
        if (Delivery.templateChannel(request.channel) != template.template().channel()) {
            context.output(MESSAGES, Message.of(delivery, Message.FAILED, "channel_mismatch: the template is for " + template.template().channel().wire()
                    + ", not " + request.channel, now));
            return;
        }
        MessagingConfig.ConnectorEntry connector = known.connector(request.projectId, request.channel);
        if (connector == null) {
            context.output(MESSAGES, Message.of(delivery, Message.FAILED, "no_connector", now));
            return;
        }
        if (stored == null) {
            context.output(MESSAGES, Message.of(delivery, Message.SUPPRESSED, "unknown_profile", now));
            return;
        }
        JsonNode document;
        try {
            document = JSON.readTree(stored.document());
        }
        catch (Exception e) {
            context.output(MESSAGES, Message.of(delivery, Message.FAILED, "the profile document is not JSON", now));
            return;
        }
        Eligibility.Result eligibility = Eligibility.check(document, request.channel, delivery.marketing(), template.template().topic(), connector.url());
        if (eligibility.suppression() != null) {
            context.output(MESSAGES, Message.of(delivery, Message.SUPPRESSED, eligibility.suppression(), now));
            return;
        }
        delivery.destination = eligibility.destination();
        delivery.destinationHash = Delivery.destinationHash(Eligibility.normalized(request.channel, eligibility.destination()));
        ObjectNode profile = JSON.createObjectNode();
        profile.set("traits", document.path("traits").isObject() ? document.get("traits") : JSON.createObjectNode());
        if (document.path("computed").isObject()) {
            profile.set("computed", document.get("computed"));
        }
        delivery.profile = profile.toString();
        out.collect(delivery);
    }

    private MessagingConfig config(ReadOnlyContext context) throws Exception {
        if (config == null) {
            config = new MessagingConfig(context.getBroadcastState(MessagingConfig.STATE).immutableEntries());
        }
        return config;
    }

    @Override
    public void processBroadcastElement(MessagingUpdate update, Context context, Collector<Delivery> out) throws Exception {
        context.getBroadcastState(MessagingConfig.STATE).put(update.key(), update);
        config = null;
    }

    @Override
    public void close() {
        if (reader != null) {
            reader.close();
        }
    }
}
