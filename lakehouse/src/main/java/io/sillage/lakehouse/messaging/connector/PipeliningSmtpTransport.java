package io.sillage.lakehouse.messaging.connector;

import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.URLName;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import java.util.ArrayDeque;
import java.util.Deque;
import org.eclipse.angus.mail.smtp.SMTPAddressFailedException;
import org.eclipse.angus.mail.smtp.SMTPSenderFailedException;
import org.eclipse.angus.mail.smtp.SMTPTransport;

/**
 * Angus Mail's SMTP transport, with the envelope pipelined (RFC 2920) when the server offers {@code PIPELINING}:
 * {@code MAIL FROM}, {@code RCPT TO} and {@code DATA} go out one after the other, and their replies are read when
 * {@code DATA}'s is. Two round trips per message instead of four ({@code MAIL}, {@code RCPT}, {@code DATA}, the final
 * dot). Angus Mail has no pipelining of its own: it sends each command and waits for its reply.
 *
 * <p>How: Angus sends commands and reads their replies through {@link #sendCommand} and {@link #readServerResponse},
 * which this class overrides. After a pipelined {@code MAIL FROM} or {@code RCPT TO}, the read of its reply answers
 * 250 at once and the real reply is left for later; the next read for another command ({@code DATA}) first reads the
 * replies left, in order, and a refusal among them fails the send as Angus would have: {@link SMTPSenderFailedException}
 * for {@code MAIL FROM}, {@link SMTPAddressFailedException} for {@code RCPT TO}. A failed send closes its connection,
 * so a reply left unread never meets the next message.
 *
 * <p>{@code CHUNKING} (RFC 3030, {@code BDAT}) would also save {@code DATA}'s round trip, but Angus Mail 2.0.5 dot-stuffs
 * the chunks as if they were {@code DATA}, which changes every line that starts with a dot
 * (<a href="https://github.com/eclipse-ee4j/angus-mail/issues/209">eclipse-ee4j/angus-mail#209</a>): it is not used.
 */
final class PipeliningSmtpTransport extends SMTPTransport {
    /** Pipelined commands whose replies have not been read yet. */
    private final Deque<String> unanswered = new ArrayDeque<>(2);
    /** The next read is for a command just pipelined: it answers 250 without reading. */
    private boolean answerNext;

    PipeliningSmtpTransport(Session session) {
        super(session, new URLName("smtp", null, -1, null, null, null));
    }

    @Override
    protected void sendCommand(String command) throws MessagingException {
        super.sendCommand(command);
        boolean envelope = isCommand(command, "MAIL FROM:") || isCommand(command, "RCPT TO:") && !unanswered.isEmpty();
        if (envelope && supportsExtension("PIPELINING")) {
            unanswered.add(command);
            answerNext = true;
        }
    }

    @Override
    protected int readServerResponse() throws MessagingException {
        if (answerNext) {
            answerNext = false;
            return 250;
        }
        while (!unanswered.isEmpty()) {
            String command = unanswered.poll();
            int code = super.readServerResponse();
            if (isCommand(command, "MAIL FROM:") && code != 250) {
                unanswered.clear();
                throw new SMTPSenderFailedException(address(command), command, code, getLastServerResponse());
            }
            if (isCommand(command, "RCPT TO:") && code != 250 && code != 251) {
                unanswered.clear();
                throw new SMTPAddressFailedException(address(command), command, code, getLastServerResponse());
            }
        }
        return super.readServerResponse();
    }

    private static boolean isCommand(String command, String verb) {
        return command.regionMatches(true, 0, verb, 0, verb.length());
    }

    /** The address between angle brackets in {@code MAIL FROM:<...>} or {@code RCPT TO:<...>}. */
    private static InternetAddress address(String command) {
        int open = command.indexOf('<');
        int close = command.indexOf('>', open + 1);
        try {
            return open < 0 || close < 0 || close == open + 1 ? new InternetAddress() : new InternetAddress(command.substring(open + 1, close), false);
        }
        catch (AddressException e) {
            return new InternetAddress();
        }
    }
}
