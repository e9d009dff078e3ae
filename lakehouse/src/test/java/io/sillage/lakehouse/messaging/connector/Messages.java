package io.sillage.lakehouse.messaging.connector;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sillage.lakehouse.messaging.CompiledTemplate;
import io.sillage.lakehouse.messaging.Personalization;
import io.sillage.lakehouse.messaging.Rendering;
import io.sillage.lakehouse.messaging.Snippets;
import io.sillage.lakehouse.messaging.Templates;
import java.util.Map;

/** Messages for the connector tests, rendered from templates the way the activation job renders them. */
final class Messages {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String JANE = "{\"traits\":{\"first_name\":\"Jane\",\"email\":\"jane@example.com\"}}";

    private Messages() {}

    static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        }
        catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    static Rendering.Rendered render(String template, String messageId) {
        Personalization jane = Personalization.of(json(JANE), json("{\"cart\":\"c-42\",\"total\":89.9}"),
                new Personalization.Message(messageId, "https://t.example.com/u/" + messageId));
        Rendering rendering = CompiledTemplate.compile(Templates.parse(json(template), 1)).render(jane, Snippets.NONE);
        if (!(rendering instanceof Rendering.Rendered rendered)) {
            throw new AssertionError(rendering.toString());
        }
        return rendered;
    }

    static OutboundMessage message(String template, String messageId, String destination, Map<String, String> headers) {
        return new OutboundMessage(messageId, "prj_1", destination, render(template, messageId), headers);
    }

    static final String EMAIL = """
            {"name": "Cart", "channel": "email", "email": {
              "from": "Shop <shop@example.com>", "replyTo": "help@example.com",
              "subject": "{{ profile.first_name }}, votre panier vous attend",
              "html": "<p>Bonjour {{ profile.first_name }}, panier {{ event.cart }} : {{ event.total }} €</p>",
              "text": "Bonjour {{ profile.first_name }}, panier {{ event.cart }}"}}""";

    static final String SMS = """
            {"name": "Cart", "channel": "sms", "sms": {"body": "Hi {{ profile.first_name }}, cart {{ event.cart }} & more"}}""";

    static final String PUSH = """
            {"name": "Cart", "channel": "push", "push": {"title": "Hi {{ profile.first_name }}", "body": "Your cart {{ event.cart }} is waiting",
              "deepLink": "shop://cart/{{ event.cart }}"}}""";

    static final String WEBHOOK = """
            {"name": "Cart", "channel": "webhook", "webhook": {"body": "{\\"name\\": \\"{{ profile.first_name }}\\", \\"cart\\": \\"{{ event.cart }}\\", \\"total\\": {{ event.total }}}"}}""";
}
