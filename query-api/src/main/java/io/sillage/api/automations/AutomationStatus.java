package io.sillage.api.automations;

import java.util.Locale;

/**
 * Lifecycle of an automation. A new automation is a draft; only active ones run. Deleted automations stay in the
 * database (and on the topic, so that the pipeline stops them) but the API answers 404 for them.
 */
public enum AutomationStatus {
    DRAFT, ACTIVE, PAUSED, DELETED;

    /** The name in JSON, in the database and on the topic: {@code draft}, {@code active}, ... */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static AutomationStatus fromWire(String text) {
        return valueOf(text.toUpperCase(Locale.ROOT));
    }
}
