package io.sillage.lakehouse.messaging.connector;

import static io.sillage.lakehouse.messaging.connector.Messages.json;
import static io.sillage.lakehouse.messaging.connector.Messages.message;
import static org.assertj.core.api.Assertions.assertThat;

import io.sillage.lakehouse.messaging.connector.LocalHttpServer.Response;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class ConnectorIsolationTest {
    private static Connector webhooks() {
        return ConnectorConfigs.parse(json("{\"type\": \"webhook\", \"secret\": \"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\", \"timeout\": \"5s\"}")).open();
    }

    @Test
    void aConnectorWaitingOnASlowProviderDoesNotSlowAnother() throws Exception {
        ExecutorService callers = Executors.newFixedThreadPool(4);
        try (LocalHttpServer slow = new LocalHttpServer(); LocalHttpServer fast = new LocalHttpServer()) {
            slow.answer(request -> Response.of(200, "").after(Duration.ofSeconds(2)));
            fast.answer(request -> Response.of(200, ""));
            Connector stuck = webhooks();
            Connector quick = webhooks();
            List<Future<DeliveryResult>> waiting = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                waiting.add(callers.submit(() -> stuck.send(message(Messages.WEBHOOK, "msg_slow", slow.uri("/").toString(), Map.of()))));
            }
            slow.take();

            long start = System.nanoTime();
            for (int i = 0; i < 20; i++) {
                assertThat(quick.send(message(Messages.WEBHOOK, "msg_" + i, fast.uri("/").toString(), Map.of())).status()).isEqualTo(DeliveryResult.Status.ACCEPTED);
            }
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
            for (Future<DeliveryResult> send : waiting) {
                assertThat(send.get().status()).isEqualTo(DeliveryResult.Status.ACCEPTED);
            }
        }
        finally {
            callers.shutdownNow();
        }
    }
}
