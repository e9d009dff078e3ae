package io.sillage.jobs.messaging;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sillage.lakehouse.messaging.Personalization;
import io.sillage.lakehouse.messaging.Rendering;
import io.sillage.lakehouse.messaging.connector.OutboundMessage;
import io.sillage.lakehouse.messaging.tracking.EmailTracking;
import io.sillage.lakehouse.messaging.tracking.TrackedMessage;
import io.sillage.lakehouse.messaging.tracking.TrackingLinks;
import java.net.URI;
import java.util.HashMap;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.co.BroadcastProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Renders each new message with the current version of its template ({@code CompiledTemplate}, with the project's
 * snippets) and routes every attempt, new or retried, to its project's connector for the channel, with templates
 * and connectors broadcast to it. A template that fails to render fails the message as a whole (status
 * {@code failed}, the part and the reason): nothing half-rendered is ever sent. A retry is not rendered again (the
 * person gets the text of the first attempt) but takes the current connector configuration, so a fixed password
 * applies to messages waiting for a retry.
 *
 * <p>With tracking ({@code messaging.tracking-url} and {@code messaging.tracking-secret}), {@code message.unsubscribe_url}
 * is the message's signed unsubscribe URL ({@link TrackingLinks}), an email's HTML gets click tracking and the open
 * pixel after rendering ({@link EmailTracking}), and emails get {@code List-Unsubscribe}, plus
 * {@code List-Unsubscribe-Post} (RFC 8058 one-click) when the URL is https. Without tracking there is no unsubscribe
 * URL and nothing is rewritten.
 */
public class RenderMessages extends BroadcastProcessFunction<Delivery, MessagingUpdate, Delivery> {
    public static final OutputTag<Message> MESSAGES = new OutputTag<>("messaging-render-messages") {};
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String trackingUrl;
    private final String trackingSecret;
    private transient TrackingLinks tracking;
    private transient MessagingConfig config;

    /**
     * @param trackingUrl    base URL of the API's tracking routes; null (with the secret) for no tracking
     * @param trackingSecret the secret tracking URLs are signed with; null for no tracking
     */
    public RenderMessages(String trackingUrl, String trackingSecret) {
        if ((trackingUrl == null) != (trackingSecret == null)) {
            throw new IllegalArgumentException("give both messaging.tracking-url and messaging.tracking-secret, or neither");
        }
        if (trackingUrl != null) {
            new TrackingLinks(trackingUrl, trackingSecret); // checks both now, when the job is defined
        }
        this.trackingUrl = trackingUrl;
        this.trackingSecret = trackingSecret;
    }

    @Override
    public void open(OpenContext openContext) {
        tracking = trackingUrl == null ? null : new TrackingLinks(trackingUrl, trackingSecret);
    }

    @Override
    public void processElement(Delivery delivery, ReadOnlyContext context, Collector<Delivery> out) throws Exception {
        long now = context.currentProcessingTime();
        MessagingConfig known = config(context);
        Delivery next = delivery.copy();
        if (next.parts == null) {
            MessagingConfig.TemplateEntry template = known.template(next.projectId, next.templateId);
            if (template == null) {
                context.output(MESSAGES, Message.of(next, Message.FAILED, "template_not_found", now));
                return;
            }
            next.templateVersion = template.template().version();
            TrackingLinks.Links links = tracking == null ? null : tracking.forMessage(
                    new TrackedMessage(next.projectId, next.messageId, next.profileId, next.channel, next.sourceType, next.sourceId));
            String unsubscribe = links == null ? null : links.unsubscribeUrl();
            Rendering rendering = template.compiled().render(
                    Personalization.of(json(next.profile), json(next.eventProperties), new Personalization.Message(next.messageId, unsubscribe)),
                    known.snippets(next.projectId));
            if (rendering instanceof Rendering.Failed failed) {
                context.output(MESSAGES, Message.of(next, Message.FAILED, "render: " + failed, now));
                return;
            }
            next.parts = new HashMap<>(((Rendering.Rendered) rendering).message().parts());
            next.profile = null;
            next.eventProperties = null;
            if ("email".equals(next.channel) && links != null) {
                next.parts.computeIfPresent("email.html", (part, html) -> EmailTracking.instrument(html, links));
                next.headers = new HashMap<>(OutboundMessage.unsubscribeHeaders(null, URI.create(unsubscribe)));
            }
        }
        MessagingConfig.ConnectorEntry connector = known.connector(next.projectId, next.channel);
        if (connector == null) {
            context.output(MESSAGES, Message.of(next, Message.FAILED, "no_connector", now).attempt(next.attempt));
            return;
        }
        next.connector = connector.config();
        next.connectorVersion = connector.version();
        out.collect(next);
    }

    private static JsonNode json(String text) throws Exception {
        return text == null ? JSON.createObjectNode() : JSON.readTree(text);
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
}
