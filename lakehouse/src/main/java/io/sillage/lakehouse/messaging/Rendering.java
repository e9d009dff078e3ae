package io.sillage.lakehouse.messaging;

import static java.util.Objects.requireNonNull;

/**
 * The outcome of rendering a template for one person: the whole message, or why there is none. A failure is
 * never half a message: a sender records it against the message and sends nothing.
 */
public sealed interface Rendering permits Rendering.Rendered, Rendering.Failed {

    /** The rendered texts, in the shape of the template ({@code message.email().subject()}, ...). */
    record Rendered(Template message) implements Rendering {
        public Rendered {
            requireNonNull(message, "message is null");
        }
    }

    /** {@code field} is the part that failed ({@code email.html}); {@code reason} says why, and where when known. */
    record Failed(String field, String reason) implements Rendering {
        public Failed {
            requireNonNull(field, "field is null");
            requireNonNull(reason, "reason is null");
        }

        @Override
        public String toString() {
            return field + ": " + reason;
        }
    }
}
