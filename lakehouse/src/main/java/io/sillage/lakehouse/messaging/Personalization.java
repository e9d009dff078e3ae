package io.sillage.lakehouse.messaging;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The variables a template is rendered with, for one person and one message:
 * <ul>
 *   <li>{@code profile}: the profile's traits ({@code profile.first_name}), and its computed fields under
 *       {@code profile.computed} ({@code profile.computed.orderCount}); a trait named {@code computed} is hidden;</li>
 *   <li>{@code event}: the properties of the event that triggered the message ({@code event.products});</li>
 *   <li>{@code message}: {@code message.id} and {@code message.unsubscribe_url}.</li>
 * </ul>
 */
public final class Personalization {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, Object>> OBJECT = new TypeReference<>() {};

    private final Map<String, Object> variables;

    private Personalization(Map<String, Object> variables) {
        this.variables = variables;
    }

    /** The message's own facts a template may show. */
    public record Message(String id, String unsubscribeUrl) {}

    /**
     * @param profileDocument the Profile View document ({@code traits}, {@code computed}, ...)
     * @param eventProperties the triggering event's properties; null or not an object for none
     */
    public static Personalization of(JsonNode profileDocument, JsonNode eventProperties, Message message) {
        Map<String, Object> profile = object(profileDocument.path("traits"));
        if (profileDocument.path("computed").isObject()) {
            profile.put("computed", object(profileDocument.get("computed")));
        }
        Map<String, Object> messageVariables = new LinkedHashMap<>();
        messageVariables.put("id", message.id());
        messageVariables.put("unsubscribe_url", message.unsubscribeUrl());
        Map<String, Object> variables = new LinkedHashMap<>();
        variables.put("profile", profile);
        variables.put("event", object(eventProperties));
        variables.put("message", messageVariables);
        return new Personalization(variables);
    }

    Map<String, Object> variables() {
        return variables;
    }

    private static Map<String, Object> object(JsonNode node) {
        return node != null && node.isObject() ? JSON.convertValue(node, OBJECT) : new LinkedHashMap<>();
    }
}
