package io.sillage.api.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import io.sillage.lakehouse.event.SegmentEvents;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.zip.GZIPInputStream;
import java.util.zip.InflaterInputStream;

/** Reads request bodies with a size limit, inflating gzip and deflate bodies (the RudderStack SDK gzips). */
public final class RequestBodies {
    private RequestBodies() {}

    public static ObjectNode readJsonObject(Context ctx, int limitBytes) {
        JsonNode node = readJson(ctx, limitBytes);
        if (!node.isObject()) {
            throw new ProblemException(ProblemType.INVALID_JSON, "the request body must be a JSON object");
        }
        return (ObjectNode) node;
    }

    /** Any JSON document (an array, for provider webhooks). */
    public static JsonNode readJson(Context ctx, int limitBytes) {
        byte[] body = read(ctx, limitBytes);
        JsonNode node;
        try {
            node = SegmentEvents.mapper().readTree(body);
        }
        catch (IOException e) {
            throw new ProblemException(ProblemType.INVALID_JSON, "the request body is not valid JSON: " + firstLine(e instanceof com.fasterxml.jackson.core.JsonProcessingException json ? json.getOriginalMessage() : e.getMessage()));
        }
        if (node == null || node.isMissingNode()) {
            throw new ProblemException(ProblemType.INVALID_JSON, "the request body is empty");
        }
        return node;
    }

    private static byte[] read(Context ctx, int limitBytes) {
        String encoding = Optional.ofNullable(ctx.header("Content-Encoding")).orElse("identity").trim().toLowerCase(Locale.ROOT);
        try (InputStream raw = ctx.req().getInputStream()) {
            InputStream in = switch (encoding) {
                case "", "identity" -> raw;
                case "gzip", "x-gzip" -> new GZIPInputStream(raw);
                case "deflate" -> new InflaterInputStream(raw);
                default -> throw new ProblemException(ProblemType.UNSUPPORTED_MEDIA_TYPE,
                        "Content-Encoding '" + encoding + "' is not supported: send identity, gzip or deflate");
            };
            return readAtMost(in, limitBytes);
        }
        catch (IOException e) {
            throw new ProblemException(ProblemType.INVALID_REQUEST, "cannot read the request body (" + encoding + "): " + e.getMessage());
        }
    }

    private static byte[] readAtMost(InputStream in, int limitBytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(limitBytes, 64 * 1024));
        byte[] buffer = new byte[16 * 1024];
        int total = 0;
        int read;
        while ((read = in.read(buffer)) != -1) {
            total += read;
            if (total > limitBytes) {
                throw new ProblemException(ProblemType.PAYLOAD_TOO_LARGE,
                        "the request body is over the limit of " + (limitBytes / 1024) + " KB",
                        Map.of("limitBytes", limitBytes), Optional.empty());
            }
            out.write(buffer, 0, read);
        }
        return out.toByteArray();
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unreadable";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
