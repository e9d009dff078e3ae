package io.sillage.stack.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sillage.api.projects.ProjectCredentials;
import io.sillage.lakehouse.event.Acceptance;
import io.sillage.lakehouse.event.EventType;
import io.sillage.lakehouse.event.SegmentEvents;
import io.sillage.stack.Stack;
import io.sillage.stack.StackException;
import io.sillage.stack.component.Kafka;
import io.sillage.stack.process.Http;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The automation benchmark ({@code ./cdp bench automations}), against the running stack, in a fresh project with
 * three automations (all transactional webhooks, so that every person is reachable and consent plays no part):
 * {@code Bench Ping} (no wait), {@code Bench Timer} (a short fixed wait) and {@code Product Added} (a long wait,
 * cancelled by {@code Order Completed} with the same {@code cart_id}; one instance per cart).
 *
 * <ol>
 *   <li>Load: {@code waiting} carts from {@code people} people (visits of {@code cartsPerPerson}), written straight to
 *       the raw topic as the tracking API writes them; measured until the pipeline's committed offsets reach the end.
 *       Afterwards that many instances wait.</li>
 *   <li>Throughput with the instances waiting: {@code events} events on those people (80% {@code Product Viewed}, 10%
 *       new carts, 10% purchases cancelling a waiting cart), measured the same way.</li>
 *   <li>Latency at a fraction of that throughput ({@code loadFactor}, 70%): meanwhile, {@code Bench Ping} probes
 *       through the HTTP tracking API, timed from the request to the activation request in {@code cdp.activations},
 *       both as written (read_uncommitted) and as committed with the checkpoint (read_committed); and
 *       {@code Bench Timer} probes, timed from their send time ({@code sendAt}) to the request written.</li>
 *   <li>Cleanup: a purchase for every cart still waiting. The automation operators' checkpointed state size is read
 *       from Flink's REST API before the load, with the instances waiting, after they ended (the first checkpoint
 *       after the cleanup), and settled (two checkpoints later: a checkpoint interval with no traffic lets the
 *       automation waits compact away the ended instances' bytes).</li>
 * </ol>
 */
public final class AutomationBenchmark {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Stack stack;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public AutomationBenchmark(Stack stack) {
        this.stack = stack;
    }

    public record Settings(long people, long waiting, long events, double loadFactor, Duration steadyFor, Duration timerWait, Duration checkpointInterval) {}

    public record Result(ProfileBenchmark.Phase load, ProfileBenchmark.Phase throughput, long steadyRate, List<Long> triggerWrittenMillis,
            List<Long> triggerCommittedMillis, List<Long> timerLatenessMillis, int probesLost, long stateBefore, long stateWaiting, long stateAfter, long stateSettled,
            ProfileBenchmark.Phase cleanup) {}

    /** Carts opened and closed, so that the cleanup cancels exactly the ones still waiting. */
    private static final class Carts {
        private final long loaded;
        private final long perPerson;
        private long nextLoadedToCancel;
        private final List<long[]> added = new ArrayList<>();

        Carts(long loaded, long perPerson) {
            this.loaded = loaded;
            this.perPerson = perPerson;
        }

        long loadedPerson(long cart) {
            return cart / perPerson;
        }
    }

    public Result run(Settings settings) throws Exception {
        ProjectCredentials project = stack.createProject("bench-automations-" + UUID.randomUUID().toString().substring(0, 8), "server");
        String run = UUID.randomUUID().toString().substring(0, 6);
        long perPerson = Math.max(1, settings.waiting() / settings.people());
        Carts carts = new Carts(settings.waiting(), perPerson);
        Map<String, Long> written = new ConcurrentHashMap<>();
        Map<String, Long> committed = new ConcurrentHashMap<>();
        Map<String, Long> timerLateness = new ConcurrentHashMap<>();
        AtomicBoolean reading = new AtomicBoolean(true);
        FlinkCheckpoints checkpoints = new FlinkCheckpoints(http, stack.config().flinkUrl());
        try (KafkaProducer<byte[], byte[]> producer = Drain.producer(stack.config().kafkaBootstrap()); Admin admin = stack.kafka().admin()) {
            Thread writtenReader = reader("read_uncommitted", project.projectId(), reading, written, timerLateness);
            Thread committedReader = reader("read_committed", project.projectId(), reading, committed, null);
            createAutomations(project, settings.timerWait());
            awaitAutomationsRunning(project, written);

            long stateBefore = checkpoints.automationStateAfterNextCheckpoint();
            System.out.printf("load: %,d carts from %,d people (visits of %d)...%n", settings.waiting(), settings.people(), perPerson);
            ProfileBenchmark.Phase load = Drain.produceAndDrain(producer, admin, settings.waiting(),
                    i -> productAdded(project.projectId(), i / perPerson, "c" + i), settings.checkpointInterval());
            System.out.printf("  %,.0f events/s (%.1f s)%n", load.perSecond(), load.elapsed().toMillis() / 1000.0);
            long stateWaiting = checkpoints.automationStateAfterNextCheckpoint();
            System.out.printf("  automation state with %,d instances waiting: %,d bytes (before: %,d)%n", settings.waiting(), stateWaiting, stateBefore);

            System.out.printf("throughput: %,d events with the instances waiting...%n", settings.events());
            ProfileBenchmark.Phase throughput = Drain.produceAndDrain(producer, admin, settings.events(),
                    i -> mixed(project.projectId(), carts, settings.people()), settings.checkpointInterval());
            System.out.printf("  %,.0f events/s (%.1f s)%n", throughput.perSecond(), throughput.elapsed().toMillis() / 1000.0);

            long rate = Math.round(throughput.perSecond() * settings.loadFactor());
            System.out.printf("latency: %,d events/s (%.0f%%) for %d s, with ping and timer probes...%n", rate, settings.loadFactor() * 100, settings.steadyFor().toSeconds());
            Map<String, Long> pings = steady(producer, project, carts, settings, rate, run);
            // Flink keeps the last 10 checkpoints in its history: read them before they roll over
            List<Long> checkpointStarts = checkpoints.recentTriggerTimes();
            Drain.waitDrained(admin, Duration.ofMinutes(30));
            Instant settle = Instant.now().plus(settings.timerWait()).plus(settings.checkpointInterval().multipliedBy(3));
            while (Instant.now().isBefore(settle)) {
                Thread.sleep(500);
            }
            List<Long> triggerWritten = new ArrayList<>();
            List<Long> triggerCommitted = new ArrayList<>();
            int lost = 0;
            for (Map.Entry<String, Long> ping : pings.entrySet()) {
                Long seen = written.get(ping.getKey());
                Long seenCommitted = committed.get(ping.getKey());
                if (seen == null || seenCommitted == null) {
                    lost++;
                    continue;
                }
                triggerWritten.add(seen - ping.getValue());
                triggerCommitted.add(seenCommitted - ping.getValue());
            }
            List<Long> timers = new ArrayList<>(timerLateness.values());
            printSlowestProbes(pings, written, checkpointStarts);
            System.out.printf("  trigger latency written p50 %d ms, p99 %d ms; committed p50 %d ms, p99 %d ms (%d probes, %d not seen); timer lateness p50 %d ms, p99 %d ms (%d)%n",
                    ProfileBenchmark.percentile(triggerWritten, 50), ProfileBenchmark.percentile(triggerWritten, 99),
                    ProfileBenchmark.percentile(triggerCommitted, 50), ProfileBenchmark.percentile(triggerCommitted, 99), pings.size(), lost,
                    ProfileBenchmark.percentile(timers, 50), ProfileBenchmark.percentile(timers, 99), timers.size());

            long open = (carts.loaded - carts.nextLoadedToCancel) + carts.added.size();
            System.out.printf("cleanup: a purchase for each of the %,d carts still waiting...%n", open);
            long firstOpen = carts.nextLoadedToCancel;
            ProfileBenchmark.Phase cleanup = Drain.produceAndDrain(producer, admin, open, i -> {
                long cart = firstOpen + i;
                if (cart < carts.loaded) {
                    return orderCompleted(project.projectId(), carts.loadedPerson(cart), "c" + cart);
                }
                long[] added = carts.added.get((int) (cart - carts.loaded));
                return orderCompleted(project.projectId(), added[0], "x" + added[1]);
            }, settings.checkpointInterval());
            long stateAfter = checkpoints.automationStateAfterNextCheckpoint();
            long stateSettled = checkpoints.automationStateAfterNextCheckpoint();
            System.out.printf("  automation state after: %,d bytes; two checkpoints later: %,d bytes%n", stateAfter, stateSettled);
            reading.set(false);
            writtenReader.join();
            committedReader.join();
            return new Result(load, throughput, rate, triggerWritten, triggerCommitted, timers, lost, stateBefore, stateWaiting, stateAfter, stateSettled, cleanup);
        }
    }

    /**
     * The five slowest pings as written, each with how long after the start of the checkpoint before it it was sent:
     * tails that cluster just after checkpoint starts come from the checkpoint (flushes, alignment), not the load.
     */
    private static void printSlowestProbes(Map<String, Long> pings, Map<String, Long> written, List<Long> checkpointStarts) {
        List<long[]> probes = new ArrayList<>();
        pings.forEach((id, sent) -> {
            Long seen = written.get(id);
            if (seen != null) {
                probes.add(new long[] {seen - sent, sent});
            }
        });
        probes.sort((a, b) -> Long.compare(b[0], a[0]));
        StringBuilder line = new StringBuilder("  slowest pings (sent N ms after a checkpoint started):");
        for (long[] probe : probes.subList(0, Math.min(5, probes.size()))) {
            long since = -1;
            for (long start : checkpointStarts) {
                if (start <= probe[1] && (since < 0 || probe[1] - start < since)) {
                    since = probe[1] - start;
                }
            }
            line.append(String.format(" %d ms (%s)", probe[0], since < 0 ? "?" : "+" + since));
        }
        System.out.println(line);
    }

    private void createAutomations(ProjectCredentials project, Duration timerWait) throws Exception {
        String common = "\"audience\":\"transactional\",\"action\":{\"channel\":\"webhook\",\"template\":\"bench\"}";
        for (String definition : List.of(
                "{\"name\":\"Bench ping\",\"entry\":{\"event\":\"Bench Ping\"},\"reentry\":{\"mode\":\"parallel\",\"key\":\"ping_id\"}," + common + "}",
                "{\"name\":\"Bench timer\",\"entry\":{\"event\":\"Bench Timer\"},\"wait\":{\"type\":\"duration\",\"duration\":\"" + timerWait.toSeconds() + "s\"},"
                        + "\"reentry\":{\"mode\":\"parallel\",\"key\":\"timer_id\"}," + common + "}",
                "{\"name\":\"Bench cart\",\"entry\":{\"event\":\"Product Added\"},\"wait\":{\"type\":\"duration\",\"duration\":\"6h\"},"
                        + "\"cancel\":[{\"event\":\"Order Completed\",\"match\":\"cart_id\"}],\"reentry\":{\"mode\":\"parallel\",\"key\":\"cart_id\"}," + common + "}")) {
            HttpResponse<String> created = api("POST", "/api/v1/automations", project.apiKey(), definition);
            if (created.statusCode() != 201) {
                throw new StackException("Cannot create a benchmark automation: " + created.statusCode() + " " + created.body());
            }
            String id = JSON.readTree(created.body()).get("id").textValue();
            HttpResponse<String> activated = api("POST", "/api/v1/automations/" + id + "/activate", project.apiKey(), "");
            if (activated.statusCode() != 200) {
                throw new StackException("Cannot activate a benchmark automation: " + activated.statusCode() + " " + activated.body());
            }
        }
    }

    /** Pings until one comes out as an activation request: the definitions reached the running job. */
    private void awaitAutomationsRunning(ProjectCredentials project, Map<String, Long> written) throws Exception {
        Instant deadline = Instant.now().plusSeconds(120);
        while (Instant.now().isBefore(deadline)) {
            String ping = "warmup-" + UUID.randomUUID();
            track(project, "{\"userId\":\"warmup\",\"event\":\"Bench Ping\",\"messageId\":\"" + ping + "\",\"properties\":{\"ping_id\":\"" + ping + "\"}}");
            Instant wait = Instant.now().plusSeconds(5);
            while (Instant.now().isBefore(wait)) {
                if (written.containsKey(ping)) {
                    return;
                }
                Thread.sleep(100);
            }
        }
        throw new StackException("The automations did not reach the running pipeline within 2 minutes: is the pipeline job running (./cdp status)?");
    }

    /** Steady load straight to the raw topic, and probes through the HTTP API; returns ping messageId to send time (ms). */
    private Map<String, Long> steady(KafkaProducer<byte[], byte[]> producer, ProjectCredentials project, Carts carts, Settings settings, long rate, String run)
            throws Exception {
        AtomicBoolean running = new AtomicBoolean(true);
        Thread load = new Thread(() -> {
            long startNanos = System.nanoTime();
            long sent = 0;
            while (running.get()) {
                long due = (long) ((System.nanoTime() - startNanos) / 1e9 * rate);
                while (sent < due) {
                    producer.send(mixed(project.projectId(), carts, settings.people()));
                    sent++;
                }
                sleep(5);
            }
        }, "bench-steady");
        load.start();
        Map<String, Long> pings = new ConcurrentHashMap<>();
        Instant end = Instant.now().plus(settings.steadyFor());
        int probe = 0;
        while (Instant.now().isBefore(end)) {
            long person = ThreadLocalRandom.current().nextLong(settings.people());
            String id = run + "-" + probe++;
            boolean timer = probe % 2 == 0;
            String body = timer
                    ? "{\"userId\":\"u" + person + "\",\"event\":\"Bench Timer\",\"messageId\":\"timer-" + id + "\",\"properties\":{\"timer_id\":\"" + id + "\"}}"
                    : "{\"userId\":\"u" + person + "\",\"event\":\"Bench Ping\",\"messageId\":\"ping-" + id + "\",\"properties\":{\"ping_id\":\"" + id + "\"}}";
            long sentAt = System.currentTimeMillis();
            if (track(project, body) && !timer) {
                pings.put("ping-" + id, sentAt);
            }
            sleep(100);
        }
        running.set(false);
        load.join();
        return pings;
    }

    /** Follows cdp.activations from its end: for each request of the project, the time it is read (ms), by entry messageId. */
    private Thread reader(String isolation, String projectId, AtomicBoolean running, Map<String, Long> seen, Map<String, Long> timerLateness) {
        Properties properties = new Properties();
        properties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.config().kafkaBootstrap());
        properties.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        properties.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        properties.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "10");
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(properties, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = consumer.partitionsFor(Kafka.ACTIVATIONS_TOPIC).stream()
                .map(info -> new TopicPartition(info.topic(), info.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position);
        Thread thread = new Thread(() -> {
            try (consumer) {
                while (running.get()) {
                    for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
                        long now = System.currentTimeMillis();
                        JsonNode request = JSON.readTree(record.value());
                        if (!projectId.equals(request.path("projectId").asText())) {
                            continue;
                        }
                        String messageId = request.at("/entry/messageId").asText();
                        seen.putIfAbsent(messageId, now);
                        if (timerLateness != null && messageId.startsWith("timer-")) {
                            timerLateness.putIfAbsent(messageId, now - Instant.parse(request.get("sendAt").asText()).toEpochMilli());
                        }
                    }
                }
            }
            catch (Exception e) {
                throw new IllegalStateException("Cannot read activation requests", e);
            }
        }, "bench-activations-" + isolation);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    /** 80% browsing, 10% a new cart, 10% a purchase that cancels the oldest cart still waiting. */
    private static ProducerRecord<byte[], byte[]> mixed(String projectId, Carts carts, long people) {
        int kind = ThreadLocalRandom.current().nextInt(10);
        if (kind == 0) {
            long person = ThreadLocalRandom.current().nextLong(people);
            long id;
            synchronized (carts) {
                id = carts.added.size();
                carts.added.add(new long[] {person, id});
            }
            return productAdded(projectId, person, "x" + id);
        }
        if (kind == 1) {
            synchronized (carts) {
                if (carts.nextLoadedToCancel < carts.loaded) {
                    long cart = carts.nextLoadedToCancel++;
                    return orderCompleted(projectId, carts.loadedPerson(cart), "c" + cart);
                }
            }
        }
        ObjectNode event = JSON.createObjectNode();
        long person = ThreadLocalRandom.current().nextLong(people);
        event.put("type", "track").put("userId", "u" + person).put("event", "Product Viewed");
        event.putObject("properties").put("product_id", "p" + ThreadLocalRandom.current().nextInt(1000)).put("category", "shoes");
        return record(projectId, "u" + person, event);
    }

    private static ProducerRecord<byte[], byte[]> productAdded(String projectId, long person, String cart) {
        ObjectNode event = JSON.createObjectNode();
        event.put("type", "track").put("userId", "u" + person).put("event", "Product Added");
        event.putObject("properties").put("cart_id", cart).put("product_id", "p" + ThreadLocalRandom.current().nextInt(1000)).put("price", 42.5);
        return record(projectId, "u" + person, event);
    }

    private static ProducerRecord<byte[], byte[]> orderCompleted(String projectId, long person, String cart) {
        ObjectNode event = JSON.createObjectNode();
        event.put("type", "track").put("userId", "u" + person).put("event", "Order Completed");
        event.putObject("properties").put("cart_id", cart).put("order_id", "o-" + cart).put("revenue", 42.5).put("currency", "EUR");
        return record(projectId, "u" + person, event);
    }

    private static ProducerRecord<byte[], byte[]> record(String projectId, String identity, ObjectNode event) {
        try {
            ObjectNode accepted = SegmentEvents.accept(event, EventType.TRACK, new Acceptance(projectId, "server", Instant.now(), null, null));
            return new ProducerRecord<>(Kafka.RAW_TOPIC, (projectId + ':' + identity).getBytes(StandardCharsets.UTF_8), JSON.writeValueAsBytes(accepted));
        }
        catch (Exception e) {
            throw new IllegalStateException("Cannot build a benchmark event", e);
        }
    }

    private boolean track(ProjectCredentials project, String body) {
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create(stack.config().apiUrl() + "/v1/track"))
                    .header("Content-Type", "application/json").header("Authorization", Http.basicAuth(project.writeKey()))
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build();
            return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        }
        catch (Exception e) {
            return false;
        }
    }

    private HttpResponse<String> api(String method, String path, String apiKey, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(stack.config().apiUrl() + path)).header("Authorization", "Bearer " + apiKey)
                .header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Checkpointed state of the automation operators, from Flink's REST API. */
    static final class FlinkCheckpoints {
        private final HttpClient http;
        private final String flinkUrl;

        FlinkCheckpoints(HttpClient http, String flinkUrl) {
            this.http = http;
            this.flinkUrl = flinkUrl;
        }

        /** Waits for a checkpoint that completes after now, and sums the state size of the automation operators in it. */
        long automationStateAfterNextCheckpoint() throws Exception {
            String job = runningJob();
            long after = latestCompleted(job).path("id").asLong(-1);
            Instant deadline = Instant.now().plusSeconds(120);
            // two checkpoints later: the first may have started before now
            while (Instant.now().isBefore(deadline)) {
                JsonNode latest = latestCompleted(job);
                if (latest.path("id").asLong(-1) >= after + 2) {
                    JsonNode details = get("/jobs/" + job + "/checkpoints/details/" + latest.get("id").asLong());
                    JsonNode vertices = get("/jobs/" + job).path("vertices");
                    long size = 0;
                    for (JsonNode vertex : vertices) {
                        String name = vertex.path("name").asText();
                        if (name.contains("automation") || name.contains("send decision")) {
                            size += details.path("tasks").path(vertex.path("id").asText()).path("state_size").asLong();
                        }
                    }
                    return size;
                }
                Thread.sleep(500);
            }
            throw new StackException("No checkpoint completed within 2 minutes");
        }

        /** Start times of the checkpoints in Flink's history (the last 10). */
        List<Long> recentTriggerTimes() throws Exception {
            List<Long> starts = new ArrayList<>();
            for (JsonNode checkpoint : get("/jobs/" + runningJob() + "/checkpoints").path("history")) {
                starts.add(checkpoint.path("trigger_timestamp").asLong());
            }
            return starts;
        }

        private String runningJob() throws Exception {
            for (JsonNode job : get("/jobs/overview").path("jobs")) {
                if ("RUNNING".equals(job.path("state").asText()) && job.path("name").asText().contains("pipeline")) {
                    return job.path("jid").asText();
                }
            }
            throw new StackException("No running pipeline job in Flink at " + flinkUrl);
        }

        private JsonNode latestCompleted(String job) throws Exception {
            return get("/jobs/" + job + "/checkpoints").path("latest").path("completed");
        }

        private JsonNode get(String path) throws Exception {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(flinkUrl + path)).GET().build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new StackException("Flink REST " + path + " answered " + response.statusCode());
            }
            return JSON.readTree(response.body());
        }
    }
}
