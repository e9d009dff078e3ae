package io.sillage.api.projects;

import java.util.Optional;

/** Projects and their keys, in the operational database. */
public interface ProjectStore {
    /** Creates a project with one write key (for {@code source}, may be null) and one API key. */
    ProjectCredentials create(String name, String source);

    Optional<String> findProjectIdByName(String name);

    Optional<WriteKeyOwner> findWriteKey(String writeKey);

    /** The project an API key gives access to. */
    Optional<String> findProjectByApiKey(String apiKey);
}
