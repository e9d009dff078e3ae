package io.sillage.lakehouse.messaging;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sillage.lakehouse.automation.DefinitionProblem;
import io.sillage.lakehouse.automation.InvalidDefinitionException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A template ready to render many times: each part parsed once. Outputs are escaped for the part they land in:
 * HTML in {@code email.html}, a JSON string's content in {@code webhook.body}, nothing elsewhere. Line breaks a
 * person's values bring into {@code email.from}, {@code email.replyTo} or {@code email.subject} become spaces
 * (they would start new mail headers). A rendered webhook body must be JSON. Safe to share between threads.
 */
public final class CompiledTemplate {
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final Set<String> HEADERS = Set.of("email.from", "email.replyTo", "email.subject");
    private static final Pattern LINE_BREAKS = Pattern.compile("\\s*[\\r\\n]+\\s*");

    private final Template template;
    private final Map<String, Liquid.Compiled> parts;

    private CompiledTemplate(Template template, Map<String, Liquid.Compiled> parts) {
        this.template = template;
        this.parts = parts;
    }

    /** @throws InvalidDefinitionException when a part does not compile (never for a template from {@link Templates#parse}) */
    public static CompiledTemplate compile(Template template) {
        requireNonNull(template, "template is null");
        Map<String, Liquid.Compiled> parts = new LinkedHashMap<>();
        List<DefinitionProblem> problems = new ArrayList<>();
        template.parts().forEach((field, source) -> {
            try {
                parts.put(field, Liquid.compile(source, escaping(field)));
            }
            catch (Liquid.SyntaxException e) {
                problems.add(new DefinitionProblem(field, e.getMessage()));
            }
        });
        if (!problems.isEmpty()) {
            throw new InvalidDefinitionException(problems);
        }
        return new CompiledTemplate(template, parts);
    }

    public Template template() {
        return template;
    }

    /** Renders every part for one person, or fails as a whole at the first part that fails. */
    public Rendering render(Personalization personalization, Snippets snippets) {
        Map<String, String> rendered = new LinkedHashMap<>();
        for (Map.Entry<String, Liquid.Compiled> part : parts.entrySet()) {
            String field = part.getKey();
            String text;
            try {
                text = Liquid.render(part.getValue(), personalization.variables(), snippets, escaping(field));
            }
            catch (Liquid.RenderException e) {
                return new Rendering.Failed(field, e.getMessage());
            }
            if (HEADERS.contains(field)) {
                text = LINE_BREAKS.matcher(text).replaceAll(" ").strip();
            }
            if (field.equals("webhook.body")) {
                String problem;
                try {
                    JsonNode body = JSON.readTree(text);
                    problem = body == null || body.isMissingNode() ? "it is empty" : null;
                }
                catch (JsonProcessingException e) {
                    problem = e.getOriginalMessage();
                }
                if (problem != null) {
                    return new Rendering.Failed(field, "the rendered body is not JSON: " + problem);
                }
            }
            rendered.put(field, text);
        }
        return new Rendering.Rendered(template.withParts(rendered));
    }

    private static Liquid.Escaping escaping(String field) {
        return switch (field) {
            case "email.html" -> Liquid.Escaping.HTML;
            case "webhook.body" -> Liquid.Escaping.JSON;
            default -> Liquid.Escaping.NONE;
        };
    }
}
