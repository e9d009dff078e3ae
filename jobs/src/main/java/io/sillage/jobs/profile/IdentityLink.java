package io.sillage.jobs.profile;

/** An identifier ({@code type:value}) and the profile the directory says holds it (which may since have merged). */
public record IdentityLink(String projectId, String identifier, String profileId) {}
