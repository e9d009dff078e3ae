package io.sillage.jobs.automation;

import io.sillage.jobs.automation.AutomationSignal.Role;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.co.CoBroadcastWithKeyedOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The send decision per person, with definitions broadcast to it and processing time driven by the test. */
class SendGateTest {
    private static final long T0 = Instant.parse("2026-03-02T12:00:00Z").toEpochMilli();
    private static final long HOUR = Duration.ofHours(1).toMillis();
    private static final long DAY = Duration.ofDays(1).toMillis();

    private static final String CART = """
            {"name": "Abandoned cart", "entry": {"event": "Product Added"}, "wait": {"type": "duration", "duration": "48h"},
             "cancel": [{"event": "Order Completed", "match": "cart_id"}], "gracePeriod": "3d", "capping": {"max": 4, "window": "7d"},
             "audience": "marketing", "action": {"channel": "email", "template": "abandoned-cart", "variant": "a"}}""";

    @Test
    void aFireBecomesAnActivationRequestAndAFiredRun() throws Exception {
        try (var harness = harness()) {
            publish(harness, "aut_cart", 3, AutomationUpdate.ACTIVE, CART);
            harness.setProcessingTime(T0);
            AutomationSignal fire = fire("aut_cart", "m1", "p1", "email=subscribed", "email");
            fire.version = 3;
            fire.deadlineMillis = T0 - 5;
            harness.processElement1(new StreamRecord<>(fire));

            assertThat(harness.extractOutputValues()).singleElement().satisfies(request -> {
                assertThat(request.idempotencyKey).isEqualTo("aut_cart:v3:m1");
                assertThat(request.projectId).isEqualTo("shop");
                assertThat(request.automationId).isEqualTo("aut_cart");
                assertThat(request.automationVersion).isEqualTo(3);
                assertThat(request.instanceId).isEqualTo("m1");
                assertThat(request.profileId).isEqualTo("p1");
                assertThat(request.identifier).isEqualTo("email:ann@example.com");
                assertThat(request.channel).isEqualTo("email");
                assertThat(request.template).isEqualTo("abandoned-cart");
                assertThat(request.variant).isEqualTo("a");
                assertThat(request.audience).isEqualTo("marketing");
                assertThat(request.entryEvent).isEqualTo("Product Added");
                assertThat(request.entryMessageId).isEqualTo("m1");
                assertThat(request.entryProperties).isEqualTo("{\"cart_id\":\"c1\"}");
                assertThat(request.deadlineMillis).isEqualTo(T0 - 5);
                assertThat(request.firedAtMillis).isEqualTo(T0);
            });
            assertThat(runs(harness)).singleElement().satisfies(run -> {
                assertThat(run.step).isEqualTo(AutomationRun.FIRED);
                assertThat(run.idempotencyKey).isEqualTo("aut_cart:v3:m1");
                assertThat(run.automationVersion).isEqualTo(3);
                assertThat(run.occurredAtMillis).isEqualTo(T0);
            });
        }
    }

    @Test
    void theIdempotencyKeyNamesAParallelInstance() throws Exception {
        try (var harness = harness()) {
            publish(harness, "aut_cart", 1, AutomationUpdate.ACTIVE, CART);
            harness.setProcessingTime(T0);
            AutomationSignal fire = fire("aut_cart", "m1", "p1", "email=subscribed", "email");
            fire.instanceKey = "c1";
            harness.processElement1(new StreamRecord<>(fire));
            assertThat(harness.extractOutputValues()).singleElement().satisfies(request -> {
                assertThat(request.idempotencyKey).isEqualTo("aut_cart:v1:m1:c1");
                assertThat(request.instanceId).isEqualTo("m1:c1");
            });
        }
    }

    @Test
    void aPausedDraftDeletedOrUnknownAutomationSendsNothing() throws Exception {
        try (var harness = harness()) {
            harness.setProcessingTime(T0);
            publish(harness, "aut_paused", 1, AutomationUpdate.ACTIVE, CART);
            publish(harness, "aut_paused", 2, AutomationUpdate.PAUSED, CART);
            publish(harness, "aut_draft", 1, "draft", CART);
            publish(harness, "aut_deleted", 1, AutomationUpdate.DELETED, CART);
            publish(harness, "aut_broken", 1, AutomationUpdate.ACTIVE, "{\"name\": \"no entry\"}");
            for (String automation : List.of("aut_paused", "aut_draft", "aut_deleted", "aut_broken", "aut_unknown")) {
                harness.processElement1(new StreamRecord<>(fire(automation, "m1", "p1", "email=subscribed", "email")));
            }
            assertThat(harness.extractOutputValues()).isEmpty();
            assertThat(runs(harness)).extracting(run -> run.automationId + " " + run.step + "/" + run.reason).containsExactly(
                    "aut_paused suppressed/paused", "aut_draft suppressed/paused", "aut_deleted suppressed/deleted",
                    "aut_broken suppressed/deleted", "aut_unknown suppressed/deleted");
            assertThat(harness.numKeyedStateEntries()).isZero();
            assertThat(harness.numProcessingTimeTimers()).isZero();

            // resuming applies to the next fire
            publish(harness, "aut_paused", 3, AutomationUpdate.ACTIVE, CART);
            harness.processElement1(new StreamRecord<>(fire("aut_paused", "m2", "p1", "email=subscribed", "email")));
            assertThat(harness.extractOutputValues()).extracting(request -> request.entryMessageId).containsExactly("m2");
        }
    }

    @Test
    void theGracePeriodSuppressesASecondSendUntilItPasses() throws Exception {
        try (var harness = harness()) {
            publish(harness, "aut_cart", 1, AutomationUpdate.ACTIVE, CART);
            harness.setProcessingTime(T0);
            harness.processElement1(new StreamRecord<>(fire("aut_cart", "m1", "p1", "email=subscribed", "email")));
            harness.setProcessingTime(T0 + DAY);
            harness.processElement1(new StreamRecord<>(fire("aut_cart", "m2", "p1", "email=subscribed", "email")));
            harness.processElement1(new StreamRecord<>(fire("aut_cart", "x1", "p2", "email=subscribed", "email")));
            harness.setProcessingTime(T0 + 3 * DAY - 1);
            harness.processElement1(new StreamRecord<>(fire("aut_cart", "m3", "p1", "email=subscribed", "email")));
            harness.setProcessingTime(T0 + 3 * DAY);
            harness.processElement1(new StreamRecord<>(fire("aut_cart", "m4", "p1", "email=subscribed", "email")));

            assertThat(harness.extractOutputValues()).extracting(request -> request.entryMessageId).containsExactly("m1", "x1", "m4");
            assertThat(runs(harness)).extracting(run -> run.instanceId + " " + run.step + "/" + run.reason).containsExactly(
                    "m1 fired/null", "m2 suppressed/grace", "x1 fired/null", "m3 suppressed/grace", "m4 fired/null");
        }
    }

    @Test
    void cappingAllowsAtMostMaxSendsPerWindow() throws Exception {
        try (var harness = harness()) {
            publish(harness, "aut_cap", 1, AutomationUpdate.ACTIVE, """
                    {"name": "Capped", "entry": {"event": "Product Viewed"}, "capping": {"max": 2, "window": "7d"},
                     "action": {"channel": "email", "template": "t"}}""");
            long[] times = {T0, T0 + HOUR, T0 + 2 * HOUR, T0 + 7 * DAY - 1, T0 + 7 * DAY, T0 + 7 * DAY + 1};
            for (int i = 0; i < times.length; i++) {
                harness.setProcessingTime(times[i]);
                harness.processElement1(new StreamRecord<>(fire("aut_cap", "m" + i, "p1", "email=opted_in", "email")));
            }
            // the send at T0 leaves the window at T0 + 7d; the one at T0 + 1h only an hour later
            assertThat(runs(harness)).extracting(run -> run.instanceId + " " + run.step + "/" + run.reason).containsExactly(
                    "m0 fired/null", "m1 fired/null", "m2 suppressed/capping", "m3 suppressed/capping", "m4 fired/null",
                    "m5 suppressed/capping");
        }
    }

    @Test
    void marketingNeedsConsentTransactionalNeedsReachWebhooksAlwaysGo() throws Exception {
        try (var harness = harness()) {
            harness.setProcessingTime(T0);
            publish(harness, "aut_mkt", 1, AutomationUpdate.ACTIVE, """
                    {"name": "m", "entry": {"event": "E"}, "audience": "marketing", "action": {"channel": "email", "template": "t"}}""");
            publish(harness, "aut_tx", 1, AutomationUpdate.ACTIVE, """
                    {"name": "t", "entry": {"event": "E"}, "audience": "transactional", "action": {"channel": "email", "template": "t"}}""");
            publish(harness, "aut_hook", 1, AutomationUpdate.ACTIVE, """
                    {"name": "w", "entry": {"event": "E"}, "audience": "marketing", "action": {"channel": "webhook", "template": "t"}}""");

            List<String[]> cases = List.of(
                    new String[] {"aut_mkt", "subscribed", "email=subscribed", "email"},
                    new String[] {"aut_mkt", "opted-in", "sms=unsubscribed,email=opted_in", ""},
                    new String[] {"aut_mkt", "unsubscribed", "email=unsubscribed", "email"},
                    new String[] {"aut_mkt", "other-channel", "sms=subscribed", "email,sms"},
                    new String[] {"aut_mkt", "no-consent", null, "email"},
                    new String[] {"aut_tx", "reachable", null, "email"},
                    new String[] {"aut_tx", "reachable-unsubscribed", "email=unsubscribed", "sms,email"},
                    new String[] {"aut_tx", "unreachable", "email=subscribed", "sms"},
                    new String[] {"aut_tx", "no-reach", "email=subscribed", null},
                    new String[] {"aut_hook", "anyone", null, null});
            for (String[] c : cases) {
                harness.processElement1(new StreamRecord<>(fire(c[0], c[1], "p-" + c[1], c[2], c[3])));
            }
            assertThat(harness.extractOutputValues()).extracting(request -> request.automationId + " " + request.entryMessageId)
                    .containsExactlyInAnyOrder("aut_mkt subscribed", "aut_mkt opted-in", "aut_tx reachable", "aut_tx reachable-unsubscribed",
                            "aut_hook anyone");
            assertThat(runs(harness)).filteredOn(run -> AutomationRun.SUPPRESSED.equals(run.step))
                    .extracting(run -> run.instanceId + "/" + run.reason)
                    .containsExactlyInAnyOrder("unsubscribed/audience", "other-channel/audience", "no-consent/audience",
                            "unreachable/audience", "no-reach/audience");
        }
    }

    @Test
    void profileConditionsAreCheckedOnTheTraitsAndConsent() throws Exception {
        try (var harness = harness()) {
            harness.setProcessingTime(T0);
            publish(harness, "aut_pro", 1, AutomationUpdate.ACTIVE, """
                    {"name": "pro", "entry": {"event": "E"}, "audience": "transactional",
                     "conditions": [{"trait": "plan.tier", "operator": "in", "values": ["pro", "team"]}, {"subscription": "sms", "status": "opted_in"}],
                     "action": {"channel": "email", "template": "t"}}""");
            String[][] cases = {
                    {"pro", "{\"plan\":{\"tier\":\"pro\"}}", "sms=opted_in"},
                    {"free", "{\"plan\":{\"tier\":\"free\"}}", "sms=opted_in"},
                    {"no-sms", "{\"plan\":{\"tier\":\"team\"}}", "sms=subscribed"},
                    {"no-traits", null, "sms=opted_in"},
                    {"bad-traits", "not json", "sms=opted_in"}};
            for (String[] c : cases) {
                AutomationSignal fire = fire("aut_pro", c[0], "p-" + c[0], c[2], "email");
                fire.traits = c[1];
                harness.processElement1(new StreamRecord<>(fire));
            }
            assertThat(harness.extractOutputValues()).extracting(request -> request.entryMessageId).containsExactly("pro");
            assertThat(runs(harness)).extracting(run -> run.instanceId + " " + run.step + "/" + run.reason).containsExactly(
                    "pro fired/null", "free suppressed/conditions", "no-sms suppressed/conditions", "no-traits suppressed/conditions",
                    "bad-traits suppressed/conditions");
        }
    }

    @Test
    void quietHoursHoldUntilTheyEndInThePersonsTimeZone() throws Exception {
        try (var harness = harness()) {
            publish(harness, "aut_cart", 1, AutomationUpdate.ACTIVE, CART.replace("\"audience\"",
                    "\"quietHours\": {\"start\": \"21:00\", \"end\": \"08:00\", \"mode\": \"hold\", \"timeZone\": \"Europe/Paris\"}, \"audience\""));
            long lateEvening = Instant.parse("2026-03-02T22:30:00Z").toEpochMilli(); // 23:30 in Paris, 17:30 in New York
            long parisMorning = Instant.parse("2026-03-03T07:00:00Z").toEpochMilli(); // 08:00 in Paris
            harness.setProcessingTime(lateEvening);
            harness.processElement1(new StreamRecord<>(fire("aut_cart", "m1", "p1", "email=subscribed", "email")));
            AutomationSignal american = fire("aut_cart", "m2", "p2", "email=subscribed", "email");
            american.timezone = "America/New_York";
            harness.processElement1(new StreamRecord<>(american));

            assertThat(harness.extractOutputValues()).extracting(request -> request.entryMessageId).as("not quiet in New York").containsExactly("m2");
            assertThat(runs(harness)).first().satisfies(run -> {
                assertThat(run.step).isEqualTo(AutomationRun.HELD);
                assertThat(run.reason).isEqualTo("quiet_hours");
                assertThat(run.waitingUntilMillis).isEqualTo(parisMorning);
            });

            harness.setProcessingTime(parisMorning - 1);
            assertThat(harness.extractOutputValues()).hasSize(1);
            harness.setProcessingTime(parisMorning);
            assertThat(harness.extractOutputValues()).extracting(request -> request.entryMessageId).containsExactly("m2", "m1");
            assertThat(harness.extractOutputValues().get(1).firedAtMillis).isEqualTo(parisMorning);
            assertThat(runs(harness)).extracting(run -> run.instanceId + " " + run.step).containsExactly("m1 held", "m2 fired", "m1 fired");
        }
    }

    @Test
    void aHeldFireIsDecidedAgainWhenReleased() throws Exception {
        try (var harness = harness()) {
            publish(harness, "aut_cart", 1, AutomationUpdate.ACTIVE, CART.replace("\"audience\"",
                    "\"quietHours\": {\"start\": \"21:00\", \"end\": \"08:00\", \"timeZone\": \"UTC\"}, \"audience\""));
            long night = Instant.parse("2026-03-02T23:00:00Z").toEpochMilli();
            long morning = Instant.parse("2026-03-03T08:00:00Z").toEpochMilli();
            harness.setProcessingTime(night);
            harness.processElement1(new StreamRecord<>(fire("aut_cart", "m1", "p1", "email=subscribed", "email")));
            harness.processElement1(new StreamRecord<>(fire("aut_cart", "m2", "p1", "email=subscribed", "email")));
            harness.processElement1(new StreamRecord<>(fire("aut_cart", "x1", "p2", "email=subscribed", "email")));
            harness.setProcessingTime(morning);
            // both of p1's fires are held to the same morning: the second then falls in the grace period of the first
            assertThat(harness.extractOutputValues()).extracting(request -> request.entryMessageId).containsExactlyInAnyOrder("m1", "x1");
            assertThat(runs(harness)).extracting(run -> run.instanceId + " " + run.step + "/" + run.reason).containsExactlyInAnyOrder(
                    "m1 held/quiet_hours", "m2 held/quiet_hours", "x1 held/quiet_hours", "m1 fired/null", "m2 suppressed/grace", "x1 fired/null");
        }
    }

    @Test
    void quietHoursSkip() throws Exception {
        try (var harness = harness()) {
            publish(harness, "aut_cart", 1, AutomationUpdate.ACTIVE, CART.replace("\"audience\"",
                    "\"quietHours\": {\"start\": \"21:00\", \"end\": \"08:00\", \"mode\": \"skip\"}, \"audience\""));
            harness.setProcessingTime(Instant.parse("2026-03-02T07:59:59Z").toEpochMilli());
            harness.processElement1(new StreamRecord<>(fire("aut_cart", "m1", "p1", "email=subscribed", "email")));
            harness.setProcessingTime(Instant.parse("2026-03-02T08:00:00Z").toEpochMilli());
            harness.processElement1(new StreamRecord<>(fire("aut_cart", "m2", "p1", "email=subscribed", "email")));
            assertThat(harness.extractOutputValues()).extracting(request -> request.entryMessageId).containsExactly("m2");
            assertThat(runs(harness)).extracting(run -> run.instanceId + " " + run.step + "/" + run.reason)
                    .containsExactly("m1 suppressed/quiet_hours", "m2 fired/null");
        }
    }

    @Test
    void stateAndTimersAreGoneOnceGraceAndCappingNoLongerNeedThem() throws Exception {
        try (var harness = harness()) {
            publish(harness, "aut_cart", 1, AutomationUpdate.ACTIVE, CART);
            harness.setProcessingTime(T0);
            harness.processElement1(new StreamRecord<>(fire("aut_cart", "m1", "p1", "email=subscribed", "email")));
            harness.setProcessingTime(T0 + 4 * DAY);
            harness.processElement1(new StreamRecord<>(fire("aut_cart", "m2", "p1", "email=subscribed", "email")));
            assertThat(harness.extractOutputValues()).hasSize(2);
            assertThat(harness.numKeyedStateEntries()).as("last send and sends in the window").isEqualTo(2);

            harness.setProcessingTime(T0 + 7 * DAY);
            assertThat(harness.numKeyedStateEntries()).as("the second send is still in the capping window").isEqualTo(2);
            assertThat(harness.numProcessingTimeTimers()).isEqualTo(1);
            harness.setProcessingTime(T0 + 11 * DAY - 1);
            assertThat(harness.numKeyedStateEntries()).isEqualTo(2);
            harness.setProcessingTime(T0 + 11 * DAY);
            assertThat(harness.numKeyedStateEntries()).isZero();
            assertThat(harness.numProcessingTimeTimers()).isZero();
        }
    }

    @Test
    void heldAndSentStateEndsAtZeroToo() throws Exception {
        try (var harness = harness()) {
            publish(harness, "aut_now", 1, AutomationUpdate.ACTIVE, """
                    {"name": "n", "entry": {"event": "E"}, "quietHours": {"start": "21:00", "end": "08:00"},
                     "action": {"channel": "email", "template": "t"}}""");
            harness.setProcessingTime(Instant.parse("2026-03-02T23:00:00Z").toEpochMilli());
            for (int i = 0; i < 50; i++) {
                harness.processElement1(new StreamRecord<>(fire("aut_now", "m" + i, "p" + i, "email=subscribed", "email")));
            }
            assertThat(harness.numKeyedStateEntries()).as("held fires").isEqualTo(50);
            assertThat(harness.numProcessingTimeTimers()).isEqualTo(50);
            harness.setProcessingTime(Instant.parse("2026-03-03T08:00:00Z").toEpochMilli());
            assertThat(harness.extractOutputValues()).hasSize(50);
            // no grace and no capping: nothing to remember after the send
            harness.setProcessingTime(Instant.parse("2026-03-03T08:00:01Z").toEpochMilli());
            assertThat(harness.numKeyedStateEntries()).isZero();
            assertThat(harness.numProcessingTimeTimers()).isZero();
        }
    }

    static KeyedTwoInputStreamOperatorTestHarness<String, AutomationSignal, AutomationUpdate, ActivationRequest> harness() throws Exception {
        var harness = new KeyedTwoInputStreamOperatorTestHarness<String, AutomationSignal, AutomationUpdate, ActivationRequest>(
                new CoBroadcastWithKeyedOperator<>(new SendGate(), List.of(Automations.STATE)), AutomationSignal::person, null, Types.STRING);
        harness.open();
        return harness;
    }

    static void publish(KeyedTwoInputStreamOperatorTestHarness<String, AutomationSignal, AutomationUpdate, ActivationRequest> harness,
            String automationId, int version, String status, String definition) throws Exception {
        harness.processElement2(new StreamRecord<>(new AutomationUpdate("shop", automationId, version, status, definition)));
    }

    static AutomationSignal fire(String automationId, String messageId, String profileId, String consent, String reach) {
        AutomationSignal entry = WaitPatternTest.entry(messageId, profileId, T0 - 2 * DAY, T0, "{\"cart_id\":\"c1\"}");
        entry.automationId = automationId;
        entry.identifier = "email:ann@example.com";
        AutomationSignal fire = entry.copy(Role.FIRE);
        fire.consent = consent;
        fire.reach = reach;
        return fire;
    }

    static List<AutomationRun> runs(KeyedTwoInputStreamOperatorTestHarness<String, AutomationSignal, AutomationUpdate, ActivationRequest> harness) {
        var runs = harness.getSideOutput(SendGate.RUNS);
        return runs == null ? List.of() : runs.stream().map(StreamRecord::getValue).toList();
    }
}
