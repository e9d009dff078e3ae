package io.sillage.lakehouse.automation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.IntPredicate;

import static java.util.Objects.requireNonNull;

/**
 * One condition on a JSON object (event properties, or profile traits): {@code property} is a dotted path
 * ({@code cart.total}), {@code values} the operands (one for comparisons, several for {@code in}).
 * Comparisons never throw on data: a value of the wrong type simply does not match.
 */
public record PropertyFilter(String property, Operator operator, List<JsonNode> values) {
    public PropertyFilter {
        requireNonNull(property, "property is null");
        requireNonNull(operator, "operator is null");
        values = List.copyOf(values);
    }

    public enum Operator {
        EQUALS("equals"), NOT_EQUALS("not_equals"), IN("in"), NOT_IN("not_in"),
        GT("gt"), GTE("gte"), LT("lt"), LTE("lte"),
        BEFORE("before"), AFTER("after"),
        EXISTS("exists"), NOT_EXISTS("not_exists"), CONTAINS("contains");

        private final String wire;

        Operator(String wire) {
            this.wire = wire;
        }

        public String wire() {
            return wire;
        }

        public static Optional<Operator> fromWire(String text) {
            for (Operator operator : values()) {
                if (operator.wire.equals(text)) {
                    return Optional.of(operator);
                }
            }
            return Optional.empty();
        }

        /** How many operands: 0 for exists, -1 for "one or more", else 1. */
        int arity() {
            return switch (this) {
                case EXISTS, NOT_EXISTS -> 0;
                case IN, NOT_IN -> -1;
                default -> 1;
            };
        }
    }

    /** The value at {@code path} in {@code object}, or a missing node. */
    public static JsonNode at(JsonNode object, String path) {
        JsonNode node = object;
        int start = 0;
        while (node != null && !node.isMissingNode()) {
            int dot = path.indexOf('.', start);
            String name = dot < 0 ? path.substring(start) : path.substring(start, dot);
            node = node.path(name);
            if (dot < 0) {
                return node;
            }
            start = dot + 1;
        }
        return MissingNode.getInstance();
    }

    public boolean matches(JsonNode object) {
        JsonNode value = object == null ? MissingNode.getInstance() : at(object, property);
        boolean present = !value.isMissingNode() && !value.isNull();
        return switch (operator) {
            case EXISTS -> present;
            case NOT_EXISTS -> !present;
            case EQUALS -> present && equal(value, values.get(0));
            case NOT_EQUALS -> !present || !equal(value, values.get(0));
            case IN -> present && values.stream().anyMatch(operand -> equal(value, operand));
            case NOT_IN -> !present || values.stream().noneMatch(operand -> equal(value, operand));
            case GT -> holds(compareNumbers(value, values.get(0)), c -> c > 0);
            case GTE -> holds(compareNumbers(value, values.get(0)), c -> c >= 0);
            case LT -> holds(compareNumbers(value, values.get(0)), c -> c < 0);
            case LTE -> holds(compareNumbers(value, values.get(0)), c -> c <= 0);
            case BEFORE -> holds(compareInstants(value, values.get(0)), c -> c < 0);
            case AFTER -> holds(compareInstants(value, values.get(0)), c -> c > 0);
            case CONTAINS -> contains(value, values.get(0));
        };
    }

    /** Strings compare case-sensitively; numbers by value ("5" in JSON text does not equal 5). */
    private static boolean equal(JsonNode value, JsonNode operand) {
        if (value.isNumber() && operand.isNumber()) {
            return value.decimalValue().compareTo(operand.decimalValue()) == 0;
        }
        return value.equals(operand);
    }

    private static boolean contains(JsonNode value, JsonNode operand) {
        if (value.isArray()) {
            for (JsonNode element : value) {
                if (equal(element, operand)) {
                    return true;
                }
            }
            return false;
        }
        return value.isTextual() && operand.isTextual()
                && value.asText().toLowerCase(Locale.ROOT).contains(operand.asText().toLowerCase(Locale.ROOT));
    }

    private static boolean holds(Integer comparison, IntPredicate test) {
        return comparison != null && test.test(comparison);
    }

    /** Compares as numbers; null when either side is not a number (then no comparison matches). */
    private static Integer compareNumbers(JsonNode value, JsonNode operand) {
        BigDecimal left = number(value);
        BigDecimal right = number(operand);
        return left == null || right == null ? null : left.compareTo(right);
    }

    static BigDecimal number(JsonNode node) {
        if (node.isNumber()) {
            return node.decimalValue();
        }
        if (node.isTextual()) {
            try {
                return new BigDecimal(node.asText().strip());
            }
            catch (NumberFormatException e) {
                return null;
            }
        }
        return null;
    }

    private static Integer compareInstants(JsonNode value, JsonNode operand) {
        Instant left = instant(value);
        Instant right = instant(operand);
        return left == null || right == null ? null : left.compareTo(right);
    }

    /** ISO-8601 date-time with offset, or a date (midnight UTC); null for anything else. */
    public static Instant instant(JsonNode node) {
        if (!node.isTextual()) {
            return null;
        }
        String text = node.asText().strip();
        try {
            return OffsetDateTime.parse(text).toInstant();
        }
        catch (DateTimeParseException e) {
            try {
                return Instant.parse(text);
            }
            catch (DateTimeParseException e2) {
                try {
                    return LocalDate.parse(text).atStartOfDay().toInstant(ZoneOffset.UTC);
                }
                catch (DateTimeParseException e3) {
                    return null;
                }
            }
        }
    }
}
