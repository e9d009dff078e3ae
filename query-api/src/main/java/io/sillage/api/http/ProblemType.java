package io.sillage.api.http;

/** The kinds of problem the API answers with, each with its HTTP status: mapped once, here. */
public enum ProblemType {
    INVALID_JSON(400, "Malformed JSON body"),
    INVALID_EVENT(400, "Invalid event"),
    INVALID_REQUEST(400, "Invalid request"),
    INVALID_DEFINITION(400, "Invalid automation definition"),
    INVALID_TEMPLATE(400, "Invalid template or snippet"),
    INVALID_TRACKING_LINK(400, "Invalid tracking link"),
    UNAUTHORIZED(401, "Missing or unknown credentials"),
    INVALID_CONNECTOR(400, "Invalid connector configuration"),
    NOT_FOUND(404, "Not found"),
    CONFLICT(409, "Conflict"),
    RENDERING_FAILED(422, "Template rendering failed"),
    PAYLOAD_TOO_LARGE(413, "Payload too large"),
    UNSUPPORTED_MEDIA_TYPE(415, "Unsupported content encoding"),
    TOO_MANY_REQUESTS(429, "Too many events in flight"),
    INTERNAL(500, "Internal error"),
    DELIVERY_FAILED(502, "Delivery failed"),
    UNAVAILABLE(503, "Event bus unavailable"),
    QUERY_UNAVAILABLE(503, "Query engine unavailable");

    private final int status;
    private final String title;

    ProblemType(int status, String title) {
        this.status = status;
        this.title = title;
    }

    public int status() {
        return status;
    }

    public String title() {
        return title;
    }

    /** Stable URI identifying the problem type, documented in the README (Send events). */
    public String uri() {
        return "https://sillage.dev/problems/" + name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
}
