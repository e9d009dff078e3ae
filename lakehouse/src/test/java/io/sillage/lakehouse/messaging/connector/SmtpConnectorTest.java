package io.sillage.lakehouse.messaging.connector;

import static io.sillage.lakehouse.messaging.connector.Messages.json;
import static io.sillage.lakehouse.messaging.connector.Messages.message;
import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.configuration.GreenMailConfiguration;
import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.GreenMailUtil;
import com.icegreen.greenmail.util.ServerSetup;
import com.icegreen.greenmail.util.ServerSetupTest;
import jakarta.mail.Session;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.io.ByteArrayInputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class SmtpConnectorTest {
    @RegisterExtension
    static final GreenMailExtension GREENMAIL = new GreenMailExtension(new ServerSetup[] {ServerSetupTest.SMTP.dynamicPort(), ServerSetupTest.SMTPS.dynamicPort()})
            .withConfiguration(GreenMailConfiguration.aConfig().withUser("shop@example.com", "shop", "s3cret"));

    private static final Map<String, String> UNSUBSCRIBE = OutboundMessage.unsubscribeHeaders(
            URI.create("mailto:unsubscribe@example.com?subject=msg_1"), URI.create("https://t.example.com/u/msg_1"));

    private static Connector connector(int port, String more) {
        return ConnectorConfigs.parse(json("{\"type\": \"smtp\", \"host\": \"127.0.0.1\", \"port\": " + port + ", \"tls\": \"none\", "
                + "\"from\": \"bounces@example.com\", \"timeout\": \"3s\"" + more + "}")).open();
    }

    private static int smtpPort() {
        return GREENMAIL.getSmtp().getPort();
    }

    @Test
    void deliversAMultipartEmailWithUnsubscribeHeadersAndAMessageIdOfItsOwn() throws Exception {
        try (Connector connector = connector(smtpPort(), "")) {
            assertThat(connector.send(message(Messages.EMAIL, "msg_1", "jane@example.com", UNSUBSCRIBE))).isEqualTo(new DeliveryResult.Accepted("<msg_1@example.com>"));
            assertThat(connector.send(message(Messages.EMAIL, "msg_1", "jane@example.com", UNSUBSCRIBE))).as("a resend, on the same connection")
                    .isEqualTo(new DeliveryResult.Accepted("<msg_1@example.com>"));
        }

        MimeMessage[] received = GREENMAIL.getReceivedMessages();
        assertThat(received).hasSize(2);
        MimeMessage mail = received[0];
        assertThat(mail.getMessageID()).isEqualTo("<msg_1@example.com>");
        assertThat(received[1].getMessageID()).as("the resend is recognisable").isEqualTo("<msg_1@example.com>");
        assertThat(mail.getHeader("From", null)).isEqualTo("Shop <shop@example.com>");
        assertThat(mail.getHeader("To", null)).isEqualTo("jane@example.com");
        assertThat(mail.getHeader("Reply-To", null)).isEqualTo("help@example.com");
        assertThat(mail.getSubject()).isEqualTo("Jane, votre panier vous attend");
        assertThat(mail.getHeader("Return-Path", null)).as("the envelope sender").isEqualTo("<bounces@example.com>");
        assertThat(mail.getHeader("List-Unsubscribe", null).replaceAll("\\r\\n\\s+", " "))
                .isEqualTo("<mailto:unsubscribe@example.com?subject=msg_1>, <https://t.example.com/u/msg_1>");
        assertThat(mail.getHeader("List-Unsubscribe-Post", null)).isEqualTo("List-Unsubscribe=One-Click");
        assertThat(mail.getSentDate()).isNotNull();

        assertThat(mail.getContentType()).startsWith("multipart/alternative");
        MimeMultipart parts = (MimeMultipart) mail.getContent();
        assertThat(parts.getCount()).isEqualTo(2);
        assertThat(parts.getBodyPart(0).getContentType()).startsWith("text/plain; charset=UTF-8");
        assertThat(parts.getBodyPart(0).getContent()).isEqualTo("Bonjour Jane, panier c-42");
        assertThat(parts.getBodyPart(1).getContentType()).startsWith("text/html; charset=UTF-8");
        assertThat(parts.getBodyPart(1).getContent()).isEqualTo("<p>Bonjour Jane, panier c-42 : 89.9 €</p>");
        assertThat(((MimeBodyPart) parts.getBodyPart(1)).getEncoding()).isEqualTo("quoted-printable");
    }

    @Test
    void sendsFromSeveralThreadsAtOnceEachMessageWholeAndOnce() throws Exception {
        int threads = 4;
        int each = 10;
        try (Connector connector = connector(smtpPort(), "")) {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                List<Future<List<DeliveryResult>>> sent = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int thread = t;
                    sent.add(pool.submit(() -> {
                        List<DeliveryResult> results = new ArrayList<>();
                        for (int i = 0; i < each; i++) {
                            String id = "msg_t" + thread + "_" + i;
                            results.add(connector.send(message(Messages.EMAIL, id, "p" + thread + "." + i + "@example.com", UNSUBSCRIBE)));
                        }
                        return results;
                    }));
                }
                for (Future<List<DeliveryResult>> results : sent) {
                    assertThat(results.get(30, TimeUnit.SECONDS)).allSatisfy(result -> assertThat(result).isInstanceOf(DeliveryResult.Accepted.class));
                }
            }
            finally {
                pool.shutdownNow();
            }
        }

        MimeMessage[] received = GREENMAIL.getReceivedMessages();
        assertThat(received).hasSize(threads * each);
        for (MimeMessage mail : received) {
            String id = mail.getMessageID().substring(1, mail.getMessageID().indexOf('@'));
            String[] threadAndIndex = id.substring("msg_t".length()).split("_");
            assertThat(mail.getHeader("To", null)).as("each message went to its own recipient").isEqualTo("p" + threadAndIndex[0] + "." + threadAndIndex[1] + "@example.com");
            assertThat(((MimeMultipart) mail.getContent()).getBodyPart(1).getContent()).isEqualTo("<p>Bonjour Jane, panier c-42 : 89.9 €</p>");
        }
        assertThat(received).extracting(MimeMessage::getMessageID).doesNotHaveDuplicates();
    }

    @Test
    void signsWithDkimOverTheUnsubscribeHeaders() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        KeyPair keys = generator.generateKeyPair();
        String pem = "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(keys.getPrivate().getEncoded()) + "\n-----END PRIVATE KEY-----\n";

        try (Connector connector = connector(smtpPort(), ", \"dkim\": {\"domain\": \"example.com\", \"selector\": \"s2026\", \"privateKey\": " + Messages.JSON.writeValueAsString(pem) + "}")) {
            assertThat(connector.send(message(Messages.EMAIL, "msg_9", "jane@example.com", UNSUBSCRIBE))).isEqualTo(new DeliveryResult.Accepted("<msg_9@example.com>"));
        }

        MimeMessage mail = GREENMAIL.getReceivedMessages()[0];
        assertThat(mail.getMessageID()).as("kept through signing").isEqualTo("<msg_9@example.com>");
        Map<String, String> signature = DkimVerifier.verify(GreenMailUtil.getWholeMessage(mail), keys.getPublic());
        assertThat(signature).containsEntry("d", "example.com").containsEntry("s", "s2026");
        assertThat(signature.get("h").toLowerCase().split(":"))
                .contains("from", "to", "subject", "message-id", "list-unsubscribe", "list-unsubscribe-post");
    }

    @Test
    void logsInAndARefusedLoginIsTemporary() {
        try (Connector connector = connector(smtpPort(), ", \"username\": \"shop\", \"password\": \"s3cret\"")) {
            assertThat(connector.send(message(Messages.EMAIL, "msg_1", "jane@example.com", Map.of())).status()).isEqualTo(DeliveryResult.Status.ACCEPTED);
        }
        try (Connector connector = connector(smtpPort(), ", \"username\": \"shop\", \"password\": \"wrong\"")) {
            DeliveryResult refused = connector.send(message(Messages.EMAIL, "msg_2", "jane@example.com", Map.of()));
            assertThat(refused).isInstanceOf(DeliveryResult.TemporaryFailure.class);
            assertThat(((DeliveryResult.TemporaryFailure) refused).reason()).startsWith("the SMTP server refused the login");
        }
        assertThat(GREENMAIL.getReceivedMessages()).hasSize(1);
    }

    @Test
    void aServerThatIsDownIsATemporaryFailure() throws Exception {
        int closed;
        try (ServerSocket socket = new ServerSocket(0)) {
            closed = socket.getLocalPort();
        }
        try (Connector connector = connector(closed, "")) {
            DeliveryResult result = connector.send(message(Messages.EMAIL, "msg_1", "jane@example.com", Map.of()));
            assertThat(result).isInstanceOf(DeliveryResult.TemporaryFailure.class);
            assertThat(((DeliveryResult.TemporaryFailure) result).reason()).contains("Couldn't connect to host").contains("ConnectException");
        }
    }

    @Test
    void smtpRepliesMapToTemporaryAndPermanentFailures() throws Exception {
        try (ScriptedSmtpServer server = new ScriptedSmtpServer(); Connector connector = connector(server.port(), "")) {
            server.reply("550 5.1.1 <jane@example.com>: Recipient address rejected: User unknown", "250 queued");
            DeliveryResult unknown = connector.send(message(Messages.EMAIL, "msg_1", "jane@example.com", Map.of()));
            assertThat(unknown).isInstanceOf(DeliveryResult.PermanentFailure.class);
            assertThat(((DeliveryResult.PermanentFailure) unknown).destinationRejected()).isTrue();
            assertThat(((DeliveryResult.PermanentFailure) unknown).reason()).contains("User unknown");

            server.reply("450 4.2.1 Mailbox busy, try later", "250 queued");
            DeliveryResult busy = connector.send(message(Messages.EMAIL, "msg_1", "jane@example.com", Map.of()));
            assertThat(busy).isInstanceOf(DeliveryResult.TemporaryFailure.class);
            assertThat(((DeliveryResult.TemporaryFailure) busy).reason()).contains("Mailbox busy");

            server.reply("250 OK", "554 5.7.1 Message rejected as spam");
            DeliveryResult spam = connector.send(message(Messages.EMAIL, "msg_1", "jane@example.com", Map.of()));
            assertThat(spam).isEqualTo(new DeliveryResult.PermanentFailure("DATA refused: 554 5.7.1 Message rejected as spam", false));

            server.reply("250 OK", "451 4.3.0 Temporary local problem");
            assertThat(connector.send(message(Messages.EMAIL, "msg_1", "jane@example.com", Map.of())).status()).isEqualTo(DeliveryResult.Status.TEMPORARY_FAILURE);

            server.reply("250 OK", "250 2.0.0 queued as 42");
            assertThat(connector.send(message(Messages.EMAIL, "msg_1", "jane@example.com", Map.of())).status()).as("reconnected after the failures")
                    .isEqualTo(DeliveryResult.Status.ACCEPTED);
        }
    }

    @Test
    void pipelinesTheEnvelopeWhenTheServerOffersIt() throws Exception {
        try (ScriptedSmtpServer server = new ScriptedSmtpServer(true); Connector connector = connector(server.port(), "")) {
            assertThat(connector.send(message(Messages.EMAIL, "msg_1", "jane@example.com", UNSUBSCRIBE))).isEqualTo(new DeliveryResult.Accepted("<msg_1@example.com>"));
            assertThat(server.lastEnvelopePipelined()).as("RCPT TO and DATA sent before the reply to MAIL FROM").isTrue();
            MimeMessage received = new MimeMessage(Session.getInstance(new Properties()),
                    new ByteArrayInputStream(server.lastMessage().getBytes(StandardCharsets.US_ASCII)));
            assertThat(received.getMessageID()).isEqualTo("<msg_1@example.com>");
            MimeMultipart parts = (MimeMultipart) received.getContent();
            assertThat(parts.getBodyPart(1).getContent()).isEqualTo("<p>Bonjour Jane, panier c-42 : 89.9 €</p>");

            // lines that start with a dot, dot-stuffed by DATA and restored by the server
            String dots = "{\"name\": \"Dots\", \"channel\": \"email\", \"email\": {\"from\": \"Shop <shop@example.com>\", \"subject\": \"Dots\", "
                    + "\"html\": \"<p>one</p>\\n.\\n..\\n<p>two</p>\", \"text\": \".\\nend\"}}";
            assertThat(connector.send(message(dots, "msg_2", "jane@example.com", Map.of()))).as("the same connection, again")
                    .isEqualTo(new DeliveryResult.Accepted("<msg_2@example.com>"));
            assertThat(server.lastEnvelopePipelined()).isTrue();
            MimeMessage dotted = new MimeMessage(Session.getInstance(new Properties()),
                    new ByteArrayInputStream(server.lastMessage().getBytes(StandardCharsets.US_ASCII)));
            assertThat(dotted.getMessageID()).isEqualTo("<msg_2@example.com>");
            MimeMultipart dottedParts = (MimeMultipart) dotted.getContent();
            assertThat(dottedParts.getBodyPart(0).getContent()).isEqualTo(".\r\nend");
            assertThat(dottedParts.getBodyPart(1).getContent()).isEqualTo("<p>one</p>\r\n.\r\n..\r\n<p>two</p>");
        }
    }

    @Test
    void pipelinedRefusalsMapAsUnpipelinedOnes() throws Exception {
        try (ScriptedSmtpServer server = new ScriptedSmtpServer(true); Connector connector = connector(server.port(), "")) {
            server.reply("553 5.7.1 <bounces@example.com>: Sender address rejected", "503 5.5.1 Need MAIL", "250 queued");
            DeliveryResult sender = connector.send(message(Messages.EMAIL, "msg_1", "jane@example.com", Map.of()));
            assertThat(sender).isInstanceOf(DeliveryResult.PermanentFailure.class);
            assertThat(((DeliveryResult.PermanentFailure) sender).destinationRejected()).as("the sender was refused, not jane").isFalse();
            assertThat(((DeliveryResult.PermanentFailure) sender).reason()).startsWith("sender refused: ").contains("Sender address rejected");

            server.reply("250 OK", "550 5.1.1 <jane@example.com>: Recipient address rejected: User unknown", "250 queued");
            DeliveryResult unknown = connector.send(message(Messages.EMAIL, "msg_1", "jane@example.com", Map.of()));
            assertThat(unknown).isInstanceOf(DeliveryResult.PermanentFailure.class);
            assertThat(((DeliveryResult.PermanentFailure) unknown).destinationRejected()).isTrue();

            server.reply("250 OK", "250 OK", "554 5.7.1 Message rejected as spam");
            assertThat(connector.send(message(Messages.EMAIL, "msg_1", "jane@example.com", Map.of())))
                    .isEqualTo(new DeliveryResult.PermanentFailure("DATA refused: 554 5.7.1 Message rejected as spam", false));

            server.reply("250 OK", "250 OK", "452 4.3.1 Insufficient system storage");
            DeliveryResult full = connector.send(message(Messages.EMAIL, "msg_1", "jane@example.com", Map.of()));
            assertThat(full).isInstanceOf(DeliveryResult.TemporaryFailure.class);
            assertThat(((DeliveryResult.TemporaryFailure) full).reason()).isEqualTo("DATA refused: 452 4.3.1 Insufficient system storage");

            server.reply("250 OK", "250 OK", "250 2.0.0 queued as 42");
            assertThat(connector.send(message(Messages.EMAIL, "msg_2", "jane@example.com", Map.of())).status()).as("reconnected after the failures")
                    .isEqualTo(DeliveryResult.Status.ACCEPTED);
            assertThat(server.lastMessage()).contains("Message-ID: <msg_2@example.com>");
        }
    }

    @Test
    void tlsIsRequiredAndTheCertificateChecked() {
        try (Connector connector = ConnectorConfigs.parse(json("{\"type\": \"smtp\", \"host\": \"127.0.0.1\", \"port\": " + GREENMAIL.getSmtps().getPort() + ", \"tls\": \"tls\", \"timeout\": \"3s\"}")).open()) {
            DeliveryResult untrusted = connector.send(message(Messages.EMAIL, "msg_1", "jane@example.com", Map.of()));
            assertThat(untrusted).isInstanceOf(DeliveryResult.TemporaryFailure.class);
            assertThat(((DeliveryResult.TemporaryFailure) untrusted).reason()).contains("SSLHandshakeException");
        }
        try (Connector connector = ConnectorConfigs.parse(json("{\"type\": \"smtp\", \"host\": \"127.0.0.1\", \"port\": " + smtpPort() + ", \"tls\": \"starttls\", \"timeout\": \"3s\"}")).open()) {
            DeliveryResult plain = connector.send(message(Messages.EMAIL, "msg_1", "jane@example.com", Map.of()));
            assertThat(plain).isInstanceOf(DeliveryResult.TemporaryFailure.class);
        }
        assertThat(GREENMAIL.getReceivedMessages()).isEmpty();
    }

    @Test
    void anInvalidAddressIsRejectedWithoutConnecting() {
        try (Connector connector = connector(1, "")) {
            DeliveryResult result = connector.send(message(Messages.EMAIL, "msg_1", "jane@@example.com", Map.of()));
            assertThat(result).isInstanceOf(DeliveryResult.PermanentFailure.class);
            assertThat(((DeliveryResult.PermanentFailure) result).destinationRejected()).isTrue();
        }
    }
}
