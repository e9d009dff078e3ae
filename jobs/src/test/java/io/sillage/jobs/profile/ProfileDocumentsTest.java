package io.sillage.jobs.profile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.Random;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ProfileDocumentsTest {
    @Test
    void formatsTimesLikeAnIsoInstantWithMicroseconds() {
        Random random = new Random(1);
        for (int i = 0; i < 10_000; i++) {
            long micros = random.nextLong(-2_000_000_000_000_000L, 4_000_000_000_000_000L);
            Instant instant = Instant.ofEpochSecond(Math.floorDiv(micros, 1_000_000), Math.floorMod(micros, 1_000_000) * 1000L);
            assertThat(Instant.parse(ProfileDocuments.time(micros))).isEqualTo(instant);
        }
        assertThat(ProfileDocuments.time(1_795_000_000_123_456L)).isEqualTo("2026-11-18T11:06:40.123456Z");
        assertThat(ProfileDocuments.time(0)).isEqualTo("1970-01-01T00:00:00.000000Z");
        assertThat(ProfileDocuments.time(Long.MAX_VALUE)).isNull();
    }

    @Test
    void theDocumentIsJsonWithTraitValuesAsSent() throws Exception {
        ProfileState state = ProfileState.create("prj", "p1", 1_000_000);
        state.identifiers.add("email:jane@example.com");
        state.traits.put("name", new ProfileState.TraitValue("\"Jane \\\"J\\\"\"", 5, "web", "m1"));
        state.traits.put("address", new ProfileState.TraitValue("{\"city\":\"Lyon\",\"zip\":69001}", 5, "web", "m1"));
        state.traits.put("gone", new ProfileState.TraitValue(null, 5, "web", "m1"));
        state.subscriptions.put("email", new ProfileState.Subscription("email", null, null, "opted_in", 5, "ios", "m2"));
        JsonNode document = new ObjectMapper().readTree(ProfileSnapshot.of(state, 0).document);
        assertThat(document.get("profileId").textValue()).isEqualTo("p1");
        assertThat(document.at("/identifiers/0/type").textValue()).isEqualTo("email");
        assertThat(document.at("/traits/name").textValue()).isEqualTo("Jane \"J\"");
        assertThat(document.at("/traits/address/zip").intValue()).isEqualTo(69001);
        assertThat(document.at("/traits/gone").isNull()).isTrue();
        assertThat(document.at("/subscriptions/0/source").textValue()).isEqualTo("ios");
        assertThat(document.at("/computed/firstSeen").isNull()).isTrue();
        assertThat(document.get("createdAt").textValue()).isEqualTo("1970-01-01T00:00:01.000000Z");
    }
}
