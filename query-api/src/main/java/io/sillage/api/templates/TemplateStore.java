package io.sillage.api.templates;

import io.sillage.api.db.DefinitionVersion;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * Message templates and their versions, in the operational database. Every lookup is scoped by project (a
 * template of another project is never returned) and leaves deleted templates out.
 */
public interface TemplateStore {
    /**
     * Stores a new template and its first version, and runs {@code beforeCommit} with it before the change commits
     * (a throw rolls it back).
     *
     * @throws DuplicateTemplateNameException when a live template of the project has its name
     */
    void create(MessageTemplate template, Consumer<MessageTemplate> beforeCommit);

    /**
     * Locks the template for the transaction and stores what {@code change} makes of it, with its definition as a
     * new version, then runs {@code beforeCommit} with it. Empty when the project has no such template; when
     * {@code change} or {@code beforeCommit} throws, nothing is stored.
     *
     * @throws DuplicateTemplateNameException when the new name is another live template's
     */
    Optional<MessageTemplate> update(String projectId, String templateId, UnaryOperator<MessageTemplate> change, Consumer<MessageTemplate> beforeCommit);

    Optional<MessageTemplate> find(String projectId, String templateId);

    /** The project's templates, newest (by creation) first. */
    List<MessageTemplate> list(String projectId);

    /** Every stored version of the template, oldest first; empty when there is no such template. */
    List<DefinitionVersion> versions(String projectId, String templateId);

    /** Marks the template deleted (its versions stay), running {@code beforeCommit} first; false when the project has no such template. */
    boolean delete(String projectId, String templateId, Instant at, Runnable beforeCommit);

    /** Every live template of every project: what is published again at start. */
    List<MessageTemplate> all();
}
