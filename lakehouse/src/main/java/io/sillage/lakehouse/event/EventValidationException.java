package io.sillage.lakehouse.event;

import static java.util.Objects.requireNonNull;

/** Thrown when an event cannot be accepted; carries the first problem found. */
public class EventValidationException extends Exception {
    private final EventProblem problem;

    public EventValidationException(EventProblem problem) {
        super(problem.toString());
        this.problem = requireNonNull(problem, "problem is null");
    }

    public EventValidationException(String field, String detail) {
        this(new EventProblem(field, detail));
    }

    public EventProblem problem() {
        return problem;
    }
}
