package io.sillage.lakehouse.identity;

import static org.assertj.core.api.Assertions.assertThat;

import io.sillage.lakehouse.event.CollectedEvent;
import io.sillage.lakehouse.event.SegmentEvents;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class EventIdentifiersTest {
    private static CollectedEvent event(String json) throws Exception {
        return SegmentEvents.fromWire(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void takesEveryIdentifierInPriorityOrder() throws Exception {
        CollectedEvent identify = event("""
                {"type":"identify","projectId":"p","messageId":"m","receivedAt":"2026-11-23T10:00:00Z",
                 "anonymousId":"B","userId":"42","traits":{"email":"Jane@Example.com ","phone":"06 12 34 56 78"}}""");

        EventIdentifiers.Extracted extracted = new EventIdentifiers(IdentityRules.defaults()).extract(identify);

        assertThat(extracted.identifiers()).containsExactly(
                new Identifier("user_id", "42"),
                new Identifier("email", "jane@example.com"),
                new Identifier("phone", "+33612345678"),
                new Identifier("anonymous_id", "B"));
        assertThat(extracted.primary()).contains(new Identifier("user_id", "42"));
        assertThat(extracted.aliasPreviousId()).isEmpty();
    }

    @Test
    void readsContextTraitsAndDeclaredExternalIds() throws Exception {
        IdentityRules rules = new IdentityRules(List.of("user_id", "crm_id", "email", "anonymous_id"), Map.of("user_id", 1), "FR", Set.of(), Optional.empty());
        CollectedEvent track = event("""
                {"type":"track","event":"Order Completed","projectId":"p","messageId":"m","receivedAt":"2026-11-23T10:00:00Z",
                 "anonymousId":"A","context":{"traits":{"email":"a@b.co"},
                 "externalIds":[{"id":"C-7","type":"crm_id","collection":"users","encoding":"none"},{"id":"x","type":"undeclared"}]}}""");

        assertThat(new EventIdentifiers(rules).extract(track).identifiers()).containsExactly(
                new Identifier("crm_id", "C-7"), new Identifier("email", "a@b.co"), new Identifier("anonymous_id", "A"));
    }

    @Test
    void blockedValuesAreDroppedAndAliasKeepsThePreviousId() throws Exception {
        CollectedEvent alias = event("""
                {"type":"alias","projectId":"p","messageId":"m","receivedAt":"2026-11-23T10:00:00Z",
                 "userId":"42","anonymousId":"undefined","previousId":" old-7 "}""");

        EventIdentifiers.Extracted extracted = new EventIdentifiers(IdentityRules.defaults()).extract(alias);

        assertThat(extracted.identifiers()).containsExactly(new Identifier("user_id", "42"));
        assertThat(extracted.aliasPreviousId()).contains("old-7");
    }
}
