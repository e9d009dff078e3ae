package io.sillage.lakehouse.event;

import static java.util.Objects.requireNonNull;

/**
 * Why an event was refused: the JSON pointer of the offending field and a sentence a developer can act on.
 *
 * @param field the offending field as a JSON pointer relative to the event (for example {@code /userId})
 * @param detail what is wrong and how to fix it
 */
public record EventProblem(String field, String detail) {
    public EventProblem {
        requireNonNull(field, "field is null");
        requireNonNull(detail, "detail is null");
    }

    @Override
    public String toString() {
        return field + ": " + detail;
    }
}
