package io.sillage.lakehouse.automation;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.TextNode;
import io.sillage.lakehouse.automation.AutomationDefinition.Audience;
import io.sillage.lakehouse.automation.AutomationDefinition.Capping;
import io.sillage.lakehouse.automation.AutomationDefinition.EventRule;
import io.sillage.lakehouse.automation.AutomationDefinition.PastPolicy;
import io.sillage.lakehouse.automation.AutomationDefinition.QuietMode;
import io.sillage.lakehouse.automation.AutomationDefinition.Reentry;
import io.sillage.lakehouse.automation.AutomationDefinition.WaitType;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.List;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class AutomationDefinitionsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The abandoned-cart automation of the product brief. */
    static final String ABANDONED_CART = """
            {
              "name": "Abandoned cart",
              "entry": {"event": "Product Added", "filters": [{"property": "category", "operator": "in", "values": ["shoes", "bags"]}]},
              "wait": {"type": "duration", "duration": "48h"},
              "cancel": [{"event": "Order Completed", "match": "cart_id"}],
              "gracePeriod": "3d",
              "capping": {"max": 4, "window": "7d"},
              "audience": "marketing",
              "action": {"channel": "email", "template": "abandoned-cart"}
            }""";

    @Test
    void everyRecipeParses() {
        assertThat(AutomationRecipes.all()).containsOnlyKeys(AutomationRecipes.NAMES);
        AutomationRecipes.all().forEach((name, json) ->
                assertThat(AutomationDefinitions.parse(json)).as(name).isNotNull());
        assertThat(AutomationRecipes.get("no-such-recipe")).isEmpty();
    }

    @Test
    void recipesMeanWhatTheirDescriptionsSay() {
        AutomationDefinition reminder = AutomationDefinitions.parse(AutomationRecipes.get("date-reminder").orElseThrow());
        assertThat(reminder.waitRule().type()).isEqualTo(WaitType.RELATIVE);
        assertThat(reminder.waitRule().property()).isEqualTo("booking_date");
        assertThat(reminder.waitRule().offset()).isEqualTo(Duration.ofDays(-1));
        assertThat(reminder.waitRule().ifPast()).isEqualTo(PastPolicy.SKIP);
        assertThat(reminder.reentry()).isEqualTo(new Reentry(true, "booking_id"));
        assertThat(reminder.audience()).isEqualTo(Audience.TRANSACTIONAL);

        AutomationDefinition confirmation = AutomationDefinitions.parse(AutomationRecipes.get("order-confirmation").orElseThrow());
        assertThat(confirmation.waitRule().type()).isEqualTo(WaitType.NONE);
        assertThat(confirmation.cancel()).isEmpty();

        AutomationDefinition welcome = AutomationDefinitions.parse(AutomationRecipes.get("welcome-series").orElseThrow());
        assertThat(welcome.exit()).extracting(EventRule::event).containsExactly("Unsubscribed");
        assertThat(welcome.gracePeriod()).isEqualTo(Duration.ofDays(365));

        AutomationDefinition cart = AutomationDefinitions.parse(AutomationRecipes.get("abandoned-cart").orElseThrow());
        assertThat(cart.quietHours().start()).isEqualTo(LocalTime.of(21, 0));
        assertThat(cart.quietHours().end()).isEqualTo(LocalTime.of(8, 0));
        assertThat(cart.quietHours().mode()).isEqualTo(QuietMode.HOLD);
        assertThat(cart.quietHours().defaultZone()).isEqualTo(ZoneId.of("Europe/Paris"));
    }

    @Test
    void theAbandonedCartOfTheBriefParsesToWhatItSays() {
        AutomationDefinition definition = AutomationDefinitions.parse(ABANDONED_CART);
        assertThat(definition.name()).isEqualTo("Abandoned cart");
        assertThat(definition.entry().event()).isEqualTo("Product Added");
        assertThat(definition.entry().filters()).singleElement().satisfies(filter -> {
            assertThat(filter.property()).isEqualTo("category");
            assertThat(filter.operator()).isEqualTo(PropertyFilter.Operator.IN);
            assertThat(filter.values()).containsExactly(TextNode.valueOf("shoes"), TextNode.valueOf("bags"));
        });
        assertThat(definition.entry().match()).isNull();
        assertThat(definition.waitRule().type()).isEqualTo(WaitType.DURATION);
        assertThat(definition.waitRule().duration()).isEqualTo(Duration.ofHours(48));
        assertThat(definition.waitRule().maxLateness()).as("default").isEqualTo(Duration.ofHours(1));
        assertThat(definition.waitRule().ifPast()).as("default").isEqualTo(PastPolicy.SKIP);
        assertThat(definition.cancel()).containsExactly(new EventRule("Order Completed", List.of(), "cart_id"));
        assertThat(definition.exit()).isEmpty();
        assertThat(definition.conditions()).isEmpty();
        assertThat(definition.gracePeriod()).isEqualTo(Duration.ofDays(3));
        assertThat(definition.capping()).isEqualTo(new Capping(4, Duration.ofDays(7)));
        assertThat(definition.reentry()).as("default").isEqualTo(new Reentry(false, null));
        assertThat(definition.audience()).isEqualTo(Audience.MARKETING);
        assertThat(definition.quietHours()).isNull();
        assertThat(definition.action()).isEqualTo(new AutomationDefinition.Action("email", "abandoned-cart", null));
    }

    @Test
    void theEntryRuleMatchesTheEventNameAndEveryFilter() throws Exception {
        EventRule entry = AutomationDefinitions.parse(ABANDONED_CART).entry();
        assertThat(entry.matches("Product Added", JSON.readTree("{\"category\":\"shoes\"}"))).isTrue();
        assertThat(entry.matches("Product Added", JSON.readTree("{\"category\":\"hats\"}"))).isFalse();
        assertThat(entry.matches("Product Added", JSON.readTree("{}"))).isFalse();
        assertThat(entry.matches("Product Viewed", JSON.readTree("{\"category\":\"shoes\"}"))).isFalse();
    }

    @Test
    void reportsEveryProblemWithItsField() {
        String json = """
                {
                  "name": "Broken",
                  "colour": "blue",
                  "entry": {"event": "Product Added", "filters": [{"property": "category", "operator": "among", "values": ["shoes"]}]},
                  "wait": {"type": "duration", "duration": "two days"},
                  "quietHours": {"start": "25:00", "end": "8pm", "timeZone": "Mars/Olympus_Mons"},
                  "action": {"template": "abandoned-cart"}
                }""";
        InvalidDefinitionException error = catchThrowableOfType(InvalidDefinitionException.class, () -> AutomationDefinitions.parse(json));
        assertThat(error).isNotNull();
        assertThat(error.problems()).extracting(DefinitionProblem::field).containsExactlyInAnyOrder(
                "colour", "entry.filters[0].operator", "wait.duration", "quietHours.start", "quietHours.end",
                "quietHours.timeZone", "action.channel");
        assertThat(problem(error, "colour")).contains("unknown field");
        assertThat(problem(error, "entry.filters[0].operator")).contains("among");
        assertThat(problem(error, "wait.duration")).contains("two days");
        assertThat(problem(error, "quietHours.start")).contains("25:00");
        assertThat(problem(error, "quietHours.end")).contains("8pm");
        assertThat(problem(error, "quietHours.timeZone")).contains("Mars/Olympus_Mons");
        assertThat(problem(error, "action.channel")).isEqualTo("is required");
        assertThat(error).hasMessageContaining("entry.filters[0].operator: unknown operator 'among'");
    }

    @Test
    void aCancelNeedsAWait() {
        assertProblem("""
                {"name": "n", "entry": {"event": "Order Completed"}, "cancel": [{"event": "Order Refunded"}],
                 "action": {"channel": "email", "template": "t"}}""", "cancel", "nothing to cancel");
        assertProblem("""
                {"name": "n", "entry": {"event": "Order Completed"}, "wait": {"type": "none"}, "cancel": [{"event": "Order Refunded"}],
                 "action": {"channel": "email", "template": "t"}}""", "cancel", "nothing to cancel");
    }

    @Test
    void parallelInstancesCanOnlyBeCancelledOnTheirKey() {
        assertProblem("""
                {"name": "n", "entry": {"event": "Booking Confirmed"}, "wait": {"type": "duration", "duration": "1d"},
                 "reentry": {"mode": "parallel", "key": "booking_id"},
                 "cancel": [{"event": "Booking Cancelled", "match": "booking_id"}, {"event": "Booking Moved", "match": "order_id"}],
                 "action": {"channel": "sms", "template": "t"}}""", "cancel[1].match", "booking_id");
        // the same definition keyed by the cancel's key is valid
        assertThat(AutomationDefinitions.parse("""
                {"name": "n", "entry": {"event": "Booking Confirmed"}, "wait": {"type": "duration", "duration": "1d"},
                 "reentry": {"mode": "parallel", "key": "booking_id"},
                 "cancel": [{"event": "Booking Cancelled", "match": "booking_id"}, {"event": "Account Closed"}],
                 "action": {"channel": "sms", "template": "t"}}""").cancel()).hasSize(2);
    }

    @Test
    void otherInvalidShapesNameTheirField() {
        assertProblem("""
                {"name": "n", "entry": {"event": "E", "match": "cart_id"}, "action": {"channel": "email", "template": "t"}}""",
                "entry.match", "only cancel events");
        assertProblem("""
                {"name": "n", "entry": {"event": "E"}, "action": {"channel": "fax", "template": "t"}}""", "action.channel", "fax");
        assertProblem("""
                {"name": "n", "entry": {"event": "E", "filters": [{"property": "total", "operator": "gt", "value": "lots"}]},
                 "action": {"channel": "email", "template": "t"}}""", "entry.filters[0].value", "number");
        assertProblem("""
                {"name": "n", "entry": {"event": "E", "filters": [{"property": "d", "operator": "before", "value": "yesterday"}]},
                 "action": {"channel": "email", "template": "t"}}""", "entry.filters[0].value", "ISO-8601");
        assertProblem("""
                {"name": "n", "entry": {"event": "E", "filters": [{"property": "c", "operator": "in"}]},
                 "action": {"channel": "email", "template": "t"}}""", "entry.filters[0].values", "non-empty");
        assertProblem("""
                {"name": "n", "entry": {"event": "E", "filters": [{"property": "c", "operator": "exists", "value": 1}]},
                 "action": {"channel": "email", "template": "t"}}""", "entry.filters[0].value", "no value");
        assertProblem("""
                {"name": "n", "entry": {"event": "E"}, "capping": {"max": 0, "window": "7d"}, "action": {"channel": "email", "template": "t"}}""",
                "capping.max", "at least 1");
        assertProblem("""
                {"name": "n", "entry": {"event": "E"}, "wait": {"type": "later"}, "action": {"channel": "email", "template": "t"}}""",
                "wait.type", "later");
        assertProblem("""
                {"name": "n", "entry": {"event": "E"}, "wait": {"type": "duration", "duration": "0s"}, "action": {"channel": "email", "template": "t"}}""",
                "wait.duration", "positive");
        assertProblem("""
                {"name": "n", "entry": {"event": "E"}, "audience": "everyone", "action": {"channel": "email", "template": "t"}}""",
                "audience", "marketing");
        assertProblem("""
                {"name": "n", "entry": {"event": "E"}, "conditions": [{"subscription": "email", "status": "maybe"}],
                 "action": {"channel": "email", "template": "t"}}""", "conditions[0].status", "opted_in");
        assertProblem("{\"entry\": {\"event\": \"E\"}, \"action\": {\"channel\": \"email\", \"template\": \"t\"}}", "name", "is required");
        assertProblem("{\"name\": \"n\", \"action\": {\"channel\": \"email\", \"template\": \"t\"}}", "entry", "is required");
        assertProblem("[1, 2]", "$", "JSON object");
        assertProblem("{\"name\": ", "$", "not valid JSON");
    }

    @Test
    void aValueGivenButInvalidIsReportedOnceNotAlsoAsMissing() {
        InvalidDefinitionException error = catchThrowableOfType(InvalidDefinitionException.class, () -> AutomationDefinitions.parse("""
                {"name": "n", "entry": {"event": "E"}, "wait": {"type": "duration", "duration": "two days"},
                 "capping": {"max": 2, "window": "a week"}, "action": {"channel": "email", "template": "t"}}"""));
        assertThat(error.problems()).extracting(DefinitionProblem::field).containsExactly("wait.duration", "capping.window");
        assertThat(error.problems()).extracting(DefinitionProblem::message).noneMatch(message -> message.contains("required"));
        // a missing one is still reported as missing
        assertProblem("""
                {"name": "n", "entry": {"event": "E"}, "wait": {"type": "duration"}, "capping": {"max": 2},
                 "action": {"channel": "email", "template": "t"}}""", "wait.duration", "is required");
        assertProblem("""
                {"name": "n", "entry": {"event": "E"}, "capping": {"max": 2}, "action": {"channel": "email", "template": "t"}}""",
                "capping.window", "is required");
    }

    @Test
    void conditionsAndQuietHoursParse() {
        AutomationDefinition definition = AutomationDefinitions.parse("""
                {"name": "n", "entry": {"event": "E"},
                 "conditions": [{"trait": "plan", "operator": "equals", "value": "pro"}, {"subscription": "sms", "status": ["opted_in", "subscribed"]}],
                 "quietHours": {"start": "22:00", "end": "07:30", "mode": "skip"},
                 "action": {"channel": "sms", "template": "t", "variant": "b"}}""");
        assertThat(definition.conditions()).hasSize(2);
        assertThat(definition.conditions().get(0).trait().property()).isEqualTo("plan");
        assertThat(definition.conditions().get(1).subscriptionChannel()).isEqualTo("sms");
        assertThat(definition.conditions().get(1).subscriptionStatuses()).containsExactly("opted_in", "subscribed");
        assertThat(definition.quietHours().mode()).isEqualTo(QuietMode.SKIP);
        assertThat(definition.quietHours().defaultZone()).isEqualTo(ZoneId.of("UTC"));
        assertThat(definition.quietHours().quiet(LocalTime.of(23, 0))).isTrue();
        assertThat(definition.quietHours().quiet(LocalTime.of(3, 0))).isTrue();
        assertThat(definition.quietHours().quiet(LocalTime.of(7, 30))).as("end is exclusive").isFalse();
        assertThat(definition.quietHours().quiet(LocalTime.of(22, 0))).as("start is inclusive").isTrue();
        assertThat(definition.quietHours().quiet(LocalTime.of(12, 0))).isFalse();
        assertThat(definition.action().variant()).isEqualTo("b");
    }

    @Test
    void relativeWaitIsTheDatePlusTheOffset() throws Exception {
        AutomationDefinition reminder = AutomationDefinitions.parse(AutomationRecipes.get("date-reminder").orElseThrow());
        long entered = Instant.parse("2026-03-01T10:00:00Z").toEpochMilli();
        assertThat(reminder.waitRule().deadline(entered, JSON.readTree("{\"booking_date\":\"2026-03-10\"}")))
                .isEqualTo(Instant.parse("2026-03-09T00:00:00Z").toEpochMilli());
        assertThat(reminder.waitRule().deadline(entered, JSON.readTree("{\"booking_date\":\"2026-03-10T18:30:00+01:00\"}")))
                .isEqualTo(Instant.parse("2026-03-09T17:30:00Z").toEpochMilli());
        assertThat(reminder.waitRule().deadline(entered, JSON.readTree("{}"))).isNull();
        assertThat(reminder.waitRule().deadline(entered, JSON.readTree("{\"booking_date\":null}"))).isNull();
        assertThat(reminder.waitRule().deadline(entered, JSON.readTree("{\"booking_date\":\"next tuesday\"}"))).isNull();
        assertThat(reminder.waitRule().deadline(entered, JSON.readTree("{\"booking_date\":1773100800000}"))).isNull();
        assertThat(reminder.waitRule().deadline(entered, null)).isNull();

        AutomationDefinition plus = AutomationDefinitions.parse("""
                {"name": "n", "entry": {"event": "E"}, "wait": {"type": "relative", "property": "trip.start", "offset": "+2h"},
                 "action": {"channel": "email", "template": "t"}}""");
        assertThat(plus.waitRule().deadline(entered, JSON.readTree("{\"trip\":{\"start\":\"2026-03-10T08:00:00Z\"}}")))
                .isEqualTo(Instant.parse("2026-03-10T10:00:00Z").toEpochMilli());
    }

    @Test
    void durationAndNoWaitDeadlines() {
        AutomationDefinition cart = AutomationDefinitions.parse(ABANDONED_CART);
        assertThat(cart.waitRule().deadline(1_000, null)).isEqualTo(1_000 + Duration.ofHours(48).toMillis());
        AutomationDefinition confirmation = AutomationDefinitions.parse(AutomationRecipes.get("order-confirmation").orElseThrow());
        assertThat(confirmation.waitRule().deadline(1_000, null)).isEqualTo(1_000);
    }

    private static String problem(InvalidDefinitionException error, String field) {
        return error.problems().stream().filter(problem -> problem.field().equals(field)).map(DefinitionProblem::message)
                .findFirst().orElseThrow(() -> new AssertionError("no problem at " + field + " in " + error.problems()));
    }

    private static void assertProblem(String json, String field, String messagePart) {
        assertThatThrownBy(() -> AutomationDefinitions.parse(json))
                .isInstanceOfSatisfying(InvalidDefinitionException.class, error ->
                        assertThat(problem(error, field)).as(field).contains(messagePart));
    }
}
