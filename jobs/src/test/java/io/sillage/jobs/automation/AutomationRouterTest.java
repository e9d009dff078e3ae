package io.sillage.jobs.automation;

import io.sillage.jobs.automation.AutomationSignal.Role;
import io.sillage.jobs.profile.AttributedEvent;
import io.sillage.jobs.profile.ProfileEvent;
import io.sillage.lakehouse.automation.AutomationRecipes;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.BroadcastOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Which signals an attributed event becomes, for the definitions broadcast so far. */
class AutomationRouterTest {
    private static final long NOW = Instant.parse("2026-03-02T12:00:00Z").toEpochMilli();
    private static final long HOUR = Duration.ofHours(1).toMillis();
    private static final long DAY = Duration.ofDays(1).toMillis();

    /** The abandoned cart of the product brief. */
    private static final String CART = """
            {"name": "Abandoned cart",
             "entry": {"event": "Product Added", "filters": [{"property": "category", "operator": "in", "values": ["shoes", "bags"]}]},
             "wait": {"type": "duration", "duration": "48h"}, "cancel": [{"event": "Order Completed", "match": "cart_id"}],
             "gracePeriod": "3d", "capping": {"max": 4, "window": "7d"}, "audience": "marketing",
             "action": {"channel": "email", "template": "abandoned-cart"}}""";

    @Test
    void anEntryMatchesTheEventAndItsFilters() throws Exception {
        try (var harness = harness()) {
            publish(harness, "aut_cart", 2, AutomationUpdate.ACTIVE, CART);
            AttributedEvent shoes = event("m1", "p1", "Product Added", NOW - 1_000, "{\"category\":\"shoes\",\"cart_id\":\"c1\"}");
            shoes.identifier = "email:ann@example.com";
            shoes.consent = "email=subscribed";
            shoes.reach = "email";
            shoes.timezone = "Europe/Paris";
            harness.processElement(shoes, NOW);
            harness.processElement(event("m2", "p1", "Product Added", NOW, "{\"category\":\"hats\",\"cart_id\":\"c1\"}"), NOW);
            harness.processElement(event("m3", "p1", "Product Added", NOW, "{\"cart_id\":\"c1\"}"), NOW);
            harness.processElement(event("m4", "p1", "Product Viewed", NOW, "{\"category\":\"shoes\"}"), NOW);
            harness.processElement(event("m5", "p1", "Product Added", NOW, "not json"), NOW);
            AttributedEvent otherProject = event("m6", "p1", "Product Added", NOW, "{\"category\":\"shoes\"}");
            otherProject.projectId = "other";
            harness.processElement(otherProject, NOW);

            assertThat(harness.extractOutputValues()).singleElement().satisfies(entry -> {
                assertThat(entry.role).isEqualTo(Role.ENTRY);
                assertThat(entry.projectId).isEqualTo("shop");
                assertThat(entry.automationId).isEqualTo("aut_cart");
                assertThat(entry.version).isEqualTo(2);
                assertThat(entry.profileId).isEqualTo("p1");
                assertThat(entry.instanceKey).isEmpty();
                assertThat(entry.messageId).isEqualTo("m1");
                assertThat(entry.event).isEqualTo("Product Added");
                assertThat(entry.eventTimeMillis).isEqualTo(NOW - 1_000);
                assertThat(entry.deadlineMillis).isEqualTo(NOW - 1_000 + 48 * HOUR);
                assertThat(entry.properties).isEqualTo("{\"category\":\"shoes\",\"cart_id\":\"c1\"}");
                assertThat(entry.identifier).isEqualTo("email:ann@example.com");
                assertThat(entry.consent).isEqualTo("email=subscribed");
                assertThat(entry.reach).isEqualTo("email");
                assertThat(entry.timezone).isEqualTo("Europe/Paris");
            });
            assertThat(harness.getSideOutput(AutomationRouter.RUNS)).isNull();
        }
    }

    @Test
    void oneEventEntersEveryActiveAutomationItMatches() throws Exception {
        try (var harness = harness()) {
            publish(harness, "aut_cart", 1, AutomationUpdate.ACTIVE, CART);
            publish(harness, "aut_browse", 1, AutomationUpdate.ACTIVE, CART.replace("\"shoes\", \"bags\"", "\"shoes\""));
            harness.processElement(event("m1", "p1", "Product Added", NOW, "{\"category\":\"shoes\",\"cart_id\":\"c1\"}"), NOW);
            assertThat(harness.extractOutputValues()).extracting(signal -> signal.automationId)
                    .containsExactlyInAnyOrder("aut_cart", "aut_browse");
        }
    }

    @Test
    void anInactiveAutomationDoesNotEnterButStillCancels() throws Exception {
        try (var harness = harness()) {
            publish(harness, "aut_paused", 1, AutomationUpdate.ACTIVE, CART);
            publish(harness, "aut_paused", 2, AutomationUpdate.PAUSED, CART);
            publish(harness, "aut_draft", 1, "draft", CART);
            publish(harness, "aut_deleted", 1, AutomationUpdate.DELETED, CART);
            harness.processElement(event("m1", "p1", "Product Added", NOW, "{\"category\":\"shoes\",\"cart_id\":\"c1\"}"), NOW);
            assertThat(harness.extractOutputValues()).as("no entry").isEmpty();

            harness.processElement(event("o1", "p1", "Order Completed", NOW, "{\"cart_id\":\"c1\"}"), NOW);
            assertThat(harness.extractOutputValues()).as("waiting instances of a paused or draft automation still end")
                    .extracting(signal -> signal.automationId + " " + signal.role + " " + signal.matchKey + "=" + signal.matchValue)
                    .containsExactlyInAnyOrder("aut_paused CANCEL cart_id=c1", "aut_draft CANCEL cart_id=c1");
        }
    }

    @Test
    void aCancelGoesToTheProfileAndEveryProfileMergedIntoIt() throws Exception {
        try (var harness = harness()) {
            publish(harness, "aut_cart", 1, AutomationUpdate.ACTIVE, CART);
            publish(harness, "aut_welcome", 1, AutomationUpdate.ACTIVE, AutomationRecipes.get("welcome-series").orElseThrow());
            AttributedEvent order = event("o1", "p1", "Order Completed", NOW - 5_000, "{\"cart_id\":42}");
            order.aliases = List.of("p0", "p00");
            harness.processElement(order, NOW);

            List<AutomationSignal> signals = harness.extractOutputValues();
            assertThat(signals).extracting(signal -> signal.profileId).containsExactly("p1", "p0", "p00");
            assertThat(signals).allSatisfy(cancel -> {
                assertThat(cancel.role).isEqualTo(Role.CANCEL);
                assertThat(cancel.automationId).isEqualTo("aut_cart");
                assertThat(cancel.messageId).isEqualTo("o1");
                assertThat(cancel.event).isEqualTo("Order Completed");
                assertThat(cancel.eventTimeMillis).isEqualTo(NOW - 5_000);
                assertThat(cancel.instanceKey).isEmpty();
                assertThat(cancel.matchKey).isEqualTo("cart_id");
                assertThat(cancel.matchValue).as("a number and its text are the same business key").isEqualTo("42");
            });
            // and its business key matches an entry that had the key as text
            assertThat(AutomationSignal.ends(WaitPatternTest.entry("m1", "p0", NOW - DAY, NOW + DAY, "{\"cart_id\":\"42\"}"), signals.get(1))).isTrue();

            harness.getOutput().clear();
            AttributedEvent unsubscribed = event("u1", "p1", "Unsubscribed", NOW, null);
            unsubscribed.aliases = List.of("p0");
            harness.processElement(unsubscribed, NOW);
            assertThat(harness.extractOutputValues()).extracting(signal -> signal.automationId + " " + signal.role + " " + signal.profileId)
                    .containsExactly("aut_welcome EXIT p1", "aut_welcome EXIT p0");
        }
    }

    @Test
    void aCancelWithoutTheBusinessKeyCancelsNothing() throws Exception {
        try (var harness = harness()) {
            publish(harness, "aut_cart", 1, AutomationUpdate.ACTIVE, CART);
            harness.processElement(event("o1", "p1", "Order Completed", NOW, "{\"order_id\":\"o1\"}"), NOW);
            harness.processElement(event("o2", "p1", "Order Completed", NOW, "{\"cart_id\":null}"), NOW);
            assertThat(harness.extractOutputValues()).isEmpty();
        }
    }

    @Test
    void parallelInstancesAreKeyedByTheirKeyProperty() throws Exception {
        try (var harness = harness()) {
            publish(harness, "aut_remind", 1, AutomationUpdate.ACTIVE, AutomationRecipes.get("date-reminder").orElseThrow());
            harness.setProcessingTime(NOW);
            harness.processElement(event("m1", "p1", "Booking Confirmed", NOW, "{\"booking_id\":\"b1\",\"booking_date\":\"2026-03-10\"}"), NOW);
            harness.processElement(event("m2", "p1", "Booking Confirmed", NOW, "{\"booking_id\":7,\"booking_date\":\"2026-03-12\"}"), NOW);
            harness.processElement(event("m3", "p1", "Booking Confirmed", NOW, "{\"booking_date\":\"2026-03-12\"}"), NOW);
            harness.processElement(event("c1", "p1", "Booking Cancelled", NOW, "{\"booking_id\":\"b1\"}"), NOW);
            harness.processElement(event("c2", "p1", "Booking Cancelled", NOW, "{}"), NOW);

            assertThat(harness.extractOutputValues()).extracting(signal -> signal.role + " " + signal.messageId + " " + signal.instanceKey)
                    .containsExactly("ENTRY m1 b1", "ENTRY m2 7", "CANCEL c1 b1");
            assertThat(harness.extractOutputValues().get(0).deadlineMillis).isEqualTo(Instant.parse("2026-03-09T00:00:00Z").toEpochMilli());
            assertThat(harness.extractOutputValues().get(0).instance()).isEqualTo(harness.extractOutputValues().get(2).instance());
            assertThat(runs(harness)).singleElement().satisfies(run -> {
                assertThat(run.step).isEqualTo(AutomationRun.SUPPRESSED);
                assertThat(run.reason).isEqualTo("no_reentry_key");
                assertThat(run.instanceId).isEqualTo("m3");
                assertThat(run.occurredAtMillis).isEqualTo(NOW);
            });
        }
    }

    @Test
    void aRelativeWaitWithoutItsDateIsSuppressed() throws Exception {
        try (var harness = harness()) {
            publish(harness, "aut_remind", 1, AutomationUpdate.ACTIVE, AutomationRecipes.get("date-reminder").orElseThrow());
            harness.setProcessingTime(NOW);
            harness.processElement(event("m1", "p1", "Booking Confirmed", NOW, "{\"booking_id\":\"b1\"}"), NOW);
            harness.processElement(event("m2", "p1", "Booking Confirmed", NOW, "{\"booking_id\":\"b2\",\"booking_date\":\"soon\"}"), NOW);
            assertThat(harness.extractOutputValues()).isEmpty();
            assertThat(runs(harness)).extracting(run -> run.instanceId + " " + run.step + "/" + run.reason)
                    .containsExactly("m1:b1 suppressed/no_date", "m2:b2 suppressed/no_date");
        }
    }

    @Test
    void anEntryPastItsSendTimeBeyondMaxLatenessIsSkipped() throws Exception {
        try (var harness = harness()) {
            publish(harness, "aut_remind", 1, AutomationUpdate.ACTIVE, AutomationRecipes.get("date-reminder").orElseThrow());
            harness.setProcessingTime(NOW);
            // booked at noon for tomorrow: the reminder was due at midnight, twelve hours ago
            harness.processElement(event("m1", "p1", "Booking Confirmed", NOW, "{\"booking_id\":\"b1\",\"booking_date\":\"2026-03-03\"}"), NOW);
            // due 59 minutes ago: within the default max lateness of 1h, so it goes on (and fires at once)
            harness.processElement(event("m2", "p1", "Booking Confirmed", NOW,
                    "{\"booking_id\":\"b2\",\"booking_date\":\"2026-03-03T11:01:00Z\"}"), NOW);

            assertThat(runs(harness)).singleElement().satisfies(run -> {
                assertThat(run.step).isEqualTo(AutomationRun.SUPPRESSED);
                assertThat(run.reason).isEqualTo("late");
                assertThat(run.instanceId).isEqualTo("m1:b1");
                assertThat(run.waitingUntilMillis).isEqualTo(Instant.parse("2026-03-02T00:00:00Z").toEpochMilli());
            });
            assertThat(harness.extractOutputValues()).singleElement().satisfies(entry -> {
                assertThat(entry.messageId).isEqualTo("m2");
                assertThat(entry.deadlineMillis).isEqualTo(NOW - 59 * 60_000);
            });
        }
    }

    @Test
    void anEntryPastItsSendTimeIsSentNowWhenThePolicySaysSo() throws Exception {
        try (var harness = harness()) {
            publish(harness, "aut_late", 1, AutomationUpdate.ACTIVE, CART.replace("\"duration\": \"48h\"",
                    "\"duration\": \"48h\", \"maxLateness\": \"30m\", \"ifPast\": \"send\""));
            publish(harness, "aut_cart", 1, AutomationUpdate.ACTIVE, CART);
            harness.setProcessingTime(NOW);
            // an event replayed three days late: its 48h wait ended a day ago
            harness.processElement(event("m1", "p1", "Product Added", NOW - 3 * DAY, "{\"category\":\"bags\",\"cart_id\":\"c1\"}"), NOW);

            assertThat(harness.extractOutputValues()).singleElement().satisfies(entry -> {
                assertThat(entry.automationId).isEqualTo("aut_late");
                assertThat(entry.role).isEqualTo(Role.ENTRY);
                assertThat(entry.eventTimeMillis).isEqualTo(NOW - 3 * DAY);
                assertThat(entry.deadlineMillis).isEqualTo(NOW);
            });
            assertThat(runs(harness)).extracting(run -> run.automationId + " " + run.step + "/" + run.reason)
                    .containsExactly("aut_cart suppressed/late");
        }
    }

    @Test
    void aDefinitionUpdateAppliesToTheNextEvent() throws Exception {
        try (var harness = harness()) {
            publish(harness, "aut_cart", 1, AutomationUpdate.ACTIVE, CART);
            harness.processElement(event("m1", "p1", "Product Added", NOW, "{\"category\":\"hats\"}"), NOW);
            publish(harness, "aut_cart", 2, AutomationUpdate.ACTIVE, CART.replace("\"shoes\", \"bags\"", "\"hats\""));
            harness.processElement(event("m2", "p1", "Product Added", NOW, "{\"category\":\"hats\"}"), NOW);
            assertThat(harness.extractOutputValues()).extracting(signal -> signal.messageId + " v" + signal.version).containsExactly("m2 v2");
        }
    }

    static BroadcastOperatorTestHarness<AttributedEvent, AutomationUpdate, AutomationSignal> harness() throws Exception {
        var harness = ProcessFunctionTestHarnesses.forBroadcastProcessFunction(new AutomationRouter(), Automations.STATE);
        harness.setProcessingTime(NOW);
        return harness;
    }

    static void publish(BroadcastOperatorTestHarness<AttributedEvent, AutomationUpdate, AutomationSignal> harness,
            String automationId, int version, String status, String definition) throws Exception {
        harness.processBroadcastElement(new AutomationUpdate("shop", automationId, version, status, definition), NOW);
    }

    static AttributedEvent event(String messageId, String profileId, String name, long timeMillis, String properties) {
        AttributedEvent event = new AttributedEvent();
        event.projectId = "shop";
        event.profileId = profileId;
        event.identifier = "user_id:" + profileId;
        event.event = new ProfileEvent(messageId, "track", name, "web", timeMillis * 1000, null, properties, null);
        event.consent = "";
        event.reach = "";
        return event;
    }

    static List<AutomationRun> runs(BroadcastOperatorTestHarness<AttributedEvent, AutomationUpdate, AutomationSignal> harness) {
        var runs = harness.getSideOutput(AutomationRouter.RUNS);
        return runs == null ? List.of() : runs.stream().map(StreamRecord::getValue).toList();
    }
}
