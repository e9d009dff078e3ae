package io.sillage.api.http;

import io.sillage.api.projects.Keys;
import io.sillage.api.projects.ProjectCredentials;
import io.sillage.api.projects.ProjectStore;
import io.sillage.api.projects.WriteKeyOwner;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** Projects and keys in maps; counts write key lookups so that caching can be observed. */
final class InMemoryProjectStore implements ProjectStore {
    private final Map<String, String> projectIdsByName = new ConcurrentHashMap<>();
    private final Map<String, WriteKeyOwner> ownersByWriteKey = new ConcurrentHashMap<>();
    private final Map<String, String> projectIdsByApiKeyHash = new ConcurrentHashMap<>();
    private final AtomicInteger writeKeyLookups = new AtomicInteger();

    @Override
    public ProjectCredentials create(String name, String source) {
        if (projectIdsByName.containsKey(name)) {
            throw new IllegalArgumentException("project " + name + " already exists");
        }
        String projectId = Keys.projectId();
        String writeKey = Keys.writeKey();
        String apiKey = Keys.apiKey();
        projectIdsByName.put(name, projectId);
        ownersByWriteKey.put(writeKey, new WriteKeyOwner(projectId, source));
        projectIdsByApiKeyHash.put(Keys.sha256(apiKey), projectId);
        return new ProjectCredentials(projectId, name, writeKey, apiKey);
    }

    @Override
    public Optional<String> findProjectIdByName(String name) {
        return Optional.ofNullable(projectIdsByName.get(name));
    }

    @Override
    public Optional<WriteKeyOwner> findWriteKey(String writeKey) {
        writeKeyLookups.incrementAndGet();
        return Optional.ofNullable(ownersByWriteKey.get(writeKey));
    }

    @Override
    public Optional<String> findProjectByApiKey(String apiKey) {
        return Optional.ofNullable(projectIdsByApiKeyHash.get(Keys.sha256(apiKey)));
    }

    int writeKeyLookups() {
        return writeKeyLookups.get();
    }
}
