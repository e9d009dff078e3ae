package io.sillage.stack;

/** A failure of the local stack explained for the user: what failed, why, and how to fix it. */
public class StackException extends RuntimeException {
    public StackException(String message) {
        super(message);
    }

    public StackException(String message, Throwable cause) {
        super(message, cause);
    }
}
