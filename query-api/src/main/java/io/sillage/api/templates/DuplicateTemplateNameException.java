package io.sillage.api.templates;

/** Another live template of the project has this name (automations may name their template by name). */
public class DuplicateTemplateNameException extends RuntimeException {
    public DuplicateTemplateNameException(String name) {
        super("another template of the project is named '" + name + "': template names are unique within a project");
    }
}
