package io.sillage.lakehouse.identity;

import static java.util.Objects.requireNonNull;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A project's identity rules: which identifier types exist, in which priority order, how many of each a
 * profile may hold, how phones are read, and which values never link anything.
 *
 * @param priority identifier types from the most to the least trusted; custom types are declared here
 * @param maxPerProfile at most this many identifiers of a type per profile (types not listed: unlimited)
 * @param defaultPhoneRegion ISO 3166 region for phone numbers written without a country code (e.g. FR)
 * @param blockedValues values (after normalization) that never identify anyone, in addition to the built-in ones
 * @param blockedPattern values matching this regular expression never identify anyone
 */
public record IdentityRules(
        List<String> priority,
        Map<String, Integer> maxPerProfile,
        String defaultPhoneRegion,
        Set<String> blockedValues,
        Optional<Pattern> blockedPattern) {

    public static final String ANONYMOUS_ID = "anonymous_id";
    public static final String USER_ID = "user_id";
    public static final String EMAIL = "email";
    public static final String PHONE = "phone";

    public IdentityRules {
        priority = List.copyOf(requireNonNull(priority, "priority is null"));
        maxPerProfile = Map.copyOf(requireNonNull(maxPerProfile, "maxPerProfile is null"));
        requireNonNull(defaultPhoneRegion, "defaultPhoneRegion is null");
        blockedValues = Set.copyOf(requireNonNull(blockedValues, "blockedValues is null"));
        requireNonNull(blockedPattern, "blockedPattern is null");
        if (priority.isEmpty()) {
            throw new IllegalArgumentException("Invalid identity rules: the priority list is empty");
        }
        if (priority.stream().distinct().count() != priority.size()) {
            throw new IllegalArgumentException("Invalid identity rules: a type appears twice in the priority list " + priority);
        }
        for (String type : priority) {
            new Identifier(type, "x"); // validates the type name
        }
        for (Map.Entry<String, Integer> limit : maxPerProfile.entrySet()) {
            if (!priority.contains(limit.getKey())) {
                throw new IllegalArgumentException("Invalid identity rules: limit on unknown type " + limit.getKey() + " (declare it in the priority list)");
            }
            if (limit.getValue() < 1) {
                throw new IllegalArgumentException("Invalid identity rules: limit for " + limit.getKey() + " must be at least 1, got " + limit.getValue());
            }
        }
    }

    /** The defaults: user_id, email, phone, anonymous_id in that order; one user_id per profile; French phones. */
    public static IdentityRules defaults() {
        Map<String, Integer> limits = new LinkedHashMap<>();
        limits.put(USER_ID, 1);
        return new IdentityRules(List.of(USER_ID, EMAIL, PHONE, ANONYMOUS_ID), limits, "FR", Set.of(), Optional.empty());
    }

    public boolean declares(String type) {
        return priority.contains(type);
    }

    /** Lower is more trusted; undeclared types rank last. */
    public int rank(String type) {
        int index = priority.indexOf(type);
        return index < 0 ? Integer.MAX_VALUE : index;
    }

    public Optional<Integer> limit(String type) {
        return Optional.ofNullable(maxPerProfile.get(type));
    }
}
