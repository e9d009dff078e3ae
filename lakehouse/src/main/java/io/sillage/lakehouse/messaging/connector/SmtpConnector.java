package io.sillage.lakehouse.messaging.connector;

import io.sillage.lakehouse.messaging.Template;
import jakarta.activation.CommandInfo;
import jakarta.activation.CommandMap;
import jakarta.activation.DataContentHandler;
import jakarta.activation.DataHandler;
import jakarta.mail.Address;
import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import jakarta.mail.internet.MimePart;
import jakarta.mail.internet.MimeUtility;
import jakarta.mail.internet.PreencodedMimeBodyPart;
import jakarta.mail.util.ByteArrayDataSource;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.Deque;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import javax.net.SocketFactory;
import org.eclipse.angus.mail.smtp.SMTPAddressFailedException;
import org.eclipse.angus.mail.smtp.SMTPSendFailedException;
import org.eclipse.angus.mail.smtp.SMTPSenderFailedException;
import org.simplejavamail.utils.mail.dkim.Canonicalization;
import org.simplejavamail.utils.mail.dkim.DkimMessage;
import org.simplejavamail.utils.mail.dkim.DkimSigner;
import org.simplejavamail.utils.mail.dkim.SigningAlgorithm;

/**
 * Email over SMTP (Angus Mail). Connections are kept open between messages and reused: a caller takes an idle one
 * (or opens one), sends one message on it and gives it back; a connection that failed is closed. So there are as
 * many connections as messages sent at once (the lane's threads), and each sends its messages one at a time. A message is {@code multipart/alternative} (text, then HTML) when it has both parts,
 * its {@code Message-ID} is {@code <messageId@sender's domain>} (a resent message has the same), and the extra
 * headers ({@code List-Unsubscribe}, {@code List-Unsubscribe-Post}) are written as given. With DKIM, the message is
 * signed (RSA-SHA256, relaxed/relaxed) over the usual headers and both unsubscribe headers. With a server that
 * offers {@code PIPELINING} (Postfix does by default), a message costs two round trips instead of four: see
 * {@link PipeliningSmtpTransport}.
 *
 * <p>SMTP 4xx answers, connection problems and a refused login (the configuration is wrong, not the message) are
 * temporary failures; 5xx answers are permanent, and a 5xx to {@code RCPT TO} rejects the destination.
 */
final class SmtpConnector implements Connector {
    private final ConnectorConfig.Smtp config;
    private final Session session;
    private final DkimSigner signer;
    private final CommandMap mailcap = new CachedCommandMap(CommandMap.getDefaultCommandMap());
    /**
     * Runs the write timeouts of all this connector's connections. Alone, each connection's executor would be woken at
     * every write (its queue goes from empty to one task and back), two thread switches per SMTP command; shared,
     * a new timeout lands behind pending ones and wakes no one.
     */
    private final ScheduledThreadPoolExecutor writeTimeouts;
    /** A connection idle for longer is checked ({@code NOOP}) before it is used again; a busy one is not. */
    private static final long CHECK_AFTER_IDLE_NANOS = 5_000_000_000L;

    private final Deque<Pooled> idle = new ConcurrentLinkedDeque<>();
    private volatile boolean closed;

    static {
        // Jakarta Mail looks its stream provider up with a ServiceLoader at every MIME part it encodes, scanning the
        // class path each time (jakartaee/mail-api#861); named here, it is a class look-up instead
        if (System.getProperty("jakarta.mail.util.StreamProvider") == null) {
            System.setProperty("jakarta.mail.util.StreamProvider", "org.eclipse.angus.mail.util.MailStreamProvider");
        }
    }

    SmtpConnector(ConnectorConfig.Smtp config) {
        this.config = config;
        Properties properties = new Properties();
        String timeout = String.valueOf(config.delivery().timeout().toMillis());
        properties.setProperty("mail.smtp.host", config.host());
        properties.setProperty("mail.smtp.port", String.valueOf(config.port()));
        properties.setProperty("mail.smtp.connectiontimeout", timeout);
        properties.setProperty("mail.smtp.timeout", timeout);
        properties.setProperty("mail.smtp.writetimeout", timeout);
        writeTimeouts = new ScheduledThreadPoolExecutor(1, runnable -> {
            Thread thread = new Thread(runnable, "sillage-smtp-write-timeouts");
            thread.setDaemon(true);
            return thread;
        });
        writeTimeouts.setRemoveOnCancelPolicy(true);
        // never shut down (a send may still be writing when the connector is closed): its thread ends when idle
        writeTimeouts.setKeepAliveTime(10, TimeUnit.SECONDS);
        writeTimeouts.allowCoreThreadTimeOut(true);
        properties.put("mail.smtp.executor.writetimeout", writeTimeouts);
        if (config.from() != null) {
            properties.setProperty("mail.smtp.from", config.from());
        }
        switch (config.tls()) {
            case STARTTLS -> {
                properties.setProperty("mail.smtp.starttls.enable", "true");
                properties.setProperty("mail.smtp.starttls.required", "true");
                properties.setProperty("mail.smtp.ssl.checkserveridentity", "true");
            }
            case TLS -> {
                properties.setProperty("mail.smtp.ssl.enable", "true");
                properties.setProperty("mail.smtp.ssl.checkserveridentity", "true");
            }
            case NONE -> properties.setProperty("mail.smtp.starttls.enable", "false");
        }
        properties.setProperty("mail.smtp.auth", String.valueOf(config.username() != null));
        if (config.tls() != ConnectorConfig.TlsMode.TLS) {
            // without TCP_NODELAY, the end of a message waits for the server's delayed ACK: 40 ms per message
            properties.put("mail.smtp.socketFactory", new NoDelaySocketFactory());
        }
        this.session = Session.getInstance(properties);
        this.signer = config.dkim() == null ? null : signer(config.dkim());
    }

    private static DkimSigner signer(ConnectorConfig.Dkim dkim) {
        DkimSigner signer = new DkimSigner(dkim.domain(), dkim.selector(), Keys.rsaPrivateKey(dkim.privateKey().reveal()));
        signer.setCheckDomainKey(false); // no DNS lookup of the published key at every message
        signer.setSigningAlgorithm(SigningAlgorithm.SHA256_WITH_RSA);
        signer.setHeaderCanonicalization(Canonicalization.RELAXED);
        signer.setBodyCanonicalization(Canonicalization.RELAXED);
        signer.addHeaderToSign("List-Unsubscribe-Post");
        return signer;
    }

    @Override
    public DeliveryResult send(OutboundMessage message) {
        Template.Email email = Mail.content(message);
        DeliveryResult.PermanentFailure invalid = Mail.invalidAddress(message.destination());
        if (invalid != null) {
            return invalid;
        }
        MimeMessage mail;
        Address to;
        try {
            to = new InternetAddress(message.destination(), true);
            mail = compose(message, email, to);
        }
        catch (MessagingException e) {
            return new DeliveryResult.PermanentFailure("the message cannot be written as an email: " + e.getMessage(), false);
        }
        Pooled pooled = idle.pollFirst();
        Transport transport = pooled == null ? null : pooled.transport();
        try {
            if (transport != null && System.nanoTime() - pooled.idleSinceNanos() > CHECK_AFTER_IDLE_NANOS && !transport.isConnected()) {
                close(transport);
                transport = null;
            }
            if (transport == null) {
                transport = new PipeliningSmtpTransport(session);
                if (config.username() != null) {
                    transport.connect(config.username(), config.password().reveal());
                }
                else {
                    transport.connect();
                }
            }
            transport.sendMessage(mail, new Address[] {to});
            String id = mail.getMessageID();
            idle.addFirst(new Pooled(transport, System.nanoTime()));
            transport = null;
            if (closed) {
                close();
            }
            return new DeliveryResult.Accepted(id);
        }
        catch (MessagingException e) {
            return failure(e);
        }
        finally {
            close(transport);
        }
    }

    private MimeMessage compose(OutboundMessage message, Template.Email email, Address to) throws MessagingException {
        InternetAddress from = new InternetAddress(email.from(), true);
        String domain = from.getAddress().substring(from.getAddress().lastIndexOf('@') + 1);
        MimeMessage mail = new Identified(session, "<" + message.messageId() + "@" + domain + ">");
        mail.setFrom(from);
        mail.setRecipient(Message.RecipientType.TO, to);
        String replyTo = email.replyTo() != null ? email.replyTo() : config.replyTo();
        if (replyTo != null) {
            mail.setReplyTo(InternetAddress.parse(replyTo, true));
        }
        mail.setSubject(email.subject(), StandardCharsets.UTF_8.name());
        mail.setSentDate(new Date());
        for (var header : message.headers().entrySet()) {
            mail.setHeader(header.getKey(), MimeUtility.fold(header.getKey().length() + 2, header.getValue()));
        }
        if (email.html() != null && email.text() != null) {
            MimeMultipart alternative = new MimeMultipart("alternative");
            alternative.addBodyPart(encodedText(email.text(), "plain", mailcap));
            alternative.addBodyPart(encodedText(email.html(), "html", mailcap));
            mail.setContent(alternative);
        }
        else if (email.html() != null) {
            text(mail, email.html(), "html");
        }
        else {
            text(mail, email.text(), "plain");
        }
        mail.getDataHandler().setCommandMap(mailcap);
        mail.saveChanges();
        if (signer == null) {
            return mail;
        }
        return new DkimMessage(mail, signer) {
            @Override
            protected void updateMessageID() {
                // keep the Message-ID copied from the message
            }
        };
    }

    /**
     * A UTF-8 text part of a message with one, quoted-printable: said up front, so that saving the message does not stream the whole text
     * through Jakarta Mail's byte-at-a-time ASCII check to choose an encoding (half the send time of a 6 KB email).
     */
    private static <P extends MimePart> P text(P part, String text, String subtype) throws MessagingException {
        part.setText(text, StandardCharsets.UTF_8.name(), subtype);
        part.setHeader("Content-Transfer-Encoding", "quoted-printable");
        return part;
    }

    /**
     * A UTF-8 text part encoded to quoted-printable here ({@link QuotedPrintable}), and written out as bytes:
     * Jakarta Mail would otherwise encode it a byte at a time through the whole chain of SMTP output streams, and
     * even pre-encoded text given as a {@code String} goes out a byte at a time (Angus's {@code text/plain} handler
     * writes through a {@code FilterOutputStream} that has no array write). A byte data source is copied in blocks.
     */
    private static MimeBodyPart encodedText(String text, String subtype, CommandMap mailcap) throws MessagingException {
        MimeBodyPart part = new PreencodedMimeBodyPart("quoted-printable");
        DataHandler content = new DataHandler(new ByteArrayDataSource(QuotedPrintable.encode(text), "text/" + subtype + "; charset=UTF-8"));
        content.setCommandMap(mailcap);
        part.setDataHandler(content);
        part.setHeader("Content-Transfer-Encoding", "quoted-printable");
        return part;
    }

    private static DeliveryResult failure(MessagingException failure) {
        for (Exception cause = failure; cause != null; cause = cause instanceof MessagingException m ? m.getNextException() : null) {
            if (cause instanceof SMTPAddressFailedException address) {
                return byCode(address.getReturnCode(), "recipient refused: " + address.getMessage().strip(), true);
            }
        }
        for (Exception cause = failure; cause != null; cause = cause instanceof MessagingException m ? m.getNextException() : null) {
            if (cause instanceof SMTPSendFailedException send) {
                String command = ".".equals(send.getCommand()) ? "DATA" : send.getCommand(); // "." ends DATA
                return byCode(send.getReturnCode(), command + " refused: " + send.getMessage().strip(), false);
            }
            if (cause instanceof SMTPSenderFailedException sender) {
                return byCode(sender.getReturnCode(), "sender refused: " + sender.getMessage().strip(), false);
            }
        }
        if (failure instanceof AuthenticationFailedException) {
            return new DeliveryResult.TemporaryFailure("the SMTP server refused the login: " + String.valueOf(failure.getMessage()).strip(), null);
        }
        Throwable root = failure.getCause() != null ? failure.getCause() : failure;
        return new DeliveryResult.TemporaryFailure("SMTP: " + String.valueOf(failure.getMessage()).strip()
                + (root != failure ? " (" + root.getClass().getSimpleName() + ": " + root.getMessage() + ")" : ""), null);
    }

    private static DeliveryResult byCode(int code, String reason, boolean destination) {
        return code >= 500 ? new DeliveryResult.PermanentFailure(reason, destination) : new DeliveryResult.TemporaryFailure(reason, null);
    }

    private static void close(Transport transport) {
        if (transport != null) {
            try {
                transport.close();
            }
            catch (MessagingException e) {
                // the connection is dropped either way
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Pooled pooled = idle.pollFirst(); pooled != null; pooled = idle.pollFirst()) {
            close(pooled.transport());
        }
    }

    private record Pooled(Transport transport, long idleSinceNanos) {}

    /**
     * The mailcap's content handlers, looked up once per MIME type: {@code MailcapCommandMap} searches its entries and
     * instantiates the handler by reflection for every part of every message (about 6 % of a send's time). Angus's
     * handlers keep no state between calls.
     */
    private static final class CachedCommandMap extends CommandMap {
        private final CommandMap mailcap;
        private final Map<String, Optional<DataContentHandler>> handlers = new ConcurrentHashMap<>();

        CachedCommandMap(CommandMap mailcap) {
            this.mailcap = mailcap;
        }

        @Override
        public DataContentHandler createDataContentHandler(String mimeType) {
            return handlers.computeIfAbsent(mimeType, type -> Optional.ofNullable(mailcap.createDataContentHandler(type))).orElse(null);
        }

        @Override
        public CommandInfo[] getPreferredCommands(String mimeType) {
            return mailcap.getPreferredCommands(mimeType);
        }

        @Override
        public CommandInfo[] getAllCommands(String mimeType) {
            return mailcap.getAllCommands(mimeType);
        }

        @Override
        public CommandInfo getCommand(String mimeType, String commandName) {
            return mailcap.getCommand(mimeType, commandName);
        }

        @Override
        public String[] getMimeTypes() {
            return mailcap.getMimeTypes();
        }
    }

    /** Plain sockets with {@code TCP_NODELAY} (STARTTLS then runs over them): SMTP is a conversation of short writes. */
    private static final class NoDelaySocketFactory extends SocketFactory {
        private static Socket noDelay(Socket socket) throws IOException {
            socket.setTcpNoDelay(true);
            return socket;
        }

        @Override
        public Socket createSocket() throws IOException {
            return noDelay(new Socket());
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            return noDelay(new Socket(host, port));
        }

        @Override
        public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
            return noDelay(new Socket(host, port, localHost, localPort));
        }

        @Override
        public Socket createSocket(InetAddress host, int port) throws IOException {
            return noDelay(new Socket(host, port));
        }

        @Override
        public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort) throws IOException {
            return noDelay(new Socket(address, port, localAddress, localPort));
        }
    }

    /** A message whose {@code Message-ID} is the given one, not a random one. */
    private static final class Identified extends MimeMessage {
        private final String id;

        Identified(Session session, String id) {
            super(session);
            this.id = id;
        }

        @Override
        protected void updateMessageID() throws MessagingException {
            setHeader("Message-ID", id);
        }
    }
}
