package io.sillage.lakehouse.messaging.connector;

import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.URLName;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import org.eclipse.angus.mail.smtp.SMTPSendFailedException;
import org.eclipse.angus.mail.smtp.SMTPSenderFailedException;
import org.eclipse.angus.mail.smtp.SMTPTransport;

/**
 * Angus Mail's SMTP transport, with the envelope pipelined (RFC 2920) when the server offers {@code PIPELINING}:
 * {@code MAIL FROM} goes out without waiting for its reply, which is read together with the reply to
 * {@code RCPT TO}. Angus Mail has no pipelining of its own; it sends each command and waits for its reply. With
 * {@code CHUNKING} (RFC 3030, used by Angus when {@code mail.smtp.chunksize} is set), the message then goes as one
 * {@code BDAT ... LAST}: two round trips per message instead of four ({@code MAIL}, {@code RCPT}, {@code DATA}, the
 * final dot).
 *
 * <p>How: Angus sends {@code MAIL FROM} and reads its reply through {@link #sendCommand} and
 * {@link #readServerResponse}, which this class overrides. After a pipelined {@code MAIL FROM}, the next read answers
 * 250 at once; the read after it (for {@code RCPT TO}) first reads the real reply to {@code MAIL FROM}, and a refusal
 * there fails the send as Angus would have ({@link SMTPSenderFailedException}). A refused {@code BDAT} fails with an
 * {@link SMTPSendFailedException} carrying the server's reply (Angus would only say "BDAT write exception"), which
 * {@link SmtpConnector} classifies like a refused {@code DATA}. A failed send closes its connection, so a reply left
 * unread never meets the next message.
 */
final class PipeliningSmtpTransport extends SMTPTransport {
    private enum Mail { NONE, SENT, ANSWERED }

    private Mail mail = Mail.NONE;
    private String mailCommand;
    private String lastCommand;

    PipeliningSmtpTransport(Session session) {
        super(session, new URLName("smtp", null, -1, null, null, null));
    }

    @Override
    protected void sendCommand(String command) throws MessagingException {
        super.sendCommand(command);
        lastCommand = command;
        if (command.regionMatches(true, 0, "MAIL FROM:", 0, 10) && supportsExtension("PIPELINING")) {
            mail = Mail.SENT;
            mailCommand = command;
        }
    }

    @Override
    protected int readServerResponse() throws MessagingException {
        if (mail == Mail.SENT) {
            mail = Mail.ANSWERED; // its real reply is read with the next command's
            return 250;
        }
        if (mail == Mail.ANSWERED) {
            mail = Mail.NONE;
            int code = super.readServerResponse();
            if (code != 250) {
                throw new SMTPSenderFailedException(sender(mailCommand), mailCommand, code, getLastServerResponse());
            }
        }
        int code = super.readServerResponse();
        if (code != 250 && lastCommand != null && lastCommand.regionMatches(true, 0, "BDAT ", 0, 5)) {
            throw new SMTPSendFailedException(lastCommand, code, getLastServerResponse(), null, null, null, null);
        }
        return code;
    }

    private static InternetAddress sender(String mailCommand) {
        int open = mailCommand.indexOf('<');
        int close = mailCommand.indexOf('>', open + 1);
        try {
            return open < 0 || close < 0 || close == open + 1 ? new InternetAddress() : new InternetAddress(mailCommand.substring(open + 1, close), false);
        }
        catch (AddressException e) {
            return new InternetAddress();
        }
    }
}
