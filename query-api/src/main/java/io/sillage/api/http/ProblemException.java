package io.sillage.api.http;

import static java.util.Objects.requireNonNull;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * An error answered as RFC 9457 problem+json. Thrown by handlers and services; rendered in one place
 * ({@link SillageApp}).
 */
public class ProblemException extends RuntimeException {
    private final ProblemType type;
    private final String detail;
    private final Map<String, Object> extensions;
    private final Optional<Integer> retryAfterSeconds;

    public ProblemException(ProblemType type, String detail) {
        this(type, detail, Map.of(), Optional.empty());
    }

    public ProblemException(ProblemType type, String detail, Map<String, Object> extensions, Optional<Integer> retryAfterSeconds) {
        super(detail);
        this.type = requireNonNull(type, "type is null");
        this.detail = requireNonNull(detail, "detail is null");
        this.extensions = new LinkedHashMap<>(extensions);
        this.retryAfterSeconds = requireNonNull(retryAfterSeconds, "retryAfterSeconds is null");
    }

    public ProblemType type() {
        return type;
    }

    public String detail() {
        return detail;
    }

    public Map<String, Object> extensions() {
        return extensions;
    }

    public Optional<Integer> retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
