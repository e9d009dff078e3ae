package io.sillage.jobs.messaging;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sillage.lakehouse.messaging.Personalization;
import io.sillage.lakehouse.messaging.Rendering;
import io.sillage.lakehouse.messaging.connector.OutboundMessage;
import java.net.URI;
import java.util.HashMap;
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
 * <p>{@code message.unsubscribe_url} is {@code messaging.unsubscribe-url} with {@code {messageId}} replaced; when it
 * is an https URL, emails also get {@code List-Unsubscribe} and {@code List-Unsubscribe-Post} (RFC 8058).
 */
public class RenderMessages extends BroadcastProcessFunction<Delivery, MessagingUpdate, Delivery> {
    public static final OutputTag<Message> MESSAGES = new OutputTag<>("messaging-render-messages") {};
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String unsubscribeUrl;
    private transient MessagingConfig config;

    /** @param unsubscribeUrl with {@code {messageId}}; null for none */
    public RenderMessages(String unsubscribeUrl) {
        this.unsubscribeUrl = unsubscribeUrl;
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
            String unsubscribe = unsubscribeUrl == null ? null : unsubscribeUrl.replace("{messageId}", next.messageId);
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
            if ("email".equals(next.channel) && unsubscribe != null && unsubscribe.startsWith("https:")) {
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
