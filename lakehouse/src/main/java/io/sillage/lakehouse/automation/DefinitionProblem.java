package io.sillage.lakehouse.automation;

/** What is wrong in an automation definition, and where: {@code field} is a JSON path such as {@code entry.filters[0].operator}. */
public record DefinitionProblem(String field, String message) {
    @Override
    public String toString() {
        return field + ": " + message;
    }
}
