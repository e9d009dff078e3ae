package io.sillage.stack.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sillage.api.projects.ProjectCredentials;
import io.sillage.lakehouse.event.Acceptance;
import io.sillage.lakehouse.event.EventType;
import io.sillage.lakehouse.event.SegmentEvents;
import io.sillage.lakehouse.maintenance.ProfileFold;
import io.sillage.stack.Stack;
import io.sillage.stack.StackException;
import io.sillage.stack.component.Kafka;
import io.sillage.stack.process.Http;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongFunction;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * The identity and profile benchmark ({@code ./cdp bench profiles}), against the running stack.
 *
 * <ol>
 *   <li>Load: one identify per new person (user id, anonymous id, email, traits), written straight to the raw
 *       topic as the tracking API writes them, as fast as Kafka takes them. Measured: events/s from the first
 *       event to the moment the pipeline's committed offsets (raw and feedback topics) reach the end, so every
 *       profile is created and every identifier linked.</li>
 *   <li>Updates: track events on random existing people (10% {@code Order Completed}) with all the profiles in
 *       state; the same measurement. Meanwhile, Profile View lookups of random people (latency p50/p95/p99).</li>
 *   <li>Freshness: at a steady rate, identify probes through the HTTP API carrying a new trait value; the time
 *       until the Profile View shows it (every probe) and until the {@code profiles} view in Trino shows it
 *       (a sample, polled by one query at a time). Trino is measured twice: until the change is <em>visible</em>
 *       (the commit of the Iceberg snapshot that holds it: every query started from then on reads it) and until a
 *       poll <em>answered</em> with it (which adds one to two query times on the loaded machine).</li>
 *   <li>Write strategy: query times of the {@code profiles} view before and after folding the accumulated change
 *       log, and the fold's own duration.</li>
 * </ol>
 */
public final class ProfileBenchmark {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> CITIES = List.of("Paris", "Lyon", "Nantes", "Lille", "Bordeaux", "Marseille");

    private final Stack stack;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public ProfileBenchmark(Stack stack) {
        this.stack = stack;
    }

    public record Phase(long events, Duration elapsed) {
        double perSecond() {
            return events / Math.max(0.001, elapsed.toMillis() / 1000.0);
        }
    }

    public record Result(Phase load, Phase updates, List<Long> lookupMillis, List<Long> apiFreshnessMillis, List<Long> trinoVisibleMillis, List<Long> trinoFreshnessMillis,
            Map<String, Long> queryMillisBeforeFold, long changeRowsBeforeFold, ProfileFold.Result fold, Map<String, Long> queryMillisAfterFold) {}

    public Result run(long profiles, long updates, int visitLength, long steadyRate, Duration steadyFor, int trinoProbes, Duration checkpointInterval) throws Exception {
        ProjectCredentials project = stack.createProject("bench-profiles-" + UUID.randomUUID().toString().substring(0, 8), "server");
        try (KafkaProducer<byte[], byte[]> producer = Drain.producer(stack.config().kafkaBootstrap()); Admin admin = stack.kafka().admin()) {
            System.out.printf("load: %,d new people...%n", profiles);
            Phase load = Drain.produceAndDrain(producer, admin, profiles, i -> identify(project.projectId(), i, "load"), checkpointInterval);
            System.out.printf("  %,.0f events/s (%.1f s)%n", load.perSecond(), load.elapsed().toMillis() / 1000.0);

            System.out.printf("updates: %,d events on %,d people, with Profile View lookups...%n", updates, profiles);
            AtomicBoolean looking = new AtomicBoolean(true);
            List<Long> lookups = Collections.synchronizedList(new ArrayList<>());
            List<Thread> lookers = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                Thread looker = new Thread(() -> lookups(project.apiKey(), profiles, looking, lookups), "bench-lookups-" + t);
                looker.start();
                lookers.add(looker);
            }
            // a visit: visitLength events in a row from the same person (1: every event from a random person)
            Phase update = Drain.produceAndDrain(producer, admin, updates, i -> track(project.projectId(), person(i / visitLength, profiles)), checkpointInterval);
            looking.set(false);
            for (Thread looker : lookers) {
                looker.join();
            }
            System.out.printf("  %,.0f events/s (%.1f s); %d lookups%n", update.perSecond(), update.elapsed().toMillis() / 1000.0, lookups.size());

            System.out.printf("freshness: %,d events/s for %d s with probes...%n", steadyRate, steadyFor.toSeconds());
            List<Long> apiFreshness = Collections.synchronizedList(new ArrayList<>());
            List<Long> trinoVisible = Collections.synchronizedList(new ArrayList<>());
            List<Long> trinoFreshness = Collections.synchronizedList(new ArrayList<>());
            steady(producer, project, profiles, visitLength, steadyRate, steadyFor, trinoProbes, apiFreshness, trinoVisible, trinoFreshness);
            System.out.printf("  Profile View p50 %d ms, p99 %d ms (%d probes); Trino visible p50 %d ms, max %d ms, answered p50 %d ms, max %d ms (%d probes)%n",
                    percentile(apiFreshness, 50), percentile(apiFreshness, 99), apiFreshness.size(),
                    percentile(trinoVisible, 50), percentile(trinoVisible, 100),
                    percentile(trinoFreshness, 50), percentile(trinoFreshness, 100), trinoFreshness.size());

            System.out.println("write strategy: queries on the profiles view before and after a fold...");
            Map<String, Long> before;
            long changeRows;
            ProfileFold.Result fold;
            Map<String, Long> after;
            try (Connection trino = stack.trino().connect("bench")) {
                changeRows = count(trino, "select count(*) from profile_changes");
                before = timeQueries(trino, project.projectId());
                System.out.printf("  %,d change rows: %s%n", changeRows, before);
                fold = new ProfileFold(Duration.ofMinutes(5), Duration.ofMinutes(-5), 0).run(trino, stack.lakehouseConfig(), Instant.now(), Duration.ofMinutes(10));
                after = timeQueries(trino, project.projectId());
            }
            return new Result(load, update, lookups, apiFreshness, trinoVisible, trinoFreshness, before, changeRows, fold, after);
        }
    }

    private void lookups(String apiKey, long profiles, AtomicBoolean running, List<Long> latencies) {
        while (running.get()) {
            long person = ThreadLocalRandom.current().nextLong(profiles);
            long started = System.nanoTime();
            HttpResponse<String> response = get("/api/v1/profiles/user_id:u" + person, apiKey);
            if (response != null && response.statusCode() == 200) {
                latencies.add((System.nanoTime() - started) / 1_000_000);
            }
            sleep(20);
        }
    }

    /** The person of visit {@code visit}: a fixed pseudo-random spread over all people. */
    static long person(long visit, long profiles) {
        long z = visit * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return Long.remainderUnsigned(z ^ (z >>> 31), profiles);
    }

    private void steady(KafkaProducer<byte[], byte[]> producer, ProjectCredentials project, long profiles, int visitLength, long rate, Duration duration, int trinoProbes,
            List<Long> apiFreshness, List<Long> trinoVisible, List<Long> trinoFreshness) throws Exception {
        AtomicBoolean running = new AtomicBoolean(true);
        Thread load = new Thread(() -> {
            long startNanos = System.nanoTime();
            long sent = 0;
            long visitOffset = ThreadLocalRandom.current().nextLong(1L << 40);
            while (running.get()) {
                long due = (long) ((System.nanoTime() - startNanos) / 1e9 * rate);
                while (sent < due) {
                    producer.send(track(project.projectId(), person(visitOffset + sent / visitLength, profiles)));
                    sent++;
                }
                sleep(5);
            }
        }, "bench-steady");
        load.start();
        Instant end = Instant.now().plus(duration);
        int probe = 0;
        List<Thread> watchers = new ArrayList<>();
        while (Instant.now().isBefore(end) || probe < trinoProbes) {
            long person = ThreadLocalRandom.current().nextLong(profiles);
            String value = "probe-" + probe + "-" + UUID.randomUUID().toString().substring(0, 6);
            boolean viaTrino = probe < trinoProbes;
            Instant sent = Instant.now();
            HttpRequest request = HttpRequest.newBuilder(URI.create(stack.config().apiUrl() + "/v1/identify"))
                    .header("Content-Type", "application/json").header("Authorization", Http.basicAuth(project.writeKey()))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"userId\":\"u" + person + "\",\"traits\":{\"probe\":\"" + value + "\"}}")).build();
            if (http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                if (viaTrino) {
                    // one at a time: concurrent pollers would measure Trino's queueing, not the data's freshness
                    watchProbe(project, person, value, sent, true, apiFreshness, trinoVisible, trinoFreshness);
                }
                else {
                    Thread watcher = new Thread(() -> watchProbe(project, person, value, sent, false, apiFreshness, trinoVisible, trinoFreshness), "bench-probe-" + probe);
                    watcher.start();
                    watchers.add(watcher);
                }
            }
            probe++;
            Thread.sleep(500);
        }
        running.set(false);
        load.join();
        for (Thread watcher : watchers) {
            watcher.join();
        }
    }

    private void watchProbe(ProjectCredentials project, long person, String value, Instant sent, boolean viaTrino, List<Long> api, List<Long> trinoVisible, List<Long> trino) {
        Instant deadline = sent.plusSeconds(120);
        boolean apiSeen = false;
        boolean trinoSeen = !viaTrino;
        String profileId = null;
        long apiMillis = -1;
        int queries = 0;
        long slowestQuery = 0;
        while ((!apiSeen || !trinoSeen) && Instant.now().isBefore(deadline)) {
            if (!apiSeen) {
                HttpResponse<String> response = get("/api/v1/profiles/user_id:u" + person, project.apiKey());
                try {
                    if (response != null && response.statusCode() == 200) {
                        JsonNode profile = JSON.readTree(response.body());
                        if (value.equals(profile.at("/traits/probe").asText())) {
                            apiMillis = Duration.between(sent, Instant.now()).toMillis();
                            api.add(apiMillis);
                            apiSeen = true;
                            profileId = profile.get("profileId").asText();
                        }
                    }
                }
                catch (Exception e) {
                    // retried
                }
            }
            if (!trinoSeen && profileId != null) {
                try (Connection connection = stack.trino().connect("bench");
                        PreparedStatement statement = connection.prepareStatement(
                                "select count(*) from profiles where project_id = ? and profile_id = ? and json_extract_scalar(traits, '$.probe') = ?")) {
                    statement.setString(1, project.projectId());
                    statement.setString(2, profileId);
                    statement.setString(3, value);
                    long queryStarted = System.nanoTime();
                    try (ResultSet rows = statement.executeQuery()) {
                        rows.next();
                        long found = rows.getLong(1);
                        queries++;
                        slowestQuery = Math.max(slowestQuery, (System.nanoTime() - queryStarted) / 1_000_000);
                        if (found > 0) {
                            long trinoMillis = Duration.between(sent, Instant.now()).toMillis();
                            long visibleMillis = committedAt(connection, project.projectId(), profileId, value)
                                    .map(committed -> Duration.between(sent, committed).toMillis())
                                    .orElse(-1L);
                            if (visibleMillis >= 0) {
                                trinoVisible.add(visibleMillis);
                            }
                            trino.add(trinoMillis);
                            trinoSeen = true;
                            // one line per probe, to line slow ones up with folds and checkpoints in the logs
                            System.out.printf("    probe sent %s: Profile View %,d ms, Trino visible %,d ms, answered %,d ms (%d queries, slowest %,d ms)%n",
                                    sent, apiMillis, visibleMillis, trinoMillis, queries, slowestQuery);
                        }
                    }
                }
                catch (Exception e) {
                    // retried
                }
            }
            sleep(viaTrino ? 250 : 100);
        }
    }

    /**
     * When the probe's change became visible to every Trino query: the commit time of the Iceberg snapshot that
     * added the data file holding it (a query reads the snapshot current when it starts). Empty when the row is no
     * longer in the change log (folded meanwhile).
     */
    private static Optional<Instant> committedAt(Connection trino, String projectId, String profileId, String value) throws java.sql.SQLException {
        try (PreparedStatement statement = trino.prepareStatement("""
                select s.committed_at
                from "profile_changes$entries" e join "profile_changes$snapshots" s on s.snapshot_id = e.snapshot_id
                where e.status < 2 and e.data_file.file_path = (
                    select min("$path") from profile_changes
                    where project_id = ? and profile_id = ? and json_extract_scalar(traits, '$.probe') = ?)""")) {
            statement.setString(1, projectId);
            statement.setString(2, profileId);
            statement.setString(3, value);
            try (ResultSet rows = statement.executeQuery()) {
                return rows.next() ? Optional.of(rows.getTimestamp(1).toInstant()) : Optional.empty();
            }
        }
    }

    private static Map<String, Long> timeQueries(Connection trino, String projectId) throws Exception {
        Map<String, Long> millis = new java.util.LinkedHashMap<>();
        millis.put("count(*)", time(trino, "select count(*) from profiles"));
        millis.put("one profile", time(trino, "select * from profiles where project_id = '" + projectId + "' and profile_id = (select min(profile_id) from profiles_base)"));
        millis.put("gold in Lyon", time(trino, "select count(*) from profiles where json_extract_scalar(traits, '$.plan') = 'gold' and json_extract_scalar(traits, '$.city') = 'Lyon'"));
        millis.put("identity lookup", time(trino, "select profile_id from identities where identifier = 'user_id:u12345'"));
        return millis;
    }

    /** Best of three runs in ms, or -1 when the query fails (the reason is printed). */
    private static long time(Connection trino, String sql) {
        long best = Long.MAX_VALUE;
        for (int run = 0; run < 3; run++) {
            long started = System.nanoTime();
            try (PreparedStatement statement = trino.prepareStatement(sql); ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    // drain
                }
            }
            catch (java.sql.SQLException e) {
                System.out.println("  query failed: " + e.getMessage());
                return -1;
            }
            best = Math.min(best, (System.nanoTime() - started) / 1_000_000);
        }
        return best;
    }

    private static long count(Connection trino, String sql) throws Exception {
        try (PreparedStatement statement = trino.prepareStatement(sql); ResultSet rows = statement.executeQuery()) {
            rows.next();
            return rows.getLong(1);
        }
    }

    private ProducerRecord<byte[], byte[]> identify(String projectId, long person, String phase) {
        ObjectNode event = JSON.createObjectNode();
        event.put("type", "identify").put("userId", "u" + person).put("anonymousId", "a" + person);
        ObjectNode traits = event.putObject("traits");
        traits.put("email", "u" + person + "@bench.example");
        traits.put("plan", person % 5 == 0 ? "gold" : "free");
        traits.put("city", CITIES.get((int) (person % CITIES.size())));
        traits.put("phase", phase);
        return record(projectId, "u" + person, event, EventType.IDENTIFY);
    }

    private ProducerRecord<byte[], byte[]> track(String projectId, long person) {
        ObjectNode event = JSON.createObjectNode();
        boolean order = ThreadLocalRandom.current().nextInt(10) == 0;
        event.put("type", "track").put("userId", "u" + person).put("event", order ? "Order Completed" : "Product Viewed");
        ObjectNode properties = event.putObject("properties");
        if (order) {
            properties.put("order_id", UUID.randomUUID().toString()).put("revenue", 10 + ThreadLocalRandom.current().nextInt(90)).put("currency", "EUR");
        }
        else {
            properties.put("product_id", "p" + ThreadLocalRandom.current().nextInt(1000)).put("category", "shoes");
        }
        return record(projectId, "u" + person, event, EventType.TRACK);
    }

    private static ProducerRecord<byte[], byte[]> record(String projectId, String identity, ObjectNode event, EventType type) {
        try {
            ObjectNode accepted = SegmentEvents.accept(event, type, new Acceptance(projectId, "server", Instant.now(), null, null));
            return new ProducerRecord<>(Kafka.RAW_TOPIC, (projectId + ':' + identity).getBytes(StandardCharsets.UTF_8), JSON.writeValueAsBytes(accepted));
        }
        catch (Exception e) {
            throw new IllegalStateException("Cannot build a benchmark event", e);
        }
    }

    private HttpResponse<String> get(String path, String apiKey) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(stack.config().apiUrl() + path)).header("Authorization", "Bearer " + apiKey).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
        }
        catch (Exception e) {
            return null;
        }
    }

    static long percentile(List<Long> values, double p) {
        if (values.isEmpty()) {
            return -1;
        }
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get((int) Math.min(sorted.size() - 1, Math.ceil(p / 100 * sorted.size()) - 1));
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
