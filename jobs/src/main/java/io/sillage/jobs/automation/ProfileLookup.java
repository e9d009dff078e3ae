package io.sillage.jobs.automation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sillage.jobs.profile.PostgresProfileReader;
import io.sillage.jobs.profile.ProfileFacts;
import io.sillage.jobs.profile.ProfileReader;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;

/**
 * Before the send decision, reads the person's current profile from the serving store (PostgreSQL
 * {@code profile_view}, following {@code merged_into} to the surviving profile): the fire is re-keyed to the
 * survivor, gets its traits for profile conditions, and, after a wait, its current consent and reach (an
 * instance that fired at entry keeps the facts the entry event carried, which are newer than the store).
 * A profile not in the store yet keeps the entry's facts. Database outages are retried, never fatal.
 */
public class ProfileLookup extends RichMapFunction<AutomationSignal, AutomationSignal> {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ProfileReader.Factory profiles;
    private transient ProfileReader reader;

    public ProfileLookup(String jdbcUrl, String user, String password) {
        this.profiles = PostgresProfileReader.factory(jdbcUrl, user, password);
    }

    @Override
    public void open(OpenContext openContext) {
        reader = profiles.open();
    }

    @Override
    public AutomationSignal map(AutomationSignal fire) throws Exception {
        ProfileReader.Stored stored = reader.read(fire.projectId, fire.profileId);
        if (stored == null) {
            return fire;
        }
        AutomationSignal resolved = fire.copy(fire.role);
        resolved.profileId = stored.profileId();
        apply(resolved, stored.document());
        return resolved;
    }

    /** Copies traits (and, for a fire after a wait, consent, reach and time zone) from a profile document. */
    static void apply(AutomationSignal fire, String documentText) {
        JsonNode document;
        try {
            document = JSON.readTree(documentText);
        }
        catch (Exception e) {
            return; // a document the profile job did not write: decide on the entry's facts
        }
        JsonNode traits = document.path("traits");
        fire.traits = traits.isObject() ? traits.toString() : null;
        if (fire.factsCurrent) {
            return;
        }
        Map<String, String> consent = new LinkedHashMap<>();
        boolean push = false;
        boolean webPush = false;
        for (JsonNode subscription : document.path("subscriptions")) {
            String channel = subscription.path("channel").asText();
            push |= "push".equals(channel) && subscription.hasNonNull("installationId");
            webPush |= "web_push".equals(channel);
            if (subscription.hasNonNull("topic")) {
                continue;
            }
            ProfileFacts.best(consent, channel, subscription.path("status").asText());
        }
        boolean email = traits.hasNonNull("email");
        boolean sms = traits.hasNonNull("phone");
        for (JsonNode identifier : document.path("identifiers")) {
            email |= "email".equals(identifier.path("type").asText());
            sms |= "phone".equals(identifier.path("type").asText());
        }
        fire.consent = ProfileFacts.consent(consent);
        fire.reach = ProfileFacts.reach(email, sms, push, webPush);
        fire.timezone = traits.hasNonNull("timezone") ? traits.get("timezone").asText() : null;
    }

    @Override
    public void close() {
        if (reader != null) {
            reader.close();
        }
    }
}
