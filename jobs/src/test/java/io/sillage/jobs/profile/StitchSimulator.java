package io.sillage.jobs.profile;

import io.sillage.lakehouse.identity.ProjectIdentityRules;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

/**
 * Runs the stitching protocol without Flink: one map for the identifier directory, one for profile states, and a
 * bag of messages in flight delivered in random order (a harsher schedule than Flink's, which keeps each
 * channel in order). Used to check that the outcome does not depend on delivery order.
 */
final class StitchSimulator {
    private final ProfileLogic logic;
    private final Random random;
    final Map<String, String> owners = new HashMap<>();
    final Map<String, ProfileState> profiles = new HashMap<>();
    private final Map<String, List<StitchMessage>> waiting = new HashMap<>();
    private final List<StitchMessage> inFlight = new ArrayList<>();
    final List<MergeDecision> decisions = new ArrayList<>();
    int delivered;

    StitchSimulator(ProjectIdentityRules rules, long seed) {
        this.logic = new ProfileLogic(rules);
        this.random = new Random(seed);
    }

    void route(String projectId, List<String> identifiers, ProfileEvent event) {
        inFlight.add(StitchMessage.route(projectId, identifiers, event));
    }

    /** Delivers one random message in flight; false when there is none. */
    boolean step() {
        if (inFlight.isEmpty()) {
            return false;
        }
        deliver(inFlight.remove(random.nextInt(inFlight.size())));
        return true;
    }

    void runToQuiescence() {
        while (step()) {
            if (delivered > 10_000_000) {
                throw new AssertionError("no quiescence after 10M messages");
            }
        }
    }

    void deliver(StitchMessage message) {
        delivered++;
        if (message.kind.toIdentifier()) {
            String owner = IdentifierDirectory.handle(owners.get(message.key()), message, inFlight::add);
            owners.put(message.key(), owner);
            return;
        }
        String key = message.key();
        ProfileState state = logic.handle(profiles.get(key), message, new ProfileLogic.Waiting() {
            @Override
            public void add(StitchMessage held) {
                waiting.computeIfAbsent(key, ignored -> new ArrayList<>()).add(held);
            }

            @Override
            public List<StitchMessage> drain() {
                List<StitchMessage> held = waiting.remove(key);
                return held == null ? List.of() : held;
            }
        }, new ProfileLogic.Output() {
            @Override
            public void send(StitchMessage sent) {
                inFlight.add(sent);
            }

            @Override
            public void decide(MergeDecision decision) {
                decisions.add(decision);
            }
        });
        profiles.put(key, state);
    }

    /** The live profile an identifier belongs to, following merges. */
    String rootOf(String projectId, String identifier) {
        String profile = owners.get(StitchMessage.key(projectId, identifier));
        if (profile == null) {
            return null;
        }
        ProfileState state = profiles.get(StitchMessage.key(projectId, profile));
        while (state != null && state.mergedInto != null) {
            profile = state.mergedInto;
            state = profiles.get(StitchMessage.key(projectId, profile));
        }
        return profile;
    }

    ProfileState profileOf(String projectId, String identifier) {
        return profiles.get(StitchMessage.key(projectId, rootOf(projectId, identifier)));
    }

    /** Identifiers grouped by live profile: the grouping that must not depend on order. */
    Set<Set<String>> grouping(String projectId, Set<String> identifiers) {
        Map<String, Set<String>> groups = new TreeMap<>();
        for (String identifier : identifiers) {
            groups.computeIfAbsent(String.valueOf(rootOf(projectId, identifier)), ignored -> new HashSet<>()).add(identifier);
        }
        return new HashSet<>(groups.values());
    }

    List<ProfileState> liveProfiles() {
        return profiles.values().stream().filter(ProfileState::alive).toList();
    }

    int waitingMessages() {
        return waiting.values().stream().mapToInt(List::size).sum();
    }
}
