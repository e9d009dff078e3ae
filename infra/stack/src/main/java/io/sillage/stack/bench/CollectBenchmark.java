package io.sillage.stack.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sillage.api.projects.ProjectCredentials;
import io.sillage.stack.Stack;
import io.sillage.stack.StackException;
import io.sillage.stack.process.Http;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Collect benchmark against a running stack: sustained events/s from {@code /v1/batch} into Iceberg, and
 * event-to-queryable latency in Trino (a probe event per interval, polled in Trino until visible).
 * Uses a fresh project so counts are exact.
 */
public final class CollectBenchmark {
    private static final ObjectMapper JSON = new ObjectMapper();

    public record Result(long events, double apiEventsPerSecond, double endToEndEventsPerSecond, Duration elapsed,
            List<Long> latenciesMillis, long rejected429) {
        public long percentile(double p) {
            if (latenciesMillis.isEmpty()) {
                return -1;
            }
            List<Long> sorted = new ArrayList<>(latenciesMillis);
            Collections.sort(sorted);
            int index = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
            return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
        }
    }

    private final Stack stack;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public CollectBenchmark(Stack stack) {
        this.stack = stack;
    }

    public Result run(long totalEvents, int senders, int batchSize, long ratePerSecond, Duration probeInterval) throws Exception {
        ProjectCredentials project = stack.createProject("bench-" + UUID.randomUUID().toString().substring(0, 8), "server");
        // probes live in their own project (its own partition), so polling for them stays cheap for Trino
        ProjectCredentials probes = stack.createProject("bench-probes-" + UUID.randomUUID().toString().substring(0, 8), "server");
        String authorization = Http.basicAuth(project.writeKey());
        String probeAuthorization = Http.basicAuth(probes.writeKey());
        AtomicLong next = new AtomicLong();
        AtomicLong accepted = new AtomicLong();
        AtomicLong throttled = new AtomicLong();
        AtomicBoolean loading = new AtomicBoolean(true);
        Map<String, Instant> probesSent = new ConcurrentHashMap<>();
        Map<String, Long> latencies = new ConcurrentHashMap<>();

        Instant start = Instant.now();
        // with a rate, batch n may leave no earlier than start + n * batchSize / rate
        long startNanos = System.nanoTime();
        double nanosPerEvent = ratePerSecond > 0 ? 1e9 / ratePerSecond : 0;
        List<Thread> threads = new ArrayList<>();
        for (int s = 0; s < senders; s++) {
            Thread sender = new Thread(() -> send(authorization, totalEvents, batchSize, next, accepted, throttled, startNanos, nanosPerEvent), "bench-sender-" + s);
            sender.start();
            threads.add(sender);
        }
        Thread prober = new Thread(() -> probe(probeAuthorization, loading, probeInterval, probesSent), "bench-prober");
        prober.start();
        Thread watcher = new Thread(() -> watchProbes(probes.projectId(), probesSent, latencies), "bench-watcher");
        watcher.setDaemon(true);
        watcher.start();
        for (Thread thread : threads) {
            thread.join();
        }
        Instant apiDone = Instant.now();
        long loadEvents = accepted.get();
        Instant visible = waitVisible(project.projectId(), loadEvents, Duration.ofMinutes(10));
        loading.set(false);
        prober.join();
        Instant probeDeadline = Instant.now().plusSeconds(60);
        while (latencies.size() < probesSent.size() && Instant.now().isBefore(probeDeadline)) {
            Thread.sleep(200);
        }
        Duration elapsed = Duration.between(start, visible);
        return new Result(loadEvents,
                loadEvents / seconds(Duration.between(start, apiDone)),
                loadEvents / seconds(elapsed),
                elapsed,
                new ArrayList<>(latencies.values()),
                throttled.get());
    }

    private void send(String authorization, long totalEvents, int batchSize, AtomicLong next, AtomicLong accepted, AtomicLong throttled,
            long startNanos, double nanosPerEvent) {
        String runId = UUID.randomUUID().toString().substring(0, 8);
        while (true) {
            long first = next.getAndAdd(batchSize);
            if (first >= totalEvents) {
                return;
            }
            int count = (int) Math.min(batchSize, totalEvents - first);
            long due = startNanos + (long) (first * nanosPerEvent);
            long wait = due - System.nanoTime();
            if (wait > 0) {
                sleep(wait / 1_000_000);
            }
            ObjectNode body = JSON.createObjectNode();
            ArrayNode batch = body.putArray("batch");
            Instant now = Instant.now();
            for (int i = 0; i < count; i++) {
                long n = first + i;
                ObjectNode event = batch.addObject();
                event.put("type", "track").put("event", "Product Viewed").put("messageId", runId + "-" + n)
                        .put("anonymousId", "anon-" + (n % 100_000)).put("timestamp", now.toString());
                event.putObject("properties").put("product_id", "sku-" + (n % 5000)).put("category", "shoes").put("price", 49.9);
                event.putObject("context").put("locale", "fr-FR").putObject("library").put("name", "sillage-bench");
            }
            body.put("sentAt", now.toString());
            byte[] payload = body.toString().getBytes(StandardCharsets.UTF_8);
            while (true) {
                int status = post(authorization, payload);
                if (status == 200) {
                    accepted.addAndGet(count);
                    break;
                }
                if (status == 429 || status == 503) {
                    throttled.incrementAndGet();
                    sleep(200);
                    continue;
                }
                throw new StackException("The tracking API answered " + status + " during the benchmark");
            }
        }
    }

    private void probe(String authorization, AtomicBoolean loading, Duration interval, Map<String, Instant> sent) {
        while (loading.get()) {
            String id = "probe-" + UUID.randomUUID();
            ObjectNode body = JSON.createObjectNode();
            body.putArray("batch").addObject().put("type", "track").put("event", "Benchmark Probe").put("messageId", id).put("userId", "probe");
            Instant at = Instant.now();
            if (post(authorization, body.toString().getBytes(StandardCharsets.UTF_8)) == 200) {
                sent.put(id, at);
            }

            sleep(interval.toMillis());
        }
    }

    private void watchProbes(String projectId, Map<String, Instant> sent, Map<String, Long> latencies) {
        while (true) {
            try (Connection trino = trino();
                    PreparedStatement statement = trino.prepareStatement("select message_id from events where project_id = ? and event = 'Benchmark Probe'")) {
                while (true) {
                    statement.setString(1, projectId);
                    try (ResultSet rows = statement.executeQuery()) {
                        Instant now = Instant.now();
                        while (rows.next()) {
                            String id = rows.getString(1);
                            Instant at = sent.get(id);
                            if (at != null) {
                                latencies.putIfAbsent(id, Duration.between(at, now).toMillis());
                            }
                        }
                    }
                    sleep(500);
                }
            }
            catch (SQLException e) {
                sleep(1000);
            }
        }
    }

    private Instant waitVisible(String projectId, long expected, Duration timeout) throws Exception {
        Instant deadline = Instant.now().plus(timeout);
        try (Connection trino = trino();
                PreparedStatement statement = trino.prepareStatement("select count(*) from events where project_id = ? and event = 'Product Viewed'")) {
            statement.setString(1, projectId);
            while (Instant.now().isBefore(deadline)) {
                try (ResultSet rows = statement.executeQuery()) {
                    rows.next();
                    long count = rows.getLong(1);
                    if (count >= expected) {
                        return Instant.now();
                    }
                }
                Thread.sleep(1000);
            }
        }
        throw new StackException("Events did not all become visible in Trino within " + timeout.toMinutes() + " minutes");
    }

    private Connection trino() throws SQLException {
        return stack.trino().connect("bench");
    }

    private int post(String authorization, byte[] payload) {
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create(stack.config().apiUrl() + "/v1/batch"))
                    .header("Content-Type", "application/json")
                    .header("Authorization", authorization)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(payload))
                    .build();
            return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
        }
        catch (Exception e) {
            return 503;
        }
    }


    private static double seconds(Duration duration) {
        return Math.max(0.001, duration.toMillis() / 1000.0);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StackException("Interrupted", e);
        }
    }
}
