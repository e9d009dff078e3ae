package io.sillage.jobs.messaging;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sillage.jobs.automation.ActivationRequest;
import io.sillage.jobs.collect.RawRecord;
import io.sillage.lakehouse.event.SegmentEvents;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Reads activation requests from the JSON the automation stage writes ({@link ActivationRequest#toJson()}, shape in
 * {@code docs/automations.md}). A record that is not one never fails the job: it goes to {@link #REJECTED} with the
 * reason, and on to the dead-letter topic.
 */
public class ParseActivations extends ProcessFunction<RawRecord, ActivationRequest> {
    public static final OutputTag<RejectedActivation> REJECTED = new OutputTag<>("rejected-activations") {};
    static final Set<String> CHANNELS = Set.of("email", "sms", "push", "web_push", "webhook");
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final int MAX_KEY = 512;
    private static final int MAX_PAYLOAD = 64 * 1024;

    /** Why a record is not an activation request. */
    static final class MalformedException extends Exception {
        MalformedException(String reason) {
            super(reason, null, false, false);
        }
    }

    @Override
    public void processElement(RawRecord record, Context context, Collector<ActivationRequest> out) {
        try {
            out.collect(parse(record.payload()));
        }
        catch (MalformedException e) {
            String payload = new String(record.payload(), StandardCharsets.UTF_8);
            context.output(REJECTED, new RejectedActivation(e.getMessage(), record.topic(), record.partition(), record.offset(),
                    payload.length() > MAX_PAYLOAD ? payload.substring(0, MAX_PAYLOAD) : payload, context.timerService().currentProcessingTime()));
        }
    }

    static ActivationRequest parse(byte[] payload) throws MalformedException {
        JsonNode root;
        try {
            root = JSON.readTree(payload);
        }
        catch (IOException e) {
            throw new MalformedException("not valid JSON");
        }
        if (root == null || !root.isObject()) {
            throw new MalformedException("not a JSON object");
        }
        ActivationRequest request = new ActivationRequest();
        request.idempotencyKey = required(root, "idempotencyKey");
        if (request.idempotencyKey.length() > MAX_KEY) {
            throw new MalformedException("idempotencyKey is longer than " + MAX_KEY + " characters");
        }
        request.projectId = required(root, "projectId");
        request.automationId = required(root, "automationId");
        JsonNode version = root.path("automationVersion");
        if (!version.isMissingNode() && !version.isNull() && !(version.canConvertToInt() && version.isIntegralNumber() && version.asInt() >= 0)) {
            throw new MalformedException("automationVersion must be a whole number");
        }
        request.automationVersion = version.asInt(0);
        request.instanceId = optional(root, "instanceId");
        request.profileId = required(root, "profileId");
        request.identifier = optional(root, "identifier");
        JsonNode action = root.path("action");
        if (!action.isObject()) {
            throw new MalformedException("action is required: {channel, template, variant}");
        }
        request.channel = required(action, "action.channel");
        if (!CHANNELS.contains(request.channel)) {
            throw new MalformedException("action.channel '" + request.channel + "' is not one of email, sms, push, web_push, webhook");
        }
        request.template = required(action, "action.template");
        request.variant = optional(action, "action.variant");
        request.audience = root.hasNonNull("audience") ? root.get("audience").asText() : "marketing";
        if (!request.audience.equals("marketing") && !request.audience.equals("transactional")) {
            throw new MalformedException("audience must be marketing or transactional");
        }
        JsonNode entry = root.path("entry");
        if (!entry.isMissingNode() && !entry.isNull()) {
            if (!entry.isObject()) {
                throw new MalformedException("entry must be an object {event, messageId, properties}");
            }
            request.entryEvent = optional(entry, "entry.event");
            request.entryMessageId = optional(entry, "entry.messageId");
            JsonNode properties = entry.path("properties");
            if (properties.isObject()) {
                request.entryProperties = properties.toString();
            }
            else if (!properties.isMissingNode() && !properties.isNull()) {
                throw new MalformedException("entry.properties must be an object");
            }
        }
        request.deadlineMillis = instant(root, "sendAt");
        request.firedAtMillis = instant(root, "firedAt");
        return request;
    }

    private static String required(JsonNode node, String path) throws MalformedException {
        String name = path.substring(path.lastIndexOf('.') + 1);
        JsonNode value = node.path(name);
        if (!value.isTextual() || value.asText().isBlank()) {
            throw new MalformedException(path + " is required (a non-empty string)");
        }
        return value.asText();
    }

    private static String optional(JsonNode node, String path) throws MalformedException {
        JsonNode value = node.path(path.substring(path.lastIndexOf('.') + 1));
        if (value.isMissingNode() || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            throw new MalformedException(path + " must be a string");
        }
        return value.asText();
    }

    private static long instant(JsonNode root, String name) throws MalformedException {
        String text = optional(root, name);
        if (text == null) {
            return 0;
        }
        return SegmentEvents.parseInstant(text)
                .orElseThrow(() -> new MalformedException(name + " must be an ISO-8601 instant, e.g. 2026-11-25T10:00:00Z"))
                .toEpochMilli();
    }
}
