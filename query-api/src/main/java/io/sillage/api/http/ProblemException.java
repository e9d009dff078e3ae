package io.sillage.api.http;

import static java.util.Objects.requireNonNull;

import io.sillage.api.kafka.PublishException;
import io.sillage.lakehouse.automation.DefinitionProblem;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An error answered as RFC 9457 problem+json. Thrown by handlers and services; rendered in one place
 * ({@link SillageApp}).
 */
public class ProblemException extends RuntimeException {
    private static final Logger LOG = LoggerFactory.getLogger(ProblemException.class);

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

    /** A definition change Kafka did not confirm, and so rolled back: 503 with Retry-After. */
    public static ProblemException notPublished(PublishException e) {
        LOG.warn("Change rolled back: {}", e.getMessage());
        return new ProblemException(ProblemType.UNAVAILABLE,
                "the change was not confirmed by Kafka, so nothing was changed: retry the request later", Map.of(), Optional.of(5));
    }

    /**
     * A definition (automation, template, snippet) that does not validate: {@code errors} lists every problem as
     * {@code {field, message}}; {@code field} and {@code detail} name the first.
     */
    public static ProblemException invalidDefinition(ProblemType type, List<DefinitionProblem> problems) {
        List<Map<String, String>> errors = new ArrayList<>();
        for (DefinitionProblem problem : problems) {
            Map<String, String> error = new LinkedHashMap<>();
            error.put("field", problem.field());
            error.put("message", problem.message());
            errors.add(error);
        }
        DefinitionProblem first = problems.get(0);
        String detail = first.field() + " " + first.message()
                + (problems.size() > 1 ? " (and " + (problems.size() - 1) + " more problem" + (problems.size() > 2 ? "s" : "") + ": see errors)" : "");
        Map<String, Object> extensions = new LinkedHashMap<>();
        extensions.put("field", first.field());
        extensions.put("errors", errors);
        return new ProblemException(type, detail, extensions, Optional.empty());
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
