package io.sillage.lakehouse.automation;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Ready-made definitions for common automations, served by the API as starting points. */
public final class AutomationRecipes {
    public static final List<String> NAMES = List.of("abandoned-cart", "browse-abandonment", "welcome-series", "order-confirmation", "date-reminder");

    private AutomationRecipes() {}

    /** Recipe name to its definition JSON, in a stable order. */
    public static Map<String, String> all() {
        Map<String, String> recipes = new LinkedHashMap<>();
        NAMES.forEach(name -> recipes.put(name, get(name).orElseThrow()));
        return recipes;
    }

    public static Optional<String> get(String name) {
        if (!NAMES.contains(name)) {
            return Optional.empty();
        }
        try (InputStream in = AutomationRecipes.class.getResourceAsStream("recipes/" + name + ".json")) {
            if (in == null) {
                throw new IllegalStateException("Recipe resource missing: " + name);
            }
            return Optional.of(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
