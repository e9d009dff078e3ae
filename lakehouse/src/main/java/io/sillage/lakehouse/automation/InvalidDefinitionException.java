package io.sillage.lakehouse.automation;

import java.util.List;
import java.util.stream.Collectors;

/** A definition (an automation, a message template, a snippet) that does not validate; every problem names its field. */
public class InvalidDefinitionException extends RuntimeException {
    private final List<DefinitionProblem> problems;

    public InvalidDefinitionException(List<DefinitionProblem> problems) {
        super(problems.stream().map(DefinitionProblem::toString).collect(Collectors.joining("; ")));
        this.problems = List.copyOf(problems);
    }

    public List<DefinitionProblem> problems() {
        return problems;
    }
}
