package io.sillage.api.http;

import io.sillage.api.automations.Automation;
import io.sillage.api.automations.AutomationMessages;
import io.sillage.api.automations.AutomationPublisher;
import io.sillage.api.kafka.PublishException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** An automations topic that records the key and value of what it is asked to publish, or fails every publish. */
final class RecordingAutomationPublisher implements AutomationPublisher {
    record Message(String key, String value) {}

    private final List<Message> messages = new CopyOnWriteArrayList<>();
    private volatile boolean failing;

    void failEverything() {
        failing = true;
    }

    void acknowledgeEverything() {
        failing = false;
    }

    List<Message> messages() {
        return List.copyOf(messages);
    }

    @Override
    public void publish(Automation automation) {
        if (failing) {
            throw new PublishException("Kafka did not acknowledge automation " + automation.id(), new IllegalStateException("the event bus is down"));
        }
        messages.add(new Message(AutomationMessages.key(automation), new String(AutomationMessages.value(automation), StandardCharsets.UTF_8)));
    }

    @Override
    public void close() {}
}
