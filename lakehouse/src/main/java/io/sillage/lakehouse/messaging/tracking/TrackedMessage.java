package io.sillage.lakehouse.messaging.tracking;

import static java.util.Objects.requireNonNull;

/**
 * What a tracking token names: one message sent to one profile. Ids only, never an address or another piece of
 * personal data, since it travels in URLs (proxies, logs, browser history).
 *
 * @param projectId  the project
 * @param messageId  the message ({@code msg_...})
 * @param profileId  the profile it was sent to (the surviving one at send time)
 * @param channel    {@code email}, ...
 * @param sourceType {@code automation} (campaigns later)
 * @param sourceId   the automation (or campaign) id
 */
public record TrackedMessage(String projectId, String messageId, String profileId, String channel, String sourceType, String sourceId) {
    public TrackedMessage {
        requireNonNull(projectId, "projectId is null");
        requireNonNull(messageId, "messageId is null");
        requireNonNull(profileId, "profileId is null");
        requireNonNull(channel, "channel is null");
        requireNonNull(sourceType, "sourceType is null");
        requireNonNull(sourceId, "sourceId is null");
    }
}
