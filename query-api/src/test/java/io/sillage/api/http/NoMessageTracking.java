package io.sillage.api.http;

import io.sillage.api.tracking.MessageFeedback;
import io.sillage.api.tracking.TrackingService;
import io.sillage.api.tracking.WriteKeys;
import java.util.Optional;

/** Message tracking routes for tests that do not test them: no tracking secret, and a profile store that holds nothing. */
final class NoMessageTracking {
    private NoMessageTracking() {}

    static MessageTrackingHandlers handlers(TrackingService tracking, WriteKeys writeKeys) {
        return new MessageTrackingHandlers(Optional.empty(), new MessageFeedback(tracking, (project, identifier) -> Optional.empty()), writeKeys);
    }
}
