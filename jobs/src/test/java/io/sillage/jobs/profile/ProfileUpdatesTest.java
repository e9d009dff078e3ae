package io.sillage.jobs.profile;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Email feedback events change the email channel's subscription like a {@code Subscription Changed} would. */
class ProfileUpdatesTest {

    @Test
    void aHardBounceBlocksTheEmailChannelAndASoftOneDoesNot() {
        ProfileState state = ProfileState.create("shop", "prf_1", 0);
        ProfileUpdates.apply(state, track("m1", 100, ProfileUpdates.SUBSCRIPTION_CHANGED, "{\"channel\":\"email\",\"status\":\"opted_in\"}"));
        ProfileUpdates.apply(state, track("m2", 200, ProfileUpdates.EMAIL_BOUNCED, "{\"bounce_class\":\"21\",\"bounce_type\":\"soft\"}"));
        assertThat(state.subscriptions.get("email").status).isEqualTo("opted_in");

        ProfileUpdates.apply(state, track("m3", 300, ProfileUpdates.EMAIL_BOUNCED, "{\"bounce_class\":\"10\",\"bounce_type\":\"hard\"}"));
        ProfileState.Subscription email = state.subscriptions.get("email");
        assertThat(email.status).isEqualTo("bounced");
        assertThat(email.topic).isNull();
        assertThat(email.changedAtMicros).isEqualTo(300);
        assertThat(email.source).isEqualTo("sparkpost");
        assertThat(email.messageId).isEqualTo("m3");
        assertThat(state.subscriptions).containsOnlyKeys("email");
    }

    @Test
    void aSpamComplaintUnsubscribesFromEmailUnlessANewerConsentCame() {
        ProfileState state = ProfileState.create("shop", "prf_1", 0);
        ProfileUpdates.apply(state, track("m1", 100, ProfileUpdates.SUBSCRIPTION_CHANGED, "{\"channel\":\"email\",\"status\":\"subscribed\"}"));
        ProfileUpdates.apply(state, track("m2", 200, ProfileUpdates.EMAIL_MARKED_AS_SPAM, null));
        assertThat(state.subscriptions.get("email").status).isEqualTo("unsubscribed");

        // an older complaint arriving late does not undo a newer consent
        ProfileUpdates.apply(state, track("m3", 300, ProfileUpdates.SUBSCRIPTION_CHANGED, "{\"channel\":\"email\",\"status\":\"opted_in\"}"));
        ProfileUpdates.apply(state, track("m4", 250, ProfileUpdates.EMAIL_MARKED_AS_SPAM, "{}"));
        assertThat(state.subscriptions.get("email").status).isEqualTo("opted_in");
    }

    @Test
    void otherFeedbackLeavesSubscriptionsAlone() {
        ProfileState state = ProfileState.create("shop", "prf_1", 0);
        ProfileUpdates.apply(state, track("m1", 100, "Email Delivered", "{\"message_id\":\"msg_1\"}"));
        ProfileUpdates.apply(state, track("m2", 200, ProfileUpdates.EMAIL_BOUNCED, "{\"bounce_class\":\"10\"}"));
        ProfileUpdates.apply(state, track("m3", 300, "Email Opened", "{}"));
        assertThat(state.subscriptions).isEmpty();
        assertThat(state.eventCount).isEqualTo(3);
    }

    private static ProfileEvent track(String messageId, long micros, String name, String properties) {
        return new ProfileEvent(messageId, "track", name, "sparkpost", micros, null, properties, null);
    }
}
