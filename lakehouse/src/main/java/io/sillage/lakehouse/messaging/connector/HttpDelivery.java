package io.sillage.lakehouse.messaging.connector;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * The HTTP side of the HTTP connectors: one JDK client per connector (its own connections), a deadline on the
 * whole exchange (connecting, the answer and its body), response bodies read up to {@value #MAX_BODY} bytes, and
 * the usual meaning of statuses.
 */
final class HttpDelivery {
    /** Bytes of a response body kept: enough for a provider's answer or error, not a flood. */
    static final int MAX_BODY = 64 * 1024;

    private final HttpClient client;
    private final Duration timeout;

    HttpDelivery(Duration timeout) {
        this.timeout = timeout;
        this.client = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER).build();
    }

    HttpRequest.Builder request(URI uri) {
        return HttpRequest.newBuilder(uri).timeout(timeout).header("User-Agent", "Sillage");
    }

    /**
     * Sends {@code request} and turns the answer into a result with {@code answer}; no answer within the timeout,
     * a refused or broken connection are temporary failures.
     */
    DeliveryResult send(HttpRequest request, Function<HttpResponse<String>, DeliveryResult> answer) {
        CompletableFuture<HttpResponse<String>> exchange = client.sendAsync(request, info -> HttpResponse.BodySubscribers.fromSubscriber(new Excerpt(), Excerpt::text));
        HttpResponse<String> response;
        try {
            response = exchange.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        }
        catch (TimeoutException e) {
            exchange.cancel(true);
            return timedOut();
        }
        catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            if (cause instanceof HttpTimeoutException) {
                return timedOut();
            }
            return new DeliveryResult.TemporaryFailure("connection to " + request.uri().getHost() + " failed: " + describe(cause), null);
        }
        catch (InterruptedException e) {
            exchange.cancel(true);
            Thread.currentThread().interrupt();
            return new DeliveryResult.TemporaryFailure("interrupted while sending", null);
        }
        return answer.apply(response);
    }

    private DeliveryResult timedOut() {
        return new DeliveryResult.TemporaryFailure("no answer within " + timeout.toMillis() + " ms", null);
    }

    static boolean succeeded(HttpResponse<?> response) {
        return response.statusCode() >= 200 && response.statusCode() < 300;
    }

    /**
     * The failure a status other than 2xx means: 408, 425, 429 and 5xx are temporary (with the
     * {@code Retry-After} the provider gave), any other status permanent.
     *
     * @param detail what the provider said, for the reason (its error message, or the body)
     */
    static DeliveryResult failure(HttpResponse<String> response, String detail) {
        int status = response.statusCode();
        String reason = "HTTP " + status + (detail.isBlank() ? "" : ": " + excerpt(detail));
        if (status == 408 || status == 425 || status == 429 || status >= 500) {
            return new DeliveryResult.TemporaryFailure(reason, retryAfter(response, Instant.now()));
        }
        return new DeliveryResult.PermanentFailure(reason, false);
    }

    /** {@code Retry-After} in seconds or as an HTTP date; null when absent or unreadable. */
    static Duration retryAfter(HttpResponse<?> response, Instant now) {
        Optional<String> header = response.headers().firstValue("Retry-After").map(String::strip);
        if (header.isEmpty()) {
            return null;
        }
        try {
            return Duration.ofSeconds(Math.max(0, Long.parseLong(header.get())));
        }
        catch (NumberFormatException e) {
            try {
                Duration until = Duration.between(now, ZonedDateTime.parse(header.get(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
                return until.isNegative() ? Duration.ZERO : until;
            }
            catch (DateTimeParseException notADate) {
                return null;
            }
        }
    }

    /** A provider's text on one line, at most 300 characters. */
    static String excerpt(String text) {
        String line = text.strip().replaceAll("\\s+", " ");
        return line.length() <= 300 ? line : line.substring(0, 300) + "...";
    }

    private static String describe(Throwable failure) {
        return failure.getMessage() == null ? failure.getClass().getSimpleName() : failure.getClass().getSimpleName() + " " + failure.getMessage();
    }

    /** Keeps the first {@link #MAX_BODY} bytes of a body and drains the rest. */
    private static final class Excerpt implements Flow.Subscriber<List<ByteBuffer>> {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> buffers) {
            for (ByteBuffer buffer : buffers) {
                int kept = Math.min(buffer.remaining(), MAX_BODY - bytes.size());
                byte[] chunk = new byte[kept];
                buffer.get(chunk);
                bytes.write(chunk, 0, kept);
            }
        }

        @Override
        public void onError(Throwable throwable) {}

        @Override
        public void onComplete() {}

        String text() {
            return bytes.toString(StandardCharsets.UTF_8);
        }
    }
}
