package io.sillage.lakehouse.messaging.connector;

import static java.util.Objects.requireNonNull;

/**
 * A secret of a connector's configuration (a password, an API key, a signing key). It shows as {@code ********}
 * in {@link #toString()}, so a configuration record can be printed or logged whole; only a connector reads the
 * value, with {@link #reveal()}.
 */
public final class Secret {
    private final String value;

    public Secret(String value) {
        this.value = requireNonNull(value, "value is null");
    }

    public String reveal() {
        return value;
    }

    @Override
    public String toString() {
        return "********";
    }
}
