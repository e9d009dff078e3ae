package io.sillage.api.templates;

import io.sillage.api.db.DefinitionVersion;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Message templates and their versions, in the operational database. Every lookup is scoped by project (a
 * template of another project is never returned) and leaves deleted templates out.
 */
public interface TemplateStore {
    /** Stores a new template and its first version. */
    void create(MessageTemplate template);

    /**
     * Locks the template for the transaction and stores what {@code change} makes of it, with its definition as a
     * new version. Empty when the project has no such template; when {@code change} throws, nothing is stored.
     */
    Optional<MessageTemplate> update(String projectId, String templateId, UnaryOperator<MessageTemplate> change);

    Optional<MessageTemplate> find(String projectId, String templateId);

    /** The project's templates, newest (by creation) first. */
    List<MessageTemplate> list(String projectId);

    /** Every stored version of the template, oldest first; empty when there is no such template. */
    List<DefinitionVersion> versions(String projectId, String templateId);

    /** Marks the template deleted (its versions stay); false when the project has no such template. */
    boolean delete(String projectId, String templateId, Instant at);
}
