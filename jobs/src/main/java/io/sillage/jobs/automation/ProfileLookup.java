package io.sillage.jobs.automation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sillage.jobs.profile.ProfileFacts;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Before the send decision, reads the person's current profile from the serving store (PostgreSQL
 * {@code profile_view}, following {@code merged_into} to the surviving profile): the fire is re-keyed to the
 * survivor, gets its traits for profile conditions, and, after a wait, its current consent and reach (an
 * instance that fired at entry keeps the facts the entry event carried, which are newer than the store).
 * A profile not in the store yet keeps the entry's facts. Database outages are retried, never fatal.
 */
public class ProfileLookup extends RichMapFunction<AutomationSignal, AutomationSignal> {
    private static final Logger LOG = LoggerFactory.getLogger(ProfileLookup.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_HOPS = 16;

    private final String jdbcUrl;
    private final String user;
    private final String password;
    private transient Connection connection;
    private transient PreparedStatement select;

    public ProfileLookup(String jdbcUrl, String user, String password) {
        this.jdbcUrl = jdbcUrl;
        this.user = user;
        this.password = password;
    }

    @Override
    public AutomationSignal map(AutomationSignal fire) throws Exception {
        long backoff = 200;
        while (true) {
            try {
                return resolve(fire);
            }
            catch (SQLException e) {
                LOG.warn("Serving store lookup failed (SQLState {}); retrying in {} ms", e.getSQLState(), backoff);
                closeQuietly();
                Thread.sleep(backoff);
                backoff = Math.min(backoff * 2, 10_000);
            }
        }
    }

    private AutomationSignal resolve(AutomationSignal fire) throws SQLException {
        if (select == null) {
            Properties properties = new Properties();
            properties.setProperty("user", user);
            properties.setProperty("password", password);
            properties.setProperty("logServerErrorDetail", "false");
            connection = DriverManager.getConnection(jdbcUrl, properties);
            select = connection.prepareStatement("select merged_into, document::text from profile_view where project_id = ? and profile_id = ?");
        }
        String profileId = fire.profileId;
        for (int hop = 0; hop < MAX_HOPS; hop++) {
            select.setString(1, fire.projectId);
            select.setString(2, profileId);
            try (ResultSet row = select.executeQuery()) {
                if (!row.next()) {
                    return fire;
                }
                String mergedInto = row.getString(1);
                if (mergedInto != null) {
                    profileId = mergedInto;
                    continue;
                }
                AutomationSignal resolved = fire.copy(fire.role);
                resolved.profileId = profileId;
                apply(resolved, row.getString(2));
                return resolved;
            }
        }
        return fire;
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

    private void closeQuietly() {
        try {
            if (connection != null) {
                connection.close();
            }
        }
        catch (SQLException ignored) {
            // replaced on the next attempt
        }
        connection = null;
        select = null;
    }

    @Override
    public void close() {
        closeQuietly();
    }
}
