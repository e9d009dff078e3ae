package io.sillage.lakehouse.messaging.connector;

import io.sillage.lakehouse.messaging.Template;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;

/** What the two email connectors share. */
final class Mail {
    private Mail() {}

    /** @throws IllegalArgumentException when the message is not an email */
    static Template.Email content(OutboundMessage message) {
        if (message.channel() != Template.Channel.EMAIL) {
            throw new IllegalArgumentException("an email connector sends email, not " + message.channel().wire());
        }
        return message.content().email();
    }

    /** A rejected destination when {@code address} is not a plain email address ({@code jane@example.com}), else null. */
    static DeliveryResult.PermanentFailure invalidAddress(String address) {
        try {
            InternetAddress parsed = new InternetAddress(address, true);
            parsed.validate();
            if (parsed.getPersonal() != null || !parsed.getAddress().equals(address.strip())) {
                throw new AddressException("a bare address is expected, without a name");
            }
            return null;
        }
        catch (AddressException e) {
            return new DeliveryResult.PermanentFailure("invalid email address: " + e.getMessage(), true);
        }
    }
}
