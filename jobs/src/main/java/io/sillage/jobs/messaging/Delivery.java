package io.sillage.jobs.messaging;

import io.sillage.jobs.automation.ActivationRequest;
import io.sillage.lakehouse.messaging.Template;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInfo;

/**
 * One message on its way through the activation job: what the request asked for, then the decision's facts
 * (surviving profile, destination), then the rendered texts, then the attempt to make. Flink writes it with {@link DeliverySerializer}.
 *
 * <p>{@link #profile} and {@link #eventProperties} are only carried until rendering; {@link #connector} (the
 * connector's configuration, secrets included) only from routing to the send, never into state or Kafka.
 */
@TypeInfo(DeliverySerializer.Factory.class)
public class Delivery {
    public static final String AUTOMATION = "automation";
    public static final String MARKETING = "marketing";

    /** {@code msg_} and 32 hex digits derived from project and idempotency key: a replayed request is the same message. */
    public String messageId;
    public String idempotencyKey;
    public String projectId;
    /** The surviving profile once looked up; the request's profile before. */
    public String profileId;
    /** email, sms, push, web_push or webhook. */
    public String channel;
    /** marketing or transactional. */
    public String audience;
    /** automation (campaigns later). */
    public String sourceType;
    public String sourceId;
    public int sourceVersion;
    public String variant;
    public String templateId;
    /** The template version decided on, then rendered; 0 when unknown. */
    public int templateVersion;
    /** Email address, E.164 number, push subscription JSON or webhook URL. Never logged: see {@link #destinationHash}. */
    public String destination;
    public String destinationHash;
    /** {@code {"traits": ..., "computed": ...}} of the profile, for rendering. */
    public String profile;
    /** The triggering event's properties (JSON object text), for rendering. */
    public String eventProperties;
    /** Rendered texts by part ({@code email.subject}, ...); null until rendered. */
    public Map<String, String> parts;
    /** Extra email headers (List-Unsubscribe). */
    public Map<String, String> headers;
    /** The attempt to make next: 1 for the first send. */
    public int attempt;
    /** The connector's configuration JSON for this attempt (set by routing), and its version. */
    public String connector;
    public int connectorVersion;
    /** When the request was first seen (epoch millis). */
    public long queuedAtMillis;

    public Delivery() {}

    /** A message for a request, before any decision. */
    public static Delivery of(ActivationRequest request, long queuedAtMillis) {
        Delivery delivery = new Delivery();
        delivery.messageId = messageId(request.projectId, request.idempotencyKey);
        delivery.idempotencyKey = request.idempotencyKey;
        delivery.projectId = request.projectId;
        delivery.profileId = request.profileId;
        delivery.channel = request.channel;
        delivery.audience = request.audience;
        delivery.sourceType = AUTOMATION;
        delivery.sourceId = request.automationId;
        delivery.sourceVersion = request.automationVersion;
        delivery.variant = request.variant;
        delivery.templateId = request.template;
        delivery.eventProperties = request.entryProperties;
        delivery.attempt = 1;
        delivery.queuedAtMillis = queuedAtMillis;
        return delivery;
    }

    /** Key of the send decision, the send log and retries: one per request. */
    public String key() {
        return key(projectId, idempotencyKey);
    }

    public static String key(String projectId, String idempotencyKey) {
        return projectId + '/' + idempotencyKey;
    }

    /** Key of destination dedup: the same source sending to the same address. */
    public String destinationKey() {
        return projectId + '/' + sourceType + ':' + sourceId + '/' + destinationHash;
    }

    /** Key of the pressure cap: the person. */
    public String personKey() {
        return projectId + '/' + profileId;
    }

    public boolean marketing() {
        return MARKETING.equals(audience);
    }

    /** The template channel a request channel is rendered with: web push uses push templates. */
    public static Template.Channel templateChannel(String channel) {
        return switch (channel) {
            case "email" -> Template.Channel.EMAIL;
            case "sms" -> Template.Channel.SMS;
            case "push", "web_push" -> Template.Channel.PUSH;
            case "webhook" -> Template.Channel.WEBHOOK;
            default -> throw new IllegalArgumentException("unknown channel " + channel);
        };
    }

    /** The rendered template, rebuilt from {@link #parts}. */
    public Template rendered() {
        Template.Channel templateChannel = templateChannel(channel);
        int version = Math.max(1, templateVersion);
        Template empty = switch (templateChannel) {
            case EMAIL -> new Template(templateId, templateChannel, null, version, new Template.Email(null, null, null, null, null, null), null, null, null);
            case PUSH -> new Template(templateId, templateChannel, null, version, null, new Template.Push(null, null, null, null), null, null);
            case SMS -> new Template(templateId, templateChannel, null, version, null, null, new Template.Sms(null), null);
            case WEBHOOK -> new Template(templateId, templateChannel, null, version, null, null, null, new Template.Webhook(null));
        };
        return empty.withParts(parts);
    }

    public static String messageId(String projectId, String idempotencyKey) {
        return "msg_" + sha256(projectId + '\n' + idempotencyKey).substring(0, 32);
    }

    /** What the job records and logs instead of an address. */
    public static String destinationHash(String destination) {
        return sha256(destination);
    }

    private static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        }
        catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** A copy for state or Kafka: without the connector configuration (it holds secrets). */
    public Delivery withoutConnector() {
        Delivery copy = copy();
        copy.connector = null;
        copy.connectorVersion = 0;
        return copy;
    }

    /** A copy for a status row: without the connector configuration, the rendering inputs, the rendered texts and headers. */
    public Delivery withoutContent() {
        Delivery copy = withoutConnector();
        copy.profile = null;
        copy.eventProperties = null;
        copy.parts = null;
        copy.headers = null;
        return copy;
    }

    public Delivery copy() {
        Delivery copy = new Delivery();
        copy.messageId = messageId;
        copy.idempotencyKey = idempotencyKey;
        copy.projectId = projectId;
        copy.profileId = profileId;
        copy.channel = channel;
        copy.audience = audience;
        copy.sourceType = sourceType;
        copy.sourceId = sourceId;
        copy.sourceVersion = sourceVersion;
        copy.variant = variant;
        copy.templateId = templateId;
        copy.templateVersion = templateVersion;
        copy.destination = destination;
        copy.destinationHash = destinationHash;
        copy.profile = profile;
        copy.eventProperties = eventProperties;
        copy.parts = parts;
        copy.headers = headers;
        copy.attempt = attempt;
        copy.connector = connector;
        copy.connectorVersion = connectorVersion;
        copy.queuedAtMillis = queuedAtMillis;
        return copy;
    }

    @Override
    public String toString() {
        return messageId + " " + channel + " " + sourceType + ":" + sourceId + " attempt " + attempt;
    }
}
