package io.sillage.api.automations;

import io.sillage.api.db.DefinitionVersion;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Automations and their versions, in the operational database. Every lookup is scoped by project: an
 * automation of another project is never returned.
 *
 * <p>Writes take a {@code beforeCommit} step that runs inside the transaction, after the write and before the
 * commit (the service publishes the new state there): if it throws, nothing is stored and the exception
 * propagates as is.
 */
public interface AutomationStore {
    /** Stores a new automation and its first version. */
    void create(Automation automation, Consumer<Automation> beforeCommit);

    /**
     * Locks the automation (deleted ones included) for the transaction, and stores what {@code change} makes of
     * it: a higher version also stores the definition as a new version; an equal automation writes nothing (but
     * {@code beforeCommit} still runs). Empty when the project has no such automation or {@code change} declines.
     */
    Optional<Automation> update(String projectId, String automationId, Function<Automation, Optional<Automation>> change, Consumer<Automation> beforeCommit);

    /** The automation, deleted or not. */
    Optional<Automation> find(String projectId, String automationId);

    /** The project's automations that are not deleted, newest (by creation) first. */
    List<Automation> list(String projectId);

    /** Every stored version of the automation (deleted or not), oldest first; empty when there is no such automation. */
    List<DefinitionVersion> versions(String projectId, String automationId);

    /** Every automation of every project, deleted ones included. */
    List<Automation.Key> keys();
}
