package io.sillage.jobs.profile;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.sillage.jobs.profile.ProfileState.MergeEntry;
import io.sillage.jobs.profile.ProfileState.Subscription;
import io.sillage.jobs.profile.ProfileState.TraitValue;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Map;

/**
 * JSON views of a profile: the document the Profile View API serves (kept in the serving store), and the
 * {@code traits} and {@code subscriptions} columns of the lakehouse tables.
 *
 * <p>Written with a streaming generator, and trait values (already JSON text in the state) are copied as raw
 * values: a snapshot is written for nearly every profile change, so this is on the job's hot path.
 */
public final class ProfileDocuments {
    private static final JsonFactory JSON = new JsonFactory();

    private ProfileDocuments() {}

    @FunctionalInterface
    private interface Body {
        void write(JsonGenerator json) throws IOException;
    }

    /** The Profile View document (see the OpenAPI description of {@code GET /api/v1/profiles/{identifier}}). */
    public static String document(ProfileState state, String traits, String subscriptions) {
        return write(json -> {
            json.writeStartObject();
            json.writeStringField("profileId", state.profileId);
            json.writeNumberField("version", state.version);
            json.writeStringField("mergedInto", state.mergedInto);
            json.writeStringField("createdAt", time(state.createdAtMicros));
            json.writeArrayFieldStart("identifiers");
            for (String identifier : state.identifiers) {
                int colon = identifier.indexOf(':');
                json.writeStartObject();
                json.writeStringField("type", identifier.substring(0, colon));
                json.writeStringField("value", identifier.substring(colon + 1));
                json.writeEndObject();
            }
            json.writeEndArray();
            json.writeFieldName("traits");
            json.writeRawValue(traits);
            json.writeObjectFieldStart("traitSources");
            for (Map.Entry<String, TraitValue> trait : state.traits.entrySet()) {
                json.writeObjectFieldStart(trait.getKey());
                json.writeStringField("setAt", time(trait.getValue().setAtMicros));
                json.writeStringField("source", trait.getValue().source);
                json.writeStringField("messageId", trait.getValue().messageId);
                json.writeEndObject();
            }
            json.writeEndObject();
            json.writeFieldName("subscriptions");
            json.writeRawValue(subscriptions);
            json.writeObjectFieldStart("computed");
            json.writeStringField("firstSeen", time(state.firstSeenMicros));
            json.writeStringField("lastSeen", time(state.lastSeenMicros));
            json.writeNumberField("eventCount", state.eventCount);
            json.writeNumberField("orderCount", state.orderCount);
            json.writeNumberField("revenue", state.revenue);
            json.writeStringField("lastOrderAt", time(state.lastOrderMicros));
            json.writeEndObject();
            json.writeArrayFieldStart("merges");
            for (MergeEntry merge : state.merges) {
                json.writeStartObject();
                json.writeStringField("fromProfileId", merge.fromProfileId);
                json.writeStringField("intoProfileId", merge.intoProfileId);
                json.writeStringField("identifier", merge.identifier);
                json.writeStringField("messageId", merge.messageId);
                json.writeStringField("eventTime", time(merge.eventTimeMicros));
                json.writeEndObject();
            }
            json.writeEndArray();
            json.writeEndObject();
        });
    }

    /** Trait name to value, as a JSON object. */
    public static String traits(ProfileState state) {
        return write(json -> {
            json.writeStartObject();
            for (Map.Entry<String, TraitValue> trait : state.traits.entrySet()) {
                json.writeFieldName(trait.getKey());
                if (trait.getValue().value == null) {
                    json.writeNull();
                }
                else {
                    json.writeRawValue(trait.getValue().value);
                }
            }
            json.writeEndObject();
        });
    }

    public static String subscriptions(ProfileState state) {
        return write(json -> {
            json.writeStartArray();
            for (Subscription subscription : state.subscriptions.values()) {
                json.writeStartObject();
                json.writeStringField("channel", subscription.channel);
                json.writeStringField("topic", subscription.topic);
                json.writeStringField("installationId", subscription.installationId);
                json.writeStringField("status", subscription.status);
                json.writeStringField("changedAt", time(subscription.changedAtMicros));
                json.writeStringField("source", subscription.source);
                json.writeStringField("messageId", subscription.messageId);
                json.writeEndObject();
            }
            json.writeEndArray();
        });
    }

    /**
     * ISO-8601 UTC with microseconds ({@code 2026-11-23T09:00:00.123456Z}), or null for the "never" sentinels.
     * Formatted by hand: a snapshot holds a dozen timestamps, and {@code Instant.toString} was a tenth of the
     * profile operator's time.
     */
    static String time(long micros) {
        if (micros == Long.MAX_VALUE || micros == Long.MIN_VALUE) {
            return null;
        }
        long seconds = Math.floorDiv(micros, 1_000_000);
        int fraction = (int) Math.floorMod(micros, 1_000_000);
        long days = Math.floorDiv(seconds, 86_400);
        int secondOfDay = (int) Math.floorMod(seconds, 86_400);
        java.time.LocalDate date = java.time.LocalDate.ofEpochDay(days);
        int year = date.getYear();
        if (year < 0 || year > 9999) {
            return Instant.ofEpochSecond(seconds, fraction * 1000L).toString();
        }
        char[] text = new char[27];
        digits(text, 0, year, 4);
        text[4] = '-';
        digits(text, 5, date.getMonthValue(), 2);
        text[7] = '-';
        digits(text, 8, date.getDayOfMonth(), 2);
        text[10] = 'T';
        digits(text, 11, secondOfDay / 3600, 2);
        text[13] = ':';
        digits(text, 14, secondOfDay / 60 % 60, 2);
        text[16] = ':';
        digits(text, 17, secondOfDay % 60, 2);
        text[19] = '.';
        digits(text, 20, fraction, 6);
        text[26] = 'Z';
        return new String(text);
    }

    private static void digits(char[] text, int offset, int value, int width) {
        for (int i = offset + width - 1; i >= offset; i--) {
            text[i] = (char) ('0' + value % 10);
            value /= 10;
        }
    }

    private static String write(Body body) {
        StringWriter out = new StringWriter(256);
        try (JsonGenerator json = JSON.createGenerator(out)) {
            body.write(json);
        }
        catch (IOException e) {
            throw new UncheckedIOException("Cannot write a profile as JSON", e);
        }
        return out.toString();
    }
}
