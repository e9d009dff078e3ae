package io.sillage.api.messaging;

import io.sillage.api.connectors.Connector;
import io.sillage.api.templates.MessageTemplate;
import io.sillage.api.templates.Snippet;

/**
 * Tells the activation job about the latest state of templates, snippets and connectors, through the compacted
 * topics {@code cdp.templates} and {@code cdp.connectors} (records: {@link MessagingRecords}). Each call returns
 * once the record is durably stored, and throws {@link io.sillage.api.kafka.PublishException} when it is not: the
 * caller then rolls its change back.
 */
public interface MessagingPublisher extends AutoCloseable {
    void template(MessageTemplate template);

    void templateDeleted(String projectId, String templateId);

    void snippet(Snippet snippet);

    void snippetDeleted(String projectId, String name);

    void connector(Connector connector);

    @Override
    void close();
}
