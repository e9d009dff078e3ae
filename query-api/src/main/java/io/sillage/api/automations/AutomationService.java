package io.sillage.api.automations;

import io.sillage.api.kafka.PublishException;
import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sillage.api.db.DefinitionVersion;
import io.sillage.api.projects.Keys;
import io.sillage.lakehouse.automation.AutomationDefinition;
import io.sillage.lakehouse.automation.AutomationDefinitions;
import io.sillage.lakehouse.automation.InvalidDefinitionException;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates and changes automations. Every change is published to the automations topic inside the database
 * transaction, before it commits: a change the pipeline was not told about is never stored (a
 * {@link PublishException} rolls it back). Deleted automations are kept, with status
 * {@code deleted}, and are not found by any method here except {@link #republishAll()}.
 */
public class AutomationService {
    private static final Logger LOG = LoggerFactory.getLogger(AutomationService.class);

    private final AutomationStore store;
    private final AutomationPublisher publisher;
    private final Clock clock;

    public AutomationService(AutomationStore store, AutomationPublisher publisher, Clock clock) {
        this.store = requireNonNull(store, "store is null");
        this.publisher = requireNonNull(publisher, "publisher is null");
        this.clock = requireNonNull(clock, "clock is null");
    }

    /** A new draft, version 1. @throws InvalidDefinitionException naming every problem of the definition */
    public Automation create(String projectId, ObjectNode definition) {
        AutomationDefinition parsed = AutomationDefinitions.parse(definition);
        Instant now = now();
        Automation automation = new Automation(Keys.automationId(), projectId, parsed.name(), AutomationStatus.DRAFT, 1, definition.deepCopy(), now, now);
        store.create(automation, publisher::publish);
        return automation;
    }

    public Optional<Automation> get(String projectId, String automationId) {
        return store.find(projectId, automationId).filter(AutomationService::live);
    }

    public List<Automation> list(String projectId) {
        return store.list(projectId);
    }

    /** Every version, oldest first; empty when there is no such automation (or it is deleted). */
    public Optional<List<DefinitionVersion>> versions(String projectId, String automationId) {
        if (get(projectId, automationId).isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(store.versions(projectId, automationId));
    }

    /** The next version with this definition; the status does not change. @throws InvalidDefinitionException */
    public Optional<Automation> update(String projectId, String automationId, ObjectNode definition) {
        AutomationDefinition parsed = AutomationDefinitions.parse(definition);
        ObjectNode copy = definition.deepCopy();
        Instant now = now();
        return store.update(projectId, automationId,
                current -> Optional.of(current).filter(AutomationService::live).map(live -> live.withDefinition(parsed.name(), copy, now)),
                publisher::publish);
    }

    /**
     * Makes the automation run. Idempotent: activating an active automation publishes it again. The stored
     * definition is validated again, so that a definition the current rules refuse is never started.
     *
     * @throws InvalidDefinitionException when the stored definition no longer validates
     */
    public Optional<Automation> activate(String projectId, String automationId) {
        return setStatus(projectId, automationId, AutomationStatus.ACTIVE);
    }

    /** Stops the automation from starting new journeys; idempotent. */
    public Optional<Automation> pause(String projectId, String automationId) {
        return setStatus(projectId, automationId, AutomationStatus.PAUSED);
    }

    /** Marks the automation deleted (the pipeline stops it); empty if it does not exist or is already deleted. */
    public Optional<Automation> delete(String projectId, String automationId) {
        return setStatus(projectId, automationId, AutomationStatus.DELETED);
    }

    /**
     * Publishes the stored state of every automation of every project, deleted ones included, so that the
     * pipeline converges on the database even if the topic lost records. Each automation is locked while it is
     * published, so a concurrent change is never overtaken by an older state.
     *
     * @return how many automations were published
     * @throws PublishException at the first record Kafka does not take
     */
    public int republishAll() {
        int published = 0;
        for (Automation.Key key : store.keys()) {
            if (store.update(key.projectId(), key.automationId(), Optional::of, publisher::publish).isPresent()) {
                published++;
            }
        }
        LOG.info("Republished {} automations", published);
        return published;
    }

    private Optional<Automation> setStatus(String projectId, String automationId, AutomationStatus status) {
        Instant now = now();
        return store.update(projectId, automationId, current -> {
            if (!live(current)) {
                return Optional.empty();
            }
            if (status == AutomationStatus.ACTIVE) {
                AutomationDefinitions.parse(current.definition());
            }
            // already there: nothing to store, but published again (a retry after a lost answer converges)
            return Optional.of(current.status() == status ? current : current.withStatus(status, now));
        }, publisher::publish);
    }

    private static boolean live(Automation automation) {
        return automation.status() != AutomationStatus.DELETED;
    }

    /** Milliseconds: what PostgreSQL stores and the topic carries are then the same instant. */
    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }
}
