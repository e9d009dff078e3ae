package io.sillage.lakehouse.messaging;

import io.sillage.lakehouse.automation.DefinitionProblem;
import io.sillage.lakehouse.automation.InvalidDefinitionException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The snippets of a project, compiled: reusable Liquid partials (a footer, a product card) that every template
 * of the project includes by name with {@code {% include 'footer' %}}. An included snippet sees the variables of
 * the template, and its outputs are escaped like those of the part that includes it.
 *
 * <p>A stored snippet that no longer compiles does not break the others: only a render that includes it fails.
 */
public final class Snippets {
    /** Names are what {@code include} quotes: lower case letters, digits, {@code _} and {@code -}. */
    public static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,63}");
    public static final Snippets NONE = new Snippets(Map.of());

    private final Map<String, Compiled> compiled;

    private Snippets(Map<String, Compiled> compiled) {
        this.compiled = compiled;
    }

    /** A snippet's template per escaping, or why it does not compile. */
    private record Compiled(Map<Liquid.Escaping, Liquid.Compiled> variants, String problem) {}

    /** Compiles the snippets of a project, by name. */
    public static Snippets of(Map<String, String> sources) {
        Map<String, Compiled> compiled = new HashMap<>();
        sources.forEach((name, source) -> {
            try {
                Map<Liquid.Escaping, Liquid.Compiled> variants = new EnumMap<>(Liquid.Escaping.class);
                for (Liquid.Escaping escaping : Liquid.Escaping.values()) {
                    variants.put(escaping, Liquid.compile(source, escaping));
                }
                compiled.put(name, new Compiled(variants, null));
            }
            catch (Liquid.SyntaxException e) {
                compiled.put(name, new Compiled(null, e.getMessage()));
            }
        });
        return new Snippets(compiled);
    }

    /**
     * Checks a snippet before it is stored.
     *
     * @throws InvalidDefinitionException naming every problem: field {@code name} or {@code source}
     */
    public static void check(String name, String source) {
        List<DefinitionProblem> problems = new ArrayList<>();
        if (name == null || !NAME.matcher(name).matches()) {
            problems.add(new DefinitionProblem("name", "must be 1 to 64 lower-case letters, digits, '_' or '-', starting with a letter or digit"));
        }
        if (source == null) {
            problems.add(new DefinitionProblem("source", "is required: the snippet's Liquid text"));
        }
        else {
            try {
                Liquid.compile(source, Liquid.Escaping.NONE);
            }
            catch (Liquid.SyntaxException e) {
                problems.add(new DefinitionProblem("source", e.getMessage()));
            }
        }
        if (!problems.isEmpty()) {
            throw new InvalidDefinitionException(problems);
        }
    }

    /** @throws Liquid.RenderException when there is no such snippet or it does not compile */
    Liquid.Compiled template(String name, Liquid.Escaping escaping) {
        Compiled snippet = compiled.get(name);
        if (snippet == null) {
            throw new Liquid.RenderException("no snippet is named '" + name + "' in this project");
        }
        if (snippet.problem() != null) {
            throw new Liquid.RenderException("snippet '" + name + "' does not compile: " + snippet.problem());
        }
        return snippet.variants().get(escaping);
    }
}
