package io.sillage.jobs.profile;

import io.sillage.lakehouse.identity.ProjectIdentityRules;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

class StitchingProtocolTest {
    private static final String PROJECT = "prj_test";
    private static final ProjectIdentityRules RULES = ProjectIdentityRules.defaults();

    private record Sent(List<String> identifiers, ProfileEvent event) {}

    @Test
    void twoDevicesBecomeOneProfileWithEveryEventCounted() {
        StitchSimulator simulator = new StitchSimulator(RULES, 1);
        send(simulator, track("m1", 1_000, "Product Added"), "anonymous_id:A");
        send(simulator, track("m2", 2_000, "Application Opened"), "anonymous_id:B");
        send(simulator, identify("m3", 3_000, "{\"email\":\"jane@example.com\",\"first_name\":\"Jane\"}"), "user_id:42", "email:jane@example.com", "anonymous_id:B");
        send(simulator, identify("m4", 4_000, "{\"plan\":\"gold\"}"), "user_id:42", "anonymous_id:A");
        simulator.runToQuiescence();

        String root = simulator.rootOf(PROJECT, "anonymous_id:A");
        assertThat(simulator.rootOf(PROJECT, "anonymous_id:B")).isEqualTo(root);
        assertThat(simulator.rootOf(PROJECT, "email:jane@example.com")).isEqualTo(root);
        assertThat(simulator.rootOf(PROJECT, "user_id:42")).isEqualTo(root);
        ProfileState profile = simulator.profileOf(PROJECT, "user_id:42");
        assertThat(profile.identifiers).containsExactlyInAnyOrder("anonymous_id:A", "anonymous_id:B", "user_id:42", "email:jane@example.com");
        assertThat(profile.eventCount).isEqualTo(4);
        assertThat(profile.traits).containsKeys("email", "first_name", "plan");
        // the earliest created profile survives: the one created by anonymous id A at t=1000
        assertThat(root).isEqualTo(ProfileIds.create(PROJECT, "anonymous_id:A", 1_000));
        // how many profiles were created and merged depends on arrival order; every merged one points here
        assertThat(profile.merges).isNotEmpty().allSatisfy(merge -> assertThat(simulator.profiles.get(StitchMessage.key(PROJECT, merge.fromProfileId)).mergedInto).isNotNull());
        assertThat(simulator.liveProfiles()).hasSize(1);
        assertThat(simulator.waitingMessages()).isZero();
    }

    @Test
    void sharedDeviceKeepsTwoUsersApartAndRecordsTheRefusal() {
        StitchSimulator simulator = new StitchSimulator(RULES, 7);
        send(simulator, identify("m1", 1_000, "{}"), "user_id:1", "anonymous_id:D");
        simulator.runToQuiescence();
        send(simulator, identify("m2", 2_000, "{}"), "user_id:2", "anonymous_id:D");
        simulator.runToQuiescence();

        String first = simulator.rootOf(PROJECT, "user_id:1");
        String second = simulator.rootOf(PROJECT, "user_id:2");
        assertThat(first).isNotEqualTo(second);
        assertThat(simulator.rootOf(PROJECT, "anonymous_id:D")).isEqualTo(first);
        assertThat(simulator.profileOf(PROJECT, "user_id:2").identifiers).containsExactly("user_id:2");
        assertThat(simulator.profileOf(PROJECT, "user_id:2").eventCount).isEqualTo(1);
        assertThat(simulator.decisions).anySatisfy(decision -> {
            assertThat(decision.decision).isEqualTo(MergeDecision.REFUSED);
            assertThat(decision.rule).isEqualTo("at most 1 user_id per profile");
            assertThat(decision.identifier).isEqualTo("anonymous_id:D");
            assertThat(decision.messageId).isEqualTo("m2");
        });
        assertThat(simulator.decisions).noneMatch(decision -> decision.decision.equals(MergeDecision.MERGED));
    }

    @Test
    void twoUserIdsInOneEventLinkOnlyTheFirst() {
        StitchSimulator simulator = new StitchSimulator(RULES, 3);
        send(simulator, identify("m1", 1_000, "{}"), "user_id:1", "user_id:2", "email:a@example.com");
        simulator.runToQuiescence();
        assertThat(simulator.profileOf(PROJECT, "user_id:1").identifiers).containsExactly("user_id:1", "email:a@example.com");
        assertThat(simulator.rootOf(PROJECT, "user_id:2")).isNull();
        assertThat(simulator.decisions).singleElement().satisfies(decision -> assertThat(decision.rule).isEqualTo("at most 1 user_id per profile"));
    }

    @Test
    void anyOrderOfEventsAndMessagesGivesTheSameGrouping() {
        Random random = new Random(42);
        List<Sent> events = new ArrayList<>();
        Map<Integer, List<String>> people = new HashMap<>();
        for (int person = 0; person < 60; person++) {
            List<String> identifiers = new ArrayList<>();
            identifiers.add("user_id:" + person);
            identifiers.add("email:p" + person + "@example.com");
            for (int device = 0; device < 1 + random.nextInt(4); device++) {
                identifiers.add("anonymous_id:" + person + "-" + device);
            }
            people.put(person, identifiers);
        }
        for (int i = 0; i < 600; i++) {
            int person = random.nextInt(60);
            List<String> own = new ArrayList<>(people.get(person));
            Collections.shuffle(own, random);
            List<String> carried = own.subList(0, 1 + random.nextInt(Math.min(3, own.size())));
            long time = 1_000_000L + random.nextInt(1_000_000);
            ProfileEvent event = random.nextInt(4) == 0
                    ? identify("m" + i, time, "{\"score\":" + random.nextInt(100) + "}")
                    : track("m" + i, time, random.nextInt(5) == 0 ? ProfileUpdates.ORDER_COMPLETED : "Page Viewed");
            if (event.event != null && event.event.equals(ProfileUpdates.ORDER_COMPLETED)) {
                event.properties = "{\"revenue\":" + (1 + random.nextInt(50)) + "}";
            }
            events.add(new Sent(priorityOrder(carried), event));
        }
        Set<String> all = events.stream().flatMap(sent -> sent.identifiers().stream()).collect(Collectors.toSet());
        Set<Set<String>> expected = connectedComponents(events);

        Set<Map<String, Object>> firstOutcome = null;
        for (long seed = 0; seed < 12; seed++) {
            List<Sent> shuffled = new ArrayList<>(events);
            Collections.shuffle(shuffled, new Random(seed));
            StitchSimulator simulator = new StitchSimulator(RULES, seed);
            // events arrive while earlier merges are still in flight
            for (Sent sent : shuffled) {
                send(simulator, sent.event(), sent.identifiers().toArray(String[]::new));
                for (int steps = new Random(seed * 31 + sent.hashCode()).nextInt(6); steps > 0 && simulator.step(); steps--) { }
            }
            simulator.runToQuiescence();

            assertThat(simulator.grouping(PROJECT, all)).as("grouping with seed %s", seed).isEqualTo(expected);
            assertThat(simulator.waitingMessages()).isZero();
            for (ProfileState live : simulator.liveProfiles()) {
                Set<String> rooted = all.stream().filter(identifier -> live.profileId.equals(simulator.rootOf(PROJECT, identifier))).collect(Collectors.toSet());
                assertThat(new HashSet<>(live.identifiers)).as("identifiers held by %s", live.profileId).isEqualTo(rooted);
            }
            Set<Map<String, Object>> outcome = outcome(simulator);
            if (firstOutcome == null) {
                firstOutcome = outcome;
                assertThat(outcome.stream().mapToLong(profile -> (Long) profile.get("events")).sum()).isEqualTo(events.size());
            }
            assertThat(outcome).as("traits, counters and revenue with seed %s", seed).isEqualTo(firstOutcome);
        }
    }

    @Test
    void traitsAreLastWriteWinsByEventTimeWhateverTheArrivalOrder() {
        StitchSimulator simulator = new StitchSimulator(RULES, 5);
        send(simulator, identify("m2", 2_000, "{\"city\":\"Lyon\"}"), "user_id:9");
        send(simulator, identify("m1", 1_000, "{\"city\":\"Paris\",\"plan\":\"free\"}"), "user_id:9");
        send(simulator, identify("m3", 3_000, "{\"email_subscribe\":\"opted_in\"}"), "user_id:9");
        send(simulator, track("m0", 500, ProfileUpdates.SUBSCRIPTION_CHANGED, "{\"channel\":\"email\",\"status\":\"unsubscribed\"}"), "user_id:9");
        simulator.runToQuiescence();
        ProfileState profile = simulator.profileOf(PROJECT, "user_id:9");
        assertThat(profile.traits.get("city").value).isEqualTo("\"Lyon\"");
        assertThat(profile.traits.get("plan").value).isEqualTo("\"free\"");
        assertThat(profile.subscriptions.get("email").status).isEqualTo("opted_in");
        assertThat(profile.subscriptions.get("email").messageId).isEqualTo("m3");
        assertThat(profile.firstSeenMicros).isEqualTo(500);
        assertThat(profile.lastSeenMicros).isEqualTo(3_000);
    }

    private static Set<Map<String, Object>> outcome(StitchSimulator simulator) {
        Set<Map<String, Object>> outcome = new HashSet<>();
        for (ProfileState live : simulator.liveProfiles()) {
            Map<String, Object> summary = new HashMap<>();
            summary.put("identifiers", new HashSet<>(live.identifiers));
            summary.put("events", live.eventCount);
            summary.put("orders", live.orderCount);
            summary.put("revenue", live.revenue);
            summary.put("firstSeen", live.firstSeenMicros);
            summary.put("lastSeen", live.lastSeenMicros);
            Map<String, String> traits = new HashMap<>();
            live.traits.forEach((name, value) -> traits.put(name, value.value));
            summary.put("traits", traits);
            outcome.add(summary);
        }
        return outcome;
    }

    private static Set<Set<String>> connectedComponents(List<Sent> events) {
        Map<String, String> parent = new HashMap<>();
        for (Sent sent : events) {
            for (String identifier : sent.identifiers()) {
                parent.putIfAbsent(identifier, identifier);
                union(parent, sent.identifiers().get(0), identifier);
            }
        }
        Map<String, Set<String>> groups = new HashMap<>();
        parent.keySet().forEach(identifier -> groups.computeIfAbsent(find(parent, identifier), ignored -> new HashSet<>()).add(identifier));
        return new HashSet<>(groups.values());
    }

    private static String find(Map<String, String> parent, String x) {
        while (!parent.get(x).equals(x)) {
            x = parent.get(x);
        }
        return x;
    }

    private static void union(Map<String, String> parent, String a, String b) {
        parent.put(find(parent, a), find(parent, b));
    }

    private static List<String> priorityOrder(List<String> identifiers) {
        List<String> order = List.of("user_id", "email", "phone", "anonymous_id");
        List<String> sorted = new ArrayList<>(new LinkedHashSet<>(identifiers));
        sorted.sort((a, b) -> {
            int byType = Integer.compare(order.indexOf(a.substring(0, a.indexOf(':'))), order.indexOf(b.substring(0, b.indexOf(':'))));
            return byType != 0 ? byType : a.compareTo(b);
        });
        return sorted;
    }

    private static void send(StitchSimulator simulator, ProfileEvent event, String... identifiers) {
        simulator.route(PROJECT, List.of(identifiers), event);
    }

    static ProfileEvent identify(String messageId, long time, String traits) {
        return new ProfileEvent(messageId, "identify", null, "web", time, traits, null, null);
    }

    static ProfileEvent track(String messageId, long time, String name) {
        return track(messageId, time, name, "{}");
    }

    static ProfileEvent track(String messageId, long time, String name, String properties) {
        return new ProfileEvent(messageId, "track", name, "web", time, null, properties, null);
    }
}
