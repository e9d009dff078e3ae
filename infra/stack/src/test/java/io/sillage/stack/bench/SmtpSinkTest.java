package io.sillage.stack.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sillage.lakehouse.messaging.Rendering;
import io.sillage.lakehouse.messaging.Template;
import io.sillage.lakehouse.messaging.connector.Connector;
import io.sillage.lakehouse.messaging.connector.ConnectorConfigs;
import io.sillage.lakehouse.messaging.connector.DeliveryResult;
import io.sillage.lakehouse.messaging.connector.OutboundMessage;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The benchmark's SMTP server takes what the SMTP connector (Angus Mail) sends, pipelined or not, counts it, and tells
 * a resend apart.
 */
class SmtpSinkTest {
    @ParameterizedTest(name = "pipelining: {0}")
    @ValueSource(booleans = {true, false})
    void takesEachMessageTheConnectorSendsAndCountsAResendAsADuplicate(boolean pipelining) throws Exception {
        try (SmtpSink sink = new SmtpSink(pipelining);
                Connector connector = ConnectorConfigs.parse(new ObjectMapper().readTree("""
                        {"type": "smtp", "host": "127.0.0.1", "port": %d, "tls": "none", "from": "bounces@example.com"}""".formatted(sink.port()))).open()) {
            assertThat(connector.send(email("msg_1", "ann@example.com"))).isInstanceOf(DeliveryResult.Accepted.class);
            assertThat(connector.send(email("msg_2", "bob@example.com"))).isInstanceOf(DeliveryResult.Accepted.class);
            assertThat(sink.duplicates()).isZero();
            assertThat(connector.send(email("msg_1", "ann@example.com"))).as("a resend").isInstanceOf(DeliveryResult.Accepted.class);

            assertThat(sink.received()).isEqualTo(3);
            assertThat(sink.duplicates()).isEqualTo(1);
            assertThat(sink.bytes()).isGreaterThan(3 * 200);
        }
    }

    private static OutboundMessage email(String messageId, String to) {
        Template template = new Template("tpl_1", Template.Channel.EMAIL, null, 1,
                new Template.Email("Shop <shop@example.com>", null, "Hello", "<p>Hello .</p>\n.\n<p>a line with a dot alone</p>", "Hello", null),
                null, null, null);
        return new OutboundMessage(messageId, "prj_1", to, new Rendering.Rendered(template), Map.of(), Map.of());
    }
}
