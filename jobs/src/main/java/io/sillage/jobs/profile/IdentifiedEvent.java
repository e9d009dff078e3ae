package io.sillage.jobs.profile;

import io.sillage.lakehouse.event.CollectedEvent;

import java.util.List;

/**
 * An accepted event with its normalized identifiers, most trusted first ({@code type:value}); empty when every
 * identifier it carried is blocked. The first one is written to {@code events.identifier} and anchors the event
 * to a profile.
 */
public record IdentifiedEvent(CollectedEvent event, List<String> identifiers) {
    public String anchor() {
        return identifiers.isEmpty() ? null : identifiers.get(0);
    }
}
