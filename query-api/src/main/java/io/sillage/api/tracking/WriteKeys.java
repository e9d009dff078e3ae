package io.sillage.api.tracking;

import static java.util.Objects.requireNonNull;

import io.sillage.api.projects.ProjectStore;
import io.sillage.api.projects.WriteKeyOwner;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Write key lookups, cached: the tracking endpoints see thousands of requests a second with the same few keys.
 * Unknown keys are cached briefly too, so that a misconfigured client cannot hammer the database.
 */
public class WriteKeys {
    private record Entry(Optional<WriteKeyOwner> owner, long expiresAtMillis) {}

    private static final java.util.regex.Pattern WELL_FORMED = java.util.regex.Pattern.compile("[A-Za-z0-9_-]{8,128}");

    private final ProjectStore store;
    private final Clock clock;
    private final Duration knownTtl;
    private final Duration unknownTtl;
    private final ConcurrentHashMap<String, Entry> cache = new ConcurrentHashMap<>();

    public WriteKeys(ProjectStore store, Clock clock, Duration knownTtl, Duration unknownTtl) {
        this.store = requireNonNull(store, "store is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.knownTtl = knownTtl;
        this.unknownTtl = unknownTtl;
    }

    public Optional<WriteKeyOwner> find(String writeKey) {
        if (!WELL_FORMED.matcher(writeKey).matches()) {
            // never costs a database query, nor a cache entry
            return Optional.empty();
        }
        long now = clock.millis();
        Entry entry = cache.get(writeKey);
        if (entry == null || entry.expiresAtMillis() < now) {
            Optional<WriteKeyOwner> owner = store.findWriteKey(writeKey);
            entry = new Entry(owner, now + (owner.isPresent() ? knownTtl : unknownTtl).toMillis());
            if (owner.isPresent() || cache.size() < 10_000) {
                cache.put(writeKey, entry);
            }
        }
        return entry.owner();
    }
}
