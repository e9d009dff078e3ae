package io.sillage.api.http;

import io.sillage.api.connectors.ConnectorService;
import io.sillage.api.projects.ProjectStore;
import io.sillage.api.templates.TemplateService;
import io.sillage.lakehouse.identity.ProjectIdentityRules;
import java.time.Clock;
import java.util.Optional;

/** Templates and connectors handlers over empty in-memory stores, for the tests of other routes. */
final class MessagingFakes {
    private MessagingFakes() {}

    static TemplateHandlers templates(ProjectStore projects, Clock clock) {
        RecordingMessagingPublisher publisher = new RecordingMessagingPublisher();
        return new TemplateHandlers(projects, new TemplateService(new InMemoryTemplateStore(), new InMemorySnippetStore(), publisher, clock),
                (project, identifier) -> Optional.empty(), ProjectIdentityRules.defaults(), new ConnectorService(new InMemoryConnectorStore(), publisher, clock));
    }

    static ConnectorHandlers connectors(ProjectStore projects, Clock clock) {
        return new ConnectorHandlers(projects, new ConnectorService(new InMemoryConnectorStore(), new RecordingMessagingPublisher(), clock));
    }
}
