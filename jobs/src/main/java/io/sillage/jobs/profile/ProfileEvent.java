package io.sillage.jobs.profile;

import java.util.Objects;

import org.apache.flink.api.common.typeinfo.TypeInfo;

/**
 * The part of an accepted event that the profile needs: who sent it, when, and the traits and properties that
 * set traits, subscriptions and computed fields. Written by {@link ProfileEventSerializer} in Flink, and as JSON on
 * the feedback topic.
 */
@TypeInfo(ProfileEventSerializer.Factory.class)
public class ProfileEvent {
    public String messageId;
    public String type;
    public String event;
    public String source;
    public long timestampMicros;
    /** JSON object text or null. */
    public String traits;
    /** JSON object text or null. */
    public String properties;
    /** {@code context.device.id}, which names the app installation for push subscriptions. */
    public String deviceId;

    public ProfileEvent() {}

    public ProfileEvent(String messageId, String type, String event, String source, long timestampMicros, String traits, String properties, String deviceId) {
        this.messageId = messageId;
        this.type = type;
        this.event = event;
        this.source = source;
        this.timestampMicros = timestampMicros;
        this.traits = traits;
        this.properties = properties;
        this.deviceId = deviceId;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ProfileEvent that && timestampMicros == that.timestampMicros && Objects.equals(messageId, that.messageId)
                && Objects.equals(type, that.type) && Objects.equals(event, that.event) && Objects.equals(source, that.source)
                && Objects.equals(traits, that.traits) && Objects.equals(properties, that.properties) && Objects.equals(deviceId, that.deviceId);
    }

    @Override
    public int hashCode() {
        return Objects.hash(messageId, timestampMicros);
    }
}
