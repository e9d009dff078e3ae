package io.sillage.lakehouse.automation;

/**
 * What is wrong in a definition (an automation, a message template, a snippet), and where: {@code field} is a JSON
 * path such as {@code entry.filters[0].operator} or {@code email.html}.
 */
public record DefinitionProblem(String field, String message) {
    @Override
    public String toString() {
        return field + ": " + message;
    }
}
