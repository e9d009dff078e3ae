package io.sillage.lakehouse.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class IdentifierTest {
    @Test
    void parsesTypeAndValueAtTheFirstColon() {
        assertThat(Identifier.parse("email:jane@example.com")).isEqualTo(new Identifier("email", "jane@example.com"));
        assertThat(Identifier.parse("user_id:a:b")).isEqualTo(new Identifier("user_id", "a:b"));
        assertThat(Identifier.parse("anonymous_id:abc").toString()).isEqualTo("anonymous_id:abc");
    }

    @Test
    void malformedIdentifiersNameTheProblem() {
        assertThat(Identifier.problemWith("jane@example.com")).hasValueSatisfying(problem -> assertThat(problem).contains("has no type"));
        assertThat(Identifier.problemWith("email:")).hasValueSatisfying(problem -> assertThat(problem).contains("empty value"));
        assertThat(Identifier.problemWith(":x")).hasValueSatisfying(problem -> assertThat(problem).contains("has no type"));
        assertThat(Identifier.problemWith("E-Mail:x")).hasValueSatisfying(problem -> assertThat(problem).contains("is not an identifier type"));
        assertThat(Identifier.problemWith("email:jane@example.com")).isEmpty();
        assertThatThrownBy(() -> Identifier.parse("nope")).hasMessageStartingWith("Invalid identifier: ");
    }

    @Test
    void typesAreLowerCaseLettersDigitsAndUnderscoresStartingWithALetter() {
        assertThat(Identifier.isType("email")).isTrue();
        assertThat(Identifier.isType("crm_id2")).isTrue();
        assertThat(Identifier.isType("a".repeat(40))).isTrue();
        assertThat(Identifier.isType("a".repeat(41))).isFalse();
        assertThat(Identifier.isType("")).isFalse();
        assertThat(Identifier.isType("2fa")).isFalse();
        assertThat(Identifier.isType("_id")).isFalse();
        assertThat(Identifier.isType("user-id")).isFalse();
        assertThat(Identifier.isType("userId")).isFalse();
        assertThatThrownBy(() -> new Identifier("Email", "x")).hasMessageContaining("Invalid identifier type 'Email'");
    }
}
