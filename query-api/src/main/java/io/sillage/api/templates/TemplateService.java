package io.sillage.api.templates;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sillage.api.db.DefinitionVersion;
import io.sillage.api.messaging.MessagingPublisher;
import io.sillage.api.projects.Keys;
import io.sillage.lakehouse.automation.DefinitionProblem;
import io.sillage.lakehouse.automation.InvalidDefinitionException;
import io.sillage.lakehouse.messaging.CompiledTemplate;
import io.sillage.lakehouse.messaging.Personalization;
import io.sillage.lakehouse.messaging.Rendering;
import io.sillage.lakehouse.messaging.Snippets;
import io.sillage.lakehouse.messaging.Template;
import io.sillage.lakehouse.messaging.Templates;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Creates and changes message templates and snippets, and previews templates. A template is validated as a
 * whole before it is stored (Liquid compiled, MJML compiled to HTML); every update is a new version, and its
 * channel cannot change (automations send it on that channel).
 */
public class TemplateService {
    /** What {@code message} holds in a preview: no message exists, so its links lead nowhere. */
    public static final Personalization.Message PREVIEW_MESSAGE = new Personalization.Message("preview", "#unsubscribe");

    private final TemplateStore templates;
    private final SnippetStore snippets;
    private final MessagingPublisher publisher;
    private final Clock clock;

    public TemplateService(TemplateStore templates, SnippetStore snippets, MessagingPublisher publisher, Clock clock) {
        this.templates = requireNonNull(templates, "templates is null");
        this.snippets = requireNonNull(snippets, "snippets is null");
        this.publisher = requireNonNull(publisher, "publisher is null");
        this.clock = requireNonNull(clock, "clock is null");
    }

    /**
     * A new template, version 1, published to the activation job before it is stored.
     *
     * @throws InvalidDefinitionException naming every problem of the definition
     * @throws DuplicateTemplateNameException when another live template of the project has its name
     * @throws io.sillage.api.kafka.PublishException when Kafka did not take it (nothing is stored)
     */
    public MessageTemplate create(String projectId, ObjectNode definition) {
        Template parsed = Templates.parse(definition, 1);
        Instant now = now();
        MessageTemplate template = new MessageTemplate(Keys.templateId(), projectId, parsed.name(), parsed.channel().wire(), 1, definition.deepCopy(), now, now);
        templates.create(template, publisher::template);
        return template;
    }

    public Optional<MessageTemplate> get(String projectId, String templateId) {
        return templates.find(projectId, templateId);
    }

    public List<MessageTemplate> list(String projectId) {
        return templates.list(projectId);
    }

    /** Every version, oldest first; empty when there is no such template (or it is deleted). */
    public Optional<List<DefinitionVersion>> versions(String projectId, String templateId) {
        if (get(projectId, templateId).isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(templates.versions(projectId, templateId));
    }

    /** The next version with this definition. @throws InvalidDefinitionException also when the channel would change */
    public Optional<MessageTemplate> update(String projectId, String templateId, ObjectNode definition) {
        ObjectNode copy = definition.deepCopy();
        Instant now = now();
        return templates.update(projectId, templateId, current -> {
            Template parsed = Templates.parse(copy, current.version() + 1);
            if (!parsed.channel().wire().equals(current.channel())) {
                throw new InvalidDefinitionException(List.of(new DefinitionProblem("channel",
                        "a template's channel cannot change (this one is " + current.channel() + "): create another template")));
            }
            return current.withDefinition(parsed.name(), copy, now);
        }, publisher::template);
    }

    /** Marks the template deleted; false if it does not exist or is already deleted. */
    public boolean delete(String projectId, String templateId) {
        return templates.delete(projectId, templateId, now(), () -> publisher.templateDeleted(projectId, templateId));
    }

    /**
     * Renders the template's latest version for a person, with the project's snippets. The stored definition is
     * validated again, so that a template the current rules refuse is never rendered.
     *
     * @param profile the person's Profile View document
     * @param event the properties of the event to render with; null for none
     * @param message the message's own variables (a preview has {@link #PREVIEW_MESSAGE})
     * @throws InvalidDefinitionException when the stored definition no longer validates
     */
    public Rendering render(MessageTemplate template, ObjectNode profile, JsonNode event, Personalization.Message message) {
        CompiledTemplate compiled = CompiledTemplate.compile(Templates.parse(template.definition(), template.version()));
        return compiled.render(Personalization.of(profile, event, message), projectSnippets(template.projectId()));
    }

    /** Creates or replaces a snippet. @throws InvalidDefinitionException naming its problems (fields name, source) */
    public SnippetStore.Stored putSnippet(String projectId, String name, String source) {
        Snippets.check(name, source);
        return snippets.put(projectId, name, source, now(), publisher::snippet);
    }

    public Optional<Snippet> getSnippet(String projectId, String name) {
        return snippets.find(projectId, name);
    }

    public List<Snippet> listSnippets(String projectId) {
        return snippets.list(projectId);
    }

    /** False when the project has no such snippet. Templates that include it fail to render until it is back. */
    public boolean deleteSnippet(String projectId, String name) {
        return snippets.delete(projectId, name, () -> publisher.snippetDeleted(projectId, name));
    }

    /**
     * Publishes every live template and snippet again, so that the activation job converges on the database even if
     * the topic lost records. Run before the API serves (no change can race it).
     *
     * @return how many records were published
     */
    public int republishAll() {
        int published = 0;
        for (Snippet snippet : snippets.all()) {
            publisher.snippet(snippet);
            published++;
        }
        for (MessageTemplate template : templates.all()) {
            publisher.template(template);
            published++;
        }
        return published;
    }

    private Snippets projectSnippets(String projectId) {
        Map<String, String> sources = new LinkedHashMap<>();
        for (Snippet snippet : snippets.list(projectId)) {
            sources.put(snippet.name(), snippet.source());
        }
        return Snippets.of(sources);
    }

    /** Milliseconds: what PostgreSQL stores and the API answers are then the same instant. */
    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MILLIS);
    }
}
