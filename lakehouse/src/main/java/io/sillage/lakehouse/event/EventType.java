package io.sillage.lakehouse.event;

import java.util.Locale;
import java.util.Optional;

/** The Segment call types Sillage accepts, with the field each one requires besides an identity. */
public enum EventType {
    TRACK("event"),
    IDENTIFY(null),
    PAGE(null),
    SCREEN(null),
    GROUP("groupId"),
    ALIAS("previousId");

    private final String requiredField;

    EventType(String requiredField) {
        this.requiredField = requiredField;
    }

    /** The field this type requires in addition to {@code userId} or {@code anonymousId}, if any. */
    public Optional<String> requiredField() {
        return Optional.ofNullable(requiredField);
    }

    /** Lower-case name as it appears in payloads, URLs and the {@code type} column. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<EventType> fromWireName(String name) {
        if (name == null) {
            return Optional.empty();
        }
        for (EventType type : values()) {
            if (type.wireName().equals(name)) {
                return Optional.of(type);
            }
        }
        return Optional.empty();
    }
}
