package io.sillage.api.projects;

/** What creating a project returns, once: the API key is stored only as a hash. */
public record ProjectCredentials(String projectId, String name, String writeKey, String apiKey) {}
