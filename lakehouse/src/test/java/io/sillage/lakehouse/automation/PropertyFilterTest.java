package io.sillage.lakehouse.automation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sillage.lakehouse.automation.PropertyFilter.Operator;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

class PropertyFilterTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final String CART = """
            {"category": "shoes", "count": 3, "price": "19.90", "express": true, "coupon": null,
             "cart": {"total": 120.5, "currency": "EUR", "items": {"first": "boots"}},
             "tags": ["sale", "new", 7], "title": "Red Leather Boots",
             "delivery": "2026-03-10", "paid_at": "2026-03-01T10:15:00+01:00"}""";

    @Test
    void equalsAndNotEqualsOnStringsNumbersAndBooleans() {
        assertThat(matches("category", Operator.EQUALS, "\"shoes\"")).isTrue();
        assertThat(matches("category", Operator.EQUALS, "\"Shoes\"")).as("case-sensitive").isFalse();
        assertThat(matches("count", Operator.EQUALS, "3")).isTrue();
        assertThat(matches("count", Operator.EQUALS, "3.0")).as("numbers by value").isTrue();
        assertThat(matches("count", Operator.EQUALS, "\"3\"")).as("a numeric string is not the number").isFalse();
        assertThat(matches("price", Operator.EQUALS, "19.9")).as("nor is the number the numeric string").isFalse();
        assertThat(matches("express", Operator.EQUALS, "true")).isTrue();
        assertThat(matches("cart.currency", Operator.EQUALS, "\"EUR\"")).isTrue();
        assertThat(matches("cart.items.first", Operator.EQUALS, "\"boots\"")).isTrue();

        assertThat(matches("category", Operator.NOT_EQUALS, "\"bags\"")).isTrue();
        assertThat(matches("category", Operator.NOT_EQUALS, "\"shoes\"")).isFalse();
        assertThat(matches("count", Operator.NOT_EQUALS, "3.00")).isFalse();
        assertThat(matches("missing", Operator.NOT_EQUALS, "\"shoes\"")).as("absent is not equal").isTrue();
        assertThat(matches("coupon", Operator.NOT_EQUALS, "\"X\"")).as("null is not equal").isTrue();
        assertThat(matches("missing", Operator.EQUALS, "\"shoes\"")).isFalse();
    }

    @Test
    void inAndNotIn() {
        assertThat(matches("category", Operator.IN, "\"shoes\"", "\"bags\"")).isTrue();
        assertThat(filter("category", Operator.IN, "\"shoes\"", "\"bags\"").matches(json("{\"category\":\"hats\"}"))).isFalse();
        assertThat(matches("count", Operator.IN, "1", "3")).isTrue();
        assertThat(matches("count", Operator.IN, "\"3\"")).isFalse();
        assertThat(matches("missing", Operator.IN, "\"shoes\"")).isFalse();
        assertThat(matches("coupon", Operator.IN, "\"shoes\"")).isFalse();

        assertThat(matches("category", Operator.NOT_IN, "\"hats\"", "\"bags\"")).isTrue();
        assertThat(matches("category", Operator.NOT_IN, "\"shoes\"", "\"bags\"")).isFalse();
        assertThat(matches("missing", Operator.NOT_IN, "\"shoes\"")).isTrue();
    }

    @Test
    void numericComparisonsReadNumbersAndNumericStrings() {
        assertThat(matches("cart.total", Operator.GT, "100")).isTrue();
        assertThat(matches("cart.total", Operator.GT, "120.5")).isFalse();
        assertThat(matches("cart.total", Operator.GTE, "120.5")).isTrue();
        assertThat(matches("cart.total", Operator.LT, "120.5")).isFalse();
        assertThat(matches("cart.total", Operator.LTE, "120.50")).isTrue();
        assertThat(matches("cart.total", Operator.LT, "\"200\"")).as("numeric string operand").isTrue();
        assertThat(matches("price", Operator.GT, "19")).as("numeric string value").isTrue();
        assertThat(matches("price", Operator.LT, "20")).isTrue();
        assertThat(matches("count", Operator.GTE, "3")).isTrue();
        assertThat(matches("count", Operator.GT, "3")).isFalse();
    }

    @Test
    void beforeAndAfterWithDatesAndDateTimes() {
        assertThat(matches("delivery", Operator.BEFORE, "\"2026-03-11\"")).isTrue();
        assertThat(matches("delivery", Operator.BEFORE, "\"2026-03-10\"")).as("strictly").isFalse();
        assertThat(matches("delivery", Operator.AFTER, "\"2026-03-09T23:59:59Z\"")).isTrue();
        assertThat(matches("delivery", Operator.BEFORE, "\"2026-03-10T00:00:01Z\"")).as("a date is midnight UTC").isTrue();
        // 10:15 at +01:00 is 09:15Z
        assertThat(matches("paid_at", Operator.AFTER, "\"2026-03-01T09:00:00Z\"")).isTrue();
        assertThat(matches("paid_at", Operator.BEFORE, "\"2026-03-01T09:30:00Z\"")).isTrue();
        assertThat(matches("paid_at", Operator.AFTER, "\"2026-03-01T10:00:00+01:00\"")).isTrue();
        assertThat(matches("paid_at", Operator.AFTER, "\"2026-03-01\"")).isTrue();
        assertThat(matches("paid_at", Operator.BEFORE, "\"2026-03-02\"")).isTrue();
    }

    @Test
    void existsAndNotExistsTreatNullAsAbsent() {
        assertThat(matches("category", Operator.EXISTS)).isTrue();
        assertThat(matches("cart.total", Operator.EXISTS)).isTrue();
        assertThat(matches("cart", Operator.EXISTS)).isTrue();
        assertThat(matches("coupon", Operator.EXISTS)).isFalse();
        assertThat(matches("missing", Operator.EXISTS)).isFalse();
        assertThat(matches("cart.missing", Operator.EXISTS)).isFalse();
        assertThat(matches("category.deeper", Operator.EXISTS)).as("path through a text value").isFalse();
        assertThat(matches("coupon", Operator.NOT_EXISTS)).isTrue();
        assertThat(matches("missing.deeper", Operator.NOT_EXISTS)).isTrue();
        assertThat(matches("category", Operator.NOT_EXISTS)).isFalse();
        assertThat(filter("x", Operator.NOT_EXISTS).matches(null)).as("no properties at all").isTrue();
        assertThat(filter("x", Operator.EXISTS).matches(null)).isFalse();
    }

    @Test
    void containsOnTextIgnoresCaseAndOnArraysLooksForAnElement() {
        assertThat(matches("title", Operator.CONTAINS, "\"leather\"")).isTrue();
        assertThat(matches("title", Operator.CONTAINS, "\"RED LEATHER\"")).isTrue();
        assertThat(matches("title", Operator.CONTAINS, "\"suede\"")).isFalse();
        assertThat(matches("tags", Operator.CONTAINS, "\"sale\"")).isTrue();
        assertThat(matches("tags", Operator.CONTAINS, "7")).isTrue();
        assertThat(matches("tags", Operator.CONTAINS, "\"old\"")).isFalse();
        assertThat(matches("tags", Operator.CONTAINS, "\"Sale\"")).as("array elements compare exactly").isFalse();
        assertThat(matches("tags", Operator.CONTAINS, "\"sal\"")).as("an element, not a substring of one").isFalse();
        assertThat(matches("count", Operator.CONTAINS, "3")).isFalse();
        assertThat(matches("missing", Operator.CONTAINS, "\"x\"")).isFalse();
    }

    @Test
    void wrongTypesNeverMatchAndNeverThrow() {
        List<String> paths = List.of("category", "count", "price", "express", "coupon", "cart", "cart.total", "tags", "title",
                "delivery", "paid_at", "missing", "tags.0", "");
        List<String> operands = List.of("\"shoes\"", "3", "\"not a number\"", "true", "{\"a\":1}", "[1,2]", "\"2026-03-10\"", "null");
        JsonNode object = json(CART);
        for (String path : paths) {
            for (Operator operator : Operator.values()) {
                for (String operand : operands) {
                    PropertyFilter filter = operator == Operator.EXISTS || operator == Operator.NOT_EXISTS
                            ? filter(path, operator) : filter(path, operator, operand);
                    assertThatCode(() -> filter.matches(object)).as(path + " " + operator + " " + operand).doesNotThrowAnyException();
                    assertThatCode(() -> filter.matches(json("[1, 2, 3]"))).doesNotThrowAnyException();
                    assertThatCode(() -> filter.matches(json("\"text\""))).doesNotThrowAnyException();
                }
            }
        }
        // comparisons against a value of the wrong type do not match, whichever way round
        assertThat(matches("category", Operator.GT, "1")).isFalse();
        assertThat(matches("category", Operator.LT, "1")).isFalse();
        assertThat(matches("express", Operator.GTE, "0")).isFalse();
        assertThat(matches("cart", Operator.LTE, "1000")).isFalse();
        assertThat(matches("tags", Operator.GT, "0")).isFalse();
        assertThat(matches("coupon", Operator.LT, "1")).isFalse();
        assertThat(matches("missing", Operator.GT, "1")).isFalse();
        assertThat(matches("count", Operator.BEFORE, "\"2030-01-01\"")).as("a number is not a date").isFalse();
        assertThat(matches("count", Operator.AFTER, "\"2000-01-01\"")).isFalse();
        assertThat(matches("category", Operator.BEFORE, "\"2030-01-01\"")).isFalse();
        assertThat(matches("delivery", Operator.BEFORE, "\"soon\"")).isFalse();
        assertThat(matches("delivery", Operator.GT, "0")).isFalse();
        assertThat(matches("cart.total", Operator.GT, "\"lots\"")).isFalse();
    }

    @Test
    void instantReadsIsoDatesAndDateTimesOnly() {
        assertThat(PropertyFilter.instant(json("\"2026-12-24\""))).isEqualTo(Instant.parse("2026-12-24T00:00:00Z"));
        assertThat(PropertyFilter.instant(json("\"2026-12-24T18:00:00Z\""))).isEqualTo(Instant.parse("2026-12-24T18:00:00Z"));
        assertThat(PropertyFilter.instant(json("\" 2026-12-24T18:00:00+02:00 \""))).isEqualTo(Instant.parse("2026-12-24T16:00:00Z"));
        assertThat(PropertyFilter.instant(json("\"24/12/2026\""))).isNull();
        assertThat(PropertyFilter.instant(json("1766534400000"))).isNull();
        assertThat(PropertyFilter.instant(json("null"))).isNull();
    }

    @Test
    void atFollowsDottedPaths() {
        JsonNode object = json(CART);
        assertThat(PropertyFilter.at(object, "cart.items.first").asText()).isEqualTo("boots");
        assertThat(PropertyFilter.at(object, "cart.nothing.here").isMissingNode()).isTrue();
        assertThat(PropertyFilter.at(object, "coupon").isNull()).isTrue();
        assertThat(PropertyFilter.at(null, "cart").isMissingNode()).isTrue();
    }

    private static boolean matches(String property, Operator operator, String... operands) {
        return filter(property, operator, operands).matches(json(CART));
    }

    private static PropertyFilter filter(String property, Operator operator, String... operands) {
        List<JsonNode> values = new ArrayList<>();
        for (String operand : operands) {
            values.add(json(operand));
        }
        return new PropertyFilter(property, operator, values);
    }

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        }
        catch (Exception e) {
            throw new IllegalArgumentException(text, e);
        }
    }
}
