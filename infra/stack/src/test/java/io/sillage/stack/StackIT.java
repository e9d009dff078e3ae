package io.sillage.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sillage.api.projects.ProjectCredentials;
import io.sillage.lakehouse.maintenance.LakehouseViews;
import io.sillage.lakehouse.maintenance.ProfileFold;
import io.sillage.stack.component.Kafka;
import io.sillage.stack.process.Http;
import io.sillage.stack.process.Ports;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.zip.GZIPOutputStream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.parquet.column.values.bloomfilter.BloomFilter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.api.Binary;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.GreenMailUtil;
import com.icegreen.greenmail.util.ServerSetupTest;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The real stack (PostgreSQL, Kafka, Trino, Flink and the API as separate processes) on free ports in a
 * fresh data directory: HTTP in, rows out through trino-jdbc.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StackIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration ROWS_DEADLINE = Duration.ofSeconds(90);

    private final HttpClient http = HttpClient.newHttpClient();
    private Stack stack;
    private ProjectCredentials project;
    private ProjectCredentials otherProject;
    /** The SMTP server the projects' email connectors deliver to. */
    private final GreenMail smtp = new GreenMail(ServerSetupTest.SMTP.dynamicPort());

    @BeforeAll
    void startStack() throws Exception {
        smtp.start();
        Path home = Path.of(System.getProperty("sillage.home", "../..")).toAbsolutePath().normalize();
        Path var = home.resolve("infra/stack/target/it-var-" + System.currentTimeMillis());
        Map<String, String> env = Map.of("SILLAGE_VAR", var.toString(), "SILLAGE_HEALTH_TIMEOUT", "240", "SILLAGE_CHECKPOINT_SECONDS", "2");
        int[] ports = Ports.freePorts(6);
        StackConfig config = StackConfig.fromEnvironment(home, env)
                .withPorts(ports[0], ports[1], ports[2], ports[3], ports[4], ports[5]);
        stack = new Stack(config);
        stack.start(message -> System.out.println("[stack] " + message));
        assertThat(stack.components()).as("every component runs and is seen running").allMatch(component -> component.isRunning() && component.isHealthy());
        project = stack.createProject("it-" + UUID.randomUUID().toString().substring(0, 8), "web");
        otherProject = stack.createProject("it-other-" + UUID.randomUUID().toString().substring(0, 8), null);
    }

    @AfterAll
    void stopStack() {
        smtp.stop();
        if (stack != null) {
            stack.stop(message -> System.out.println("[stack] " + message));
            assertThat(stack.components()).as("nothing left running").noneMatch(component -> component.isRunning());
            assertThat(stack.components()).as("every port released").allMatch(component -> Ports.isFree(stack.config().host(), component.port()));
        }
    }

    @Test
    @Order(1)
    void trackingApiAnswersLikeSegmentAndEventsReachIceberg() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        // single call, write key as Basic auth user
        HttpResponse<String> single = post("/v1/track", project.writeKey(), """
                {"userId":"u-%s","event":"Product Added","messageId":"single-%s","properties":{"cart_id":"c-1","category":"shoes"}}""".formatted(run, run));
        assertThat(single.statusCode()).isEqualTo(200);
        assertThat(single.body()).isEqualTo("{\"success\":true}");

        // write key in the body, client clock one hour ahead: the timestamp is corrected from sentAt
        Instant now = Instant.now();
        HttpResponse<String> skewed = post("/v1/identify", null, """
                {"writeKey":"%s","userId":"u-%s","messageId":"skew-%s","traits":{"email":"jane@example.com"},
                 "timestamp":"%s","sentAt":"%s"}""".formatted(project.writeKey(), run, run, now.plusSeconds(3600 - 30), now.plusSeconds(3600)));
        assertThat(skewed.statusCode()).isEqualTo(200);

        // batch with a batch-level context, and the same messageId twice
        HttpResponse<String> batch = post("/v1/batch", project.writeKey(), """
                {"context":{"app":{"name":"shop"}},"batch":[
                  {"type":"page","anonymousId":"a-%1$s","name":"Home","messageId":"batch1-%1$s"},
                  {"type":"track","anonymousId":"a-%1$s","event":"Product Viewed","messageId":"batch2-%1$s","context":{"locale":"fr-FR"}},
                  {"type":"track","anonymousId":"a-%1$s","event":"Product Viewed","messageId":"batch2-%1$s"}]}""".formatted(run));
        assertThat(batch.statusCode()).isEqualTo(200);

        // gzip body, as the RudderStack SDK sends
        byte[] gzipped = gzip("""
                {"batch":[{"type":"screen","userId":"u-%1$s","name":"Cart","messageId":"gzip-%1$s"}]}""".formatted(run));
        HttpResponse<String> compressed = http.send(HttpRequest.newBuilder(URI.create(stack.config().apiUrl() + "/v1/batch"))
                .header("Authorization", Http.basicAuth(project.writeKey()))
                .header("Content-Encoding", "gzip")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(gzipped)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(compressed.statusCode()).isEqualTo(200);

        // the same messageId sent again in a later request
        assertThat(post("/v1/track", project.writeKey(), """
                {"userId":"u-%s","event":"Product Added","messageId":"single-%s"}""".formatted(run, run)).statusCode()).isEqualTo(200);

        // a write key decides the project, whatever the body claims
        assertThat(post("/v1/track", otherProject.writeKey(), """
                {"userId":"u-%s","event":"Spoof","messageId":"spoof-%s","projectId":"%s"}""".formatted(run, run, project.projectId())).statusCode())
                .isEqualTo(200);

        // errors
        HttpResponse<String> invalid = post("/v1/batch", project.writeKey(), """
                {"batch":[{"type":"track","userId":"x","event":"ok","messageId":"never-%1$s"},{"type":"track","event":"no identity"}]}""".formatted(run));
        assertThat(invalid.statusCode()).isEqualTo(400);
        assertThat(invalid.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        JsonNode problem = JSON.readTree(invalid.body());
        assertThat(problem.get("field").asText()).isEqualTo("/batch/1/userId");
        assertThat(problem.get("index").asInt()).isEqualTo(1);
        assertThat(post("/v1/track", "wk_unknown", "{\"userId\":\"x\",\"event\":\"e\"}").statusCode()).isEqualTo(401);
        assertThat(post("/v1/track", null, "{\"userId\":\"x\",\"event\":\"e\"}").statusCode()).isEqualTo(401);
        String big = "x".repeat(40 * 1024);
        assertThat(post("/v1/track", project.writeKey(), "{\"userId\":\"x\",\"event\":\"e\",\"properties\":{\"blob\":\"" + big + "\"}}").statusCode())
                .isEqualTo(413);

        awaitRows("select count(*) from events where project_id = ? and (user_id = ? or anonymous_id = ?)",
                List.of(project.projectId(), "u-" + run, "a-" + run), 5);
        try (Connection trino = trino()) {
            assertThat(queryLong(trino, "select count(*) from events where project_id = ? and message_id = ?", project.projectId(), "single-" + run)).isEqualTo(1);
            assertThat(queryLong(trino, "select count(*) from events where project_id = ? and message_id = ?", project.projectId(), "batch2-" + run)).isEqualTo(1);
            assertThat(queryLong(trino, "select count(*) from events where message_id = ?", "never-" + run)).isZero();
            assertThat(queryString(trino, "select source from events where message_id = ?", "single-" + run)).isEqualTo("web");
            assertThat(queryString(trino, "select json_extract_scalar(properties, '$.category') from events where message_id = ?", "single-" + run))
                    .isEqualTo("shoes");
            assertThat(queryString(trino, "select json_extract_scalar(context, '$.app.name') from events where message_id = ?", "batch2-" + run))
                    .isEqualTo("shop");
            assertThat(queryString(trino, "select json_extract_scalar(context, '$.locale') from events where message_id = ?", "batch2-" + run))
                    .isEqualTo("fr-FR");
            assertThat(queryString(trino, "select type from events where message_id = ?", "gzip-" + run)).isEqualTo("screen");
            Instant corrected = queryTimestamp(trino, "select \"timestamp\" from events where message_id = ?", "skew-" + run);
            assertThat(Duration.between(now, corrected).abs()).isLessThan(Duration.ofSeconds(60));
            Instant original = queryTimestamp(trino, "select original_timestamp from events where message_id = ?", "skew-" + run);
            assertThat(Duration.between(now.plusSeconds(3600 - 30), original).abs()).isLessThan(Duration.ofSeconds(1));
            // project isolation: the event sent with the other project's key belongs to that project only
            awaitRows("select count(*) from events where message_id = ?", List.of("spoof-" + run), 1);
            assertThat(queryString(trino, "select project_id from events where message_id = ?", "spoof-" + run)).isEqualTo(otherProject.projectId());
            assertThat(queryLong(trino, "select count(*) from events where project_id = ? and user_id = ?", otherProject.projectId(), "u-" + run)).isEqualTo(1);
        }
    }

    @Test
    @Order(2)
    void malformedRecordsFromAnotherProducerGoToDeadLetters() throws Exception {
        String marker = "garbage-" + UUID.randomUUID();
        Properties properties = new Properties();
        properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.config().kafkaBootstrap());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(properties, new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(Kafka.RAW_TOPIC, "k", "{not json " + marker)).get(30, TimeUnit.SECONDS);
            producer.send(new ProducerRecord<>(Kafka.RAW_TOPIC, "k", """
                    {"type":"track","event":"x","projectId":"%s","messageId":"%s","receivedAt":"2026-11-23T10:00:00Z"}"""
                    .formatted(project.projectId(), marker))).get(30, TimeUnit.SECONDS);
        }
        awaitRows("select count(*) from rejected_events where strpos(payload, ?) > 0", List.of(marker), 2);
        try (Connection trino = trino()) {
            assertThat(queryString(trino, "select field from rejected_events where message_id = ?", marker)).isEqualTo("/userId");
            assertThat(queryString(trino, "select project_id from rejected_events where message_id = ?", marker)).isEqualTo(project.projectId());
            assertThat(queryString(trino, "select reason from rejected_events where strpos(payload, ?) > 0 and message_id is null", marker))
                    .contains("not valid JSON");
        }
        Properties consumerProperties = new Properties();
        consumerProperties.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.config().kafkaBootstrap());
        consumerProperties.put(ConsumerConfig.GROUP_ID_CONFIG, "it-" + marker);
        consumerProperties.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerProperties, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(Kafka.DEAD_LETTER_TOPIC));
            List<String> seen = new ArrayList<>();
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
                    if (record.value().contains(marker)) {
                        seen.add(record.value());
                    }
                }
                return seen.size() >= 2;
            });
            assertThat(JSON.readTree(seen.get(0)).get("reason").asText()).isNotBlank();
        }
    }

    @Test
    @Order(3)
    void unmodifiedSegmentNodeSdkSendsToTheStack() throws Exception {
        Path script = Path.of(System.getProperty("sillage.home", "../..")).toAbsolutePath().resolve("infra/stack/src/test/node/segment-e2e");
        run(List.of("npm", "ci", "--no-audit", "--no-fund"), script, Map.of());
        String run = UUID.randomUUID().toString().substring(0, 8);
        run(List.of("node", "send.mjs"), script, Map.of("SILLAGE_HOST", stack.config().apiUrl(), "WRITE_KEY", project.writeKey(), "RUN_ID", run));
        awaitRows("select count(*) from events where project_id = ? and (user_id = ? or anonymous_id = ?)",
                List.of(project.projectId(), "sdk-user-" + run, "sdk-anon-" + run), 4);
        try (Connection trino = trino()) {
            assertThat(queryString(trino, "select json_extract_scalar(traits, '$.email') from events where type = 'identify' and user_id = ?", "sdk-user-" + run))
                    .isEqualTo(run + "@example.com");
            assertThat(queryString(trino, "select json_extract_scalar(context, '$.library.name') from events where user_id = ? and type = 'track'", "sdk-user-" + run))
                    .isEqualTo("@segment/analytics-node");
        }
    }

    @Test
    @Order(4)
    void twoDevicesBecomeOneProfileSeenThroughTheApiAndTrino() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String web = "web-" + run;
        String app = "app-" + run;
        String user = "42-" + run;
        String email = "jane." + run + "@example.com";
        // browsing anonymously on the web, then the app, where the person logs in; then the web login
        assertThat(post("/v1/track", project.writeKey(), """
                {"anonymousId":"%s","event":"Product Added","properties":{"cart_id":"c-%s","category":"shoes"}}""".formatted(web, run)).statusCode()).isEqualTo(200);
        assertThat(post("/v1/track", project.writeKey(), """
                {"anonymousId":"%s","event":"Application Opened"}""".formatted(app)).statusCode()).isEqualTo(200);
        assertThat(post("/v1/identify", project.writeKey(), """
                {"anonymousId":"%s","userId":"%s","traits":{"email":"%s ","first_name":"Jane","email_subscribe":"opted_in"}}"""
                .formatted(app, user, email.toUpperCase(java.util.Locale.ROOT).replace("@EXAMPLE.COM", "@Example.com"))).statusCode()).isEqualTo(200);
        assertThat(post("/v1/track", project.writeKey(), """
                {"userId":"%s","event":"Order Completed","properties":{"order_id":"o-%s","revenue":30.5,"currency":"EUR"}}""".formatted(user, run)).statusCode()).isEqualTo(200);
        assertThat(post("/v1/identify", project.writeKey(), """
                {"anonymousId":"%s","userId":"%s"}""".formatted(web, user)).statusCode()).isEqualTo(200);
        // the same user id in another project is another person
        assertThat(post("/v1/identify", otherProject.writeKey(), """
                {"anonymousId":"other-%s","userId":"%s","traits":{"first_name":"Not Jane"}}""".formatted(run, user)).statusCode()).isEqualTo(200);

        JsonNode profile = awaitProfile(project.apiKey(), "email:" + email.toUpperCase(java.util.Locale.ROOT) + " ",
                found -> found.at("/computed/eventCount").asLong() == 5 && found.get("identifiers").size() == 4);
        String profileId = profile.get("profileId").textValue();
        assertThat(profile.get("lookedUpBy").textValue()).isEqualTo("email:" + email);
        assertThat(profile.get("identifiers")).extracting(identifier -> identifier.get("type").textValue() + ":" + identifier.get("value").textValue())
                .containsExactlyInAnyOrder("anonymous_id:" + web, "anonymous_id:" + app, "user_id:" + user, "email:" + email);
        assertThat(profile.at("/traits/first_name").textValue()).isEqualTo("Jane");
        assertThat(profile.at("/computed/orderCount").asLong()).isEqualTo(1);
        assertThat(profile.at("/computed/revenue").asDouble()).isEqualTo(30.5);
        assertThat(profile.get("subscriptions")).anySatisfy(subscription -> {
            assertThat(subscription.get("channel").textValue()).isEqualTo("email");
            assertThat(subscription.get("status").textValue()).isEqualTo("opted_in");
        });
        assertThat(profile.get("merges")).isNotEmpty();
        for (String identifier : List.of("anonymous_id:" + web, "anonymous_id:" + app, "user_id:" + user)) {
            assertThat(getJson("/api/v1/profiles/" + identifier, project.apiKey(), 200).get("profileId").textValue()).isEqualTo(profileId);
        }
        // another project's key never sees it; its own profile for the same user id is another one
        getJson("/api/v1/profiles/anonymous_id:" + web, otherProject.apiKey(), 404);
        JsonNode other = awaitProfile(otherProject.apiKey(), "user_id:" + user, found -> true);
        assertThat(other.get("profileId").textValue()).isNotEqualTo(profileId);
        assertThat(other.at("/traits/first_name").textValue()).isEqualTo("Not Jane");
        assertThat(getJson("/api/v1/profiles/" + user, project.apiKey(), 400).get("detail").textValue()).contains("no type");

        // the event history, newest first, in pages, with the web cart sent before any login
        List<String> names = new ArrayList<>();
        String next = "/api/v1/profiles/user_id:" + user + "/events?limit=2";
        await().atMost(ROWS_DEADLINE).pollInterval(Duration.ofSeconds(1)).until(() ->
                getJson("/api/v1/profiles/user_id:" + user + "/events?limit=10", project.apiKey(), 200).get("data").size() == 5);
        while (next != null) {
            HttpResponse<String> page = get(next, project.apiKey());
            assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
            JsonNode body = JSON.readTree(page.body());
            body.get("data").forEach(event -> names.add(event.get("type").textValue() + ":" + event.path("event").asText("")));
            next = page.headers().firstValue("Link").map(link -> link.substring(1, link.indexOf('>'))).orElse(null);
            assertThat(body.get("next").isNull()).isEqualTo(next == null);
        }
        assertThat(names).containsExactly("identify:", "track:Order Completed", "identify:", "track:Application Opened", "track:Product Added");

        // analysts: identities, attribution of the early events, merges, and the profiles view
        try (Connection trino = trino()) {
            awaitRows("select count(*) from profile_events where profile_id = ?", List.of(profileId), 5);
            assertThat(queryString(trino, "select profile_id from identities where project_id = ? and identifier = ?", project.projectId(), "anonymous_id:" + web))
                    .isEqualTo(profileId);
            assertThat(queryLong(trino, "select count(*) from profile_events where profile_id = ? and event = 'Product Added'", profileId)).isEqualTo(1);
            assertThat(queryLong(trino, "select count(*) from profile_merges where project_id = ? and into_profile_id = ? and decision = 'merged'",
                    project.projectId(), profileId)).isPositive();
            assertThat(queryLong(trino, "select event_count from profiles where profile_id = ?", profileId)).isEqualTo(5);
            // a look-up of one profile skips the change files that do not hold it: each carries a Bloom filter
            assertProfileBloomFilters(trino, "profile_changes", profileId);
            assertNoStatistics(trino, "events", "properties");
            assertNoStatistics(trino, "profile_changes", "traits");

            // the same version written twice (a snapshot repeated after a restore) is still one profile: the later wins
            try (PreparedStatement repeat = trino.prepareStatement("insert into profile_changes select " + LakehouseViews.PROFILE_COLUMNS.replace("changed_at", "changed_at + interval '1' second")
                    + ", window_start from profile_changes where profile_id = ? order by version desc, changed_at desc limit 1")) {
                repeat.setString(1, profileId);
                assertThat(repeat.executeUpdate()).isEqualTo(1);
            }
            assertThat(queryLong(trino, "select count(*) from profiles where profile_id = ?", profileId)).isEqualTo(1);
            assertThat(queryLong(trino, "select count(*) from profile_changes where profile_id = ? and changed_at = (select changed_at from profiles where profile_id = ?)",
                    profileId, profileId)).as("the later of the two").isEqualTo(1);

            // a fold started while another holds the lock does nothing and says so
            ProfileFold foldAll = new ProfileFold(Duration.ofMinutes(5), Duration.ofMinutes(-5), 0);
            try (Connection catalogDatabase = DriverManager.getConnection(stack.lakehouseConfig().jdbcUrl(), stack.lakehouseConfig().jdbcUser(),
                    stack.lakehouseConfig().jdbcPassword());
                 PreparedStatement lock = catalogDatabase.prepareStatement("select pg_advisory_lock(?)")) {
                lock.setLong(1, ProfileFold.LOCK_KEY);
                lock.execute();
                assertThatThrownBy(() -> foldAll.run(trino, stack.lakehouseConfig(), Instant.now(), Duration.ofSeconds(1)))
                        .isInstanceOf(ProfileFold.FoldRunning.class).hasMessageContaining("Another profile fold is running");
            }

            // folding the change log into profiles_base changes nothing an analyst sees
            ProfileFold.Result fold = foldAll.run(trino, stack.lakehouseConfig(), Instant.now(), Duration.ofMinutes(5));
            assertThat(fold.changesFolded()).isPositive();
            assertThat(fold.bucketsRewritten()).isPositive();
            assertThat(queryLong(trino, "select count(*) from information_schema.tables where table_schema = 'cdp' and table_name like '%fold%'"))
                    .as("the fold's staging tables are gone").isZero();
            assertThat(queryLong(trino, "select count(*) from profile_changes where profile_id = ?", profileId)).isZero();
            assertThat(queryLong(trino, "select event_count from profiles_base where profile_id = ?", profileId)).isEqualTo(5);
            assertProfileBloomFilters(trino, "profiles_base", profileId);
            assertThat(queryLong(trino, "select event_count from profiles where profile_id = ?", profileId)).isEqualTo(5);
            assertThat(queryLong(trino, "select count(*) from profiles where profile_id = ?", profileId)).isEqualTo(1);
            assertThat(queryString(trino, "select profile_id from identities where project_id = ? and identifier = ?", project.projectId(), "email:" + email))
                    .isEqualTo(profileId);
        }

        // a subscription change through the API reaches the profile, with its evidence
        HttpResponse<String> change = put("/api/v1/profiles/email:" + email + "/subscriptions", project.apiKey(),
                "{\"subscriptions\":[{\"channel\":\"email\",\"status\":\"unsubscribed\"}]}");
        assertThat(change.statusCode()).as(change.body()).isEqualTo(202);
        JsonNode unsubscribed = awaitProfile(project.apiKey(), "user_id:" + user, found -> {
            for (JsonNode subscription : found.get("subscriptions")) {
                if (subscription.get("channel").textValue().equals("email") && subscription.get("topic").isNull()) {
                    return subscription.get("status").textValue().equals("unsubscribed");
                }
            }
            return false;
        });
        assertThat(unsubscribed.get("profileId").textValue()).isEqualTo(profileId);

        // a second fold replaces the bucket's files in profiles_base with the newer version
        try (Connection trino = trino()) {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> queryLong(trino,
                    "select count(*) from profile_changes where profile_id = ? and subscriptions like '%unsubscribed%'", profileId) > 0);
            ProfileFold.Result fold = new ProfileFold(Duration.ofMinutes(5), Duration.ofMinutes(-5), 0).run(trino, stack.lakehouseConfig(), Instant.now(), Duration.ofMinutes(5));
            assertThat(fold.bucketsRewritten()).isPositive();
            assertThat(queryLong(trino, "select count(*) from profiles_base where profile_id = ? and subscriptions like '%unsubscribed%'", profileId)).isEqualTo(1);
            assertThat(queryLong(trino, "select count(*) from profiles where profile_id = ?", profileId)).isEqualTo(1);
            assertThat(queryLong(trino, "select max(files) from (select count(distinct \"$path\") as files from profiles_base group by \"$partition\")"))
                    .as("one file per bucket: a bucket's files are replaced, not added to").isEqualTo(1);
        }
    }

    @Test
    @Order(5)
    void aSharedDeviceNeverMergesTwoUsers() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String kiosk = "kiosk-" + run;
        assertThat(post("/v1/identify", project.writeKey(), """
                {"anonymousId":"%s","userId":"first-%s","traits":{"first_name":"First"}}""".formatted(kiosk, run)).statusCode()).isEqualTo(200);
        JsonNode first = awaitProfile(project.apiKey(), "user_id:first-" + run, found -> found.get("identifiers").size() == 2);
        assertThat(post("/v1/identify", project.writeKey(), """
                {"anonymousId":"%s","userId":"second-%s","traits":{"first_name":"Second"}}""".formatted(kiosk, run)).statusCode()).isEqualTo(200);
        JsonNode second = awaitProfile(project.apiKey(), "user_id:second-" + run, found -> found.at("/computed/eventCount").asLong() == 1);
        assertThat(second.get("profileId").textValue()).isNotEqualTo(first.get("profileId").textValue());
        assertThat(second.at("/traits/first_name").textValue()).isEqualTo("Second");
        try (Connection trino = trino()) {
            awaitRows("select count(*) from profile_merges where project_id = ? and identifier = ? and decision = 'refused'",
                    List.of(project.projectId(), "anonymous_id:" + kiosk), 1);
            assertThat(queryString(trino, "select rule from profile_merges where project_id = ? and identifier = ? and decision = 'refused'",
                    project.projectId(), "anonymous_id:" + kiosk)).isEqualTo("at most 1 user_id per profile");
        }
        // the device stays with the first user; the second user's profile keeps only its own id
        assertThat(getJson("/api/v1/profiles/anonymous_id:" + kiosk, project.apiKey(), 200).get("profileId").textValue())
                .isEqualTo(first.get("profileId").textValue());
        JsonNode settled = awaitProfile(project.apiKey(), "user_id:second-" + run, found -> found.get("identifiers").size() == 1);
        assertThat(settled.at("/identifiers/0/value").textValue()).isEqualTo("second-" + run);
        assertThat(getJson("/api/v1/profiles/user_id:first-" + run, project.apiKey(), 200).at("/traits/first_name").textValue()).isEqualTo("First");
    }

    @Test
    @Order(6)
    void killingFlinkMidStreamLosesAndDuplicatesNothing() throws Exception {
        String run = "crash-" + UUID.randomUUID().toString().substring(0, 8);
        Set<String> accepted = java.util.Collections.synchronizedSet(new HashSet<>());
        AtomicBoolean sending = new AtomicBoolean(true);
        Thread sender = new Thread(() -> {
            int batchNumber = 0;
            String previous = null;
            while (sending.get()) {
                // every fifth request resends the previous batch, as a client retrying after a timeout would
                boolean retry = previous != null && batchNumber % 5 == 4;
                int numbered = retry ? batchNumber - 1 : batchNumber;
                ArrayNode batch = JSON.createArrayNode();
                List<String> ids = new ArrayList<>();
                for (int i = 0; i < 50; i++) {
                    String id = run + "-" + numbered + "-" + i;
                    ids.add(id);
                    batch.add(JSON.createObjectNode().put("type", "track").put("event", "Crash Test").put("userId", run).put("messageId", id));
                }
                ObjectNode body = JSON.createObjectNode();
                body.set("batch", batch);
                previous = body.toString();
                try {
                    if (post("/v1/batch", project.writeKey(), previous).statusCode() == 200) {
                        accepted.addAll(ids);
                    }
                }
                catch (Exception e) {
                    // not acknowledged: not counted
                }
                batchNumber++;
            }
        }, "crash-test-sender");
        sender.start();
        await().atMost(Duration.ofSeconds(30)).until(() -> accepted.size() >= 2000);
        // let a checkpoint or two complete, then crash in the middle of the stream
        Thread.sleep(3000);
        stack.flink().kill();
        assertThat(stack.flink().isRunning()).isFalse();
        await().atMost(Duration.ofSeconds(10)).until(() -> accepted.size() >= 4000);
        stack.flink().start();
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.readString(stack.flink().logFile()).contains("restoring"));
        // a client retry, after the restart, of a batch committed before the crash: the restored dedup state drops it
        ArrayNode early = JSON.createArrayNode();
        for (int i = 0; i < 50; i++) {
            early.add(JSON.createObjectNode().put("type", "track").put("event", "Crash Test").put("userId", run).put("messageId", run + "-0-" + i));
        }
        ObjectNode retry = JSON.createObjectNode();
        retry.set("batch", early);
        assertThat(post("/v1/batch", project.writeKey(), retry.toString()).statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(20)).until(() -> accepted.size() >= 6000);
        sending.set(false);
        sender.join();

        int expected = accepted.size();
        awaitRows("select count(distinct message_id) from events where project_id = ? and user_id = ?", List.of(project.projectId(), run), expected);
        try (Connection trino = trino()) {
            assertThat(queryLong(trino, "select count(*) from events where project_id = ? and user_id = ?", project.projectId(), run)).isEqualTo(expected);
            assertThat(queryLong(trino, "select count(distinct message_id) from events where project_id = ? and user_id = ?", project.projectId(), run))
                    .isEqualTo(expected);
        }
        // the profile counted each accepted event once, through the crash
        awaitProfile(project.apiKey(), "user_id:" + run, found -> found.at("/computed/eventCount").asLong() >= expected);
        assertThat(getJson("/api/v1/profiles/user_id:" + run, project.apiKey(), 200).at("/computed/eventCount").asLong()).isEqualTo(expected);
    }

    @Test
    @Order(7)
    void abandonedCartRemindersFireOnlyForCartsNobodyBought() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String automationId = createActiveCartAutomation(run, "10s");

        // A: subscribed, leaves cart a. B: buys cart b. C: adds cart c on the web anonymously, logs in on the app,
        // then on the web, and buys cart c on the app. D: not subscribed. E: a category the automation ignores.
        identify("a-" + run, null, "a." + run + "@example.com", "subscribed");
        identify("b-" + run, null, "b." + run + "@example.com", "subscribed");
        identify("d-" + run, null, "d." + run + "@example.com", "unsubscribed");
        identify("e-" + run, null, "e." + run + "@example.com", "subscribed");
        track("{\"userId\":\"a-%s\",\"event\":\"Product Added\",\"messageId\":\"add-a-%s\",\"properties\":{\"cart_id\":\"a-%s\",\"category\":\"shoes\"}}".formatted(run, run, run));
        track("{\"userId\":\"b-%s\",\"event\":\"Product Added\",\"messageId\":\"add-b-%s\",\"properties\":{\"cart_id\":\"b-%s\",\"category\":\"bags\"}}".formatted(run, run, run));
        track("{\"anonymousId\":\"web-c-%s\",\"event\":\"Product Added\",\"messageId\":\"add-c-%s\",\"properties\":{\"cart_id\":\"c-%s\",\"category\":\"shoes\"}}".formatted(run, run, run));
        track("{\"userId\":\"d-%s\",\"event\":\"Product Added\",\"messageId\":\"add-d-%s\",\"properties\":{\"cart_id\":\"d-%s\",\"category\":\"shoes\"}}".formatted(run, run, run));
        track("{\"userId\":\"e-%s\",\"event\":\"Product Added\",\"messageId\":\"add-e-%s\",\"properties\":{\"cart_id\":\"e-%s\",\"category\":\"hats\"}}".formatted(run, run, run));
        track("{\"userId\":\"b-%s\",\"event\":\"Order Completed\",\"properties\":{\"cart_id\":\"b-%s\",\"order_id\":\"ob-%s\",\"revenue\":10}}".formatted(run, run, run));
        identify("c-" + run, "app-c-" + run, "c." + run + "@example.com", "subscribed");
        identify("c-" + run, "web-c-" + run, null, null);
        awaitProfile(project.apiKey(), "anonymous_id:web-c-" + run, found -> found.get("identifiers").size() == 4);
        track("{\"userId\":\"c-%s\",\"context\":{\"device\":{\"id\":\"phone-c\"}},\"event\":\"Order Completed\",\"properties\":{\"cart_id\":\"c-%s\",\"order_id\":\"oc-%s\",\"revenue\":20}}".formatted(run, run, run));

        awaitRows("select count(*) from automation_runs where project_id = ? and automation_id = ? and step in ('fired', 'cancelled', 'suppressed')"
                + " and instance_id not like 'probe-%'", List.of(project.projectId(), automationId), 4);
        try (Connection trino = trino()) {
            assertThat(steps(trino, automationId)).containsExactlyInAnyOrder(
                    "add-a-" + run + " entered", "add-a-" + run + " fired",
                    "add-b-" + run + " entered", "add-b-" + run + " cancelled Order Completed",
                    "add-c-" + run + " entered", "add-c-" + run + " cancelled Order Completed",
                    "add-d-" + run + " entered", "add-d-" + run + " suppressed audience");
        }
        List<JsonNode> requests = activationRequests(automationId, Duration.ofSeconds(5));
        assertThat(requests).singleElement().satisfies(request -> {
            assertThat(request.get("idempotencyKey").textValue()).isEqualTo(automationId + ":v1:add-a-" + run);
            assertThat(request.at("/action/channel").textValue()).isEqualTo("email");
            assertThat(request.at("/entry/properties/cart_id").textValue()).isEqualTo("a-" + run);
            assertThat(request.get("identifier").textValue()).isEqualTo("user_id:a-" + run);
        });
    }

    @Test
    @Order(8)
    void aReminderWaitingThroughAFlinkCrashFiresExactlyOnce() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String automationId = createActiveCartAutomation(run, "40s");
        identify("k-" + run, null, "k." + run + "@example.com", "subscribed");
        track("{\"userId\":\"k-%s\",\"event\":\"Product Added\",\"messageId\":\"add-k-%s\",\"properties\":{\"cart_id\":\"k-%s\",\"category\":\"shoes\"}}".formatted(run, run, run));
        // entered is committed to Iceberg with a checkpoint: the waiting instance is in checkpointed state
        awaitRows("select count(*) from automation_runs where project_id = ? and automation_id = ? and instance_id = ? and step = 'entered'",
                List.of(project.projectId(), automationId, "add-k-" + run), 1);
        stack.flink().kill();
        stack.flink().start();
        awaitRows("select count(*) from automation_runs where project_id = ? and automation_id = ? and step = 'fired'",
                List.of(project.projectId(), automationId), 1);
        assertThat(activationRequests(automationId, Duration.ofSeconds(10))).as("one request, not lost and not repeated after the restart").hasSize(1);
        try (Connection trino = trino()) {
            assertThat(steps(trino, automationId)).containsExactlyInAnyOrder("add-k-" + run + " entered", "add-k-" + run + " fired");
        }
    }

    @Test
    @Order(9)
    void relativeWaitsGraceCappingAndAudiencesDecideEachSend() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String bookings = createActiveAutomation("""
                {"name":"Booking reminder %s","entry":{"event":"Booking Confirmed"},
                 "wait":{"type":"relative","property":"booking_date","offset":"-3s","maxLateness":"1m","ifPast":"skip"},
                 "reentry":{"mode":"parallel","key":"booking_id"},"audience":"transactional","action":{"channel":"email","template":"booking-reminder"}}""".formatted(run),
                "{\"booking_id\":\"probe\"}");
        String coupons = createActiveAutomation("""
                {"name":"Coupon %s","entry":{"event":"Coupon Claimed"},"gracePeriod":"1h","audience":"marketing",
                 "action":{"channel":"email","template":"coupon"}}""".formatted(run), "{}");
        String invoices = createActiveAutomation("""
                {"name":"Invoice %s","entry":{"event":"Invoice Issued"},"reentry":{"mode":"parallel","key":"invoice_id"},
                 "capping":{"max":2,"window":"1h"},"audience":"transactional","action":{"channel":"email","template":"invoice"}}""".formatted(run),
                "{\"invoice_id\":\"probe\"}");
        // R books; G is subscribed; U has an email address but unsubscribed; N has no address at all
        identify("r-" + run, null, "r." + run + "@example.com", null);
        identify("g-" + run, null, "g." + run + "@example.com", "subscribed");
        identify("u-" + run, null, "u." + run + "@example.com", "unsubscribed");
        identify("n-" + run, null, null, null);
        for (String person : List.of("r", "g", "u")) {
            awaitProfile(project.apiKey(), "user_id:" + person + "-" + run, found -> found.path("identifiers").findValuesAsText("type").contains("email"));
        }
        awaitProfile(project.apiKey(), "user_id:n-" + run, found -> true);

        // relative to the booking date minus 3 s: due in 10 s; a booking already 2 h past; a booking without a date
        Instant bookingDate = Instant.now().plusSeconds(13).truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        track(event("r", run, "Booking Confirmed", "bk-soon-" + run, "{\"booking_id\":\"1\",\"booking_date\":\"" + bookingDate + "\"}"));
        track(event("r", run, "Booking Confirmed", "bk-past-" + run, "{\"booking_id\":\"2\",\"booking_date\":\"" + Instant.now().minusSeconds(7200) + "\"}"));
        track(event("r", run, "Booking Confirmed", "bk-none-" + run, "{\"booking_id\":\"3\"}"));
        // grace: G claims twice, one coupon; marketing: U never gets one
        track(event("g", run, "Coupon Claimed", "cp-g1-" + run, "{}"));
        track(event("g", run, "Coupon Claimed", "cp-g2-" + run, "{}"));
        track(event("u", run, "Coupon Claimed", "cp-u-" + run, "{}"));
        // capping: three invoices for G, two sent; transactional: U gets one, N cannot be reached
        for (int i = 1; i <= 3; i++) {
            track(event("g", run, "Invoice Issued", "inv-g" + i + "-" + run, "{\"invoice_id\":\"" + i + "\"}"));
        }
        track(event("u", run, "Invoice Issued", "inv-u-" + run, "{\"invoice_id\":\"u\"}"));
        track(event("n", run, "Invoice Issued", "inv-n-" + run, "{\"invoice_id\":\"n\"}"));

        String decided = "select count(*) from automation_runs where project_id = ? and automation_id = ? and step in ('fired', 'suppressed')"
                + " and instance_id not like 'probe-%'";
        awaitRows(decided, List.of(project.projectId(), coupons), 3);
        awaitRows(decided, List.of(project.projectId(), invoices), 5);
        awaitRows(decided, List.of(project.projectId(), bookings), 3);
        try (Connection trino = trino()) {
            assertThat(steps(trino, bookings)).containsExactlyInAnyOrder(
                    "bk-soon-" + run + ":1 entered", "bk-soon-" + run + ":1 fired",
                    "bk-past-" + run + ":2 suppressed late", "bk-none-" + run + ":3 suppressed no_date");
            Instant waitingUntil = queryTimestamp(trino, "select waiting_until from automation_runs where project_id = ? and automation_id = ? and step = 'entered'"
                    + " and instance_id = ?", project.projectId(), bookings, "bk-soon-" + run + ":1");
            Instant fired = queryTimestamp(trino, "select occurred_at from automation_runs where project_id = ? and automation_id = ? and step = 'fired'"
                    + " and instance_id = ?", project.projectId(), bookings, "bk-soon-" + run + ":1");
            assertThat(waitingUntil).as("the booking date minus 3 s").isEqualTo(bookingDate.minusSeconds(3));
            assertThat(fired).as("fired at the send time, not before").isAfterOrEqualTo(waitingUntil).isBefore(waitingUntil.plusSeconds(30));

            List<String> couponSteps = steps(trino, coupons);
            assertThat(couponSteps).filteredOn(step -> step.startsWith("cp-g")).hasSize(4).isSubsetOf(
                    "cp-g1-" + run + " entered", "cp-g1-" + run + " fired", "cp-g1-" + run + " suppressed grace",
                    "cp-g2-" + run + " entered", "cp-g2-" + run + " fired", "cp-g2-" + run + " suppressed grace");
            assertThat(couponSteps).as("one coupon within the grace period").filteredOn(step -> step.endsWith(" fired")).hasSize(1);
            assertThat(couponSteps).filteredOn(step -> step.endsWith(" suppressed grace")).hasSize(1);
            assertThat(couponSteps).contains("cp-u-" + run + " suppressed audience");

            List<String> invoiceSteps = steps(trino, invoices);
            assertThat(invoiceSteps).as("two of G's three invoices within the cap").filteredOn(step -> step.startsWith("inv-g") && step.endsWith(" fired")).hasSize(2);
            assertThat(invoiceSteps).filteredOn(step -> step.startsWith("inv-g") && step.endsWith(" suppressed capping")).hasSize(1);
            assertThat(invoiceSteps).as("transactional: an unsubscribed address is reachable, a person without one is not")
                    .contains("inv-u-" + run + ":u fired", "inv-n-" + run + ":n suppressed audience");
        }
        assertThat(activationRequests(bookings, Duration.ofSeconds(3))).extracting(request -> request.get("idempotencyKey").textValue())
                .containsExactly(bookings + ":v1:bk-soon-" + run + ":1");
        assertThat(activationRequests(invoices, Duration.ofSeconds(3))).hasSize(3);
        assertThat(activationRequests(coupons, Duration.ofSeconds(3))).hasSize(1);
    }

    @Test
    @Order(10)
    void pausingAndEditingReachInstancesAlreadyWaiting() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String trials = createActiveAutomation("""
                {"name":"Trial %s","entry":{"event":"Trial Started"},"wait":{"type":"duration","duration":"20s"},
                 "audience":"transactional","action":{"channel":"email","template":"trial"}}""".formatted(run), "{}");
        String quotes = createActiveAutomation("""
                {"name":"Quote %s","entry":{"event":"Quote Requested"},"wait":{"type":"duration","duration":"20s"},
                 "reentry":{"mode":"parallel","key":"quote_id"},"audience":"transactional","action":{"channel":"email","template":"quote-v1"}}""".formatted(run),
                "{\"quote_id\":\"probe\"}");
        identify("p-" + run, null, "p." + run + "@example.com", null);
        awaitProfile(project.apiKey(), "user_id:p-" + run, found -> found.path("identifiers").findValuesAsText("type").contains("email"));
        track(event("p", run, "Trial Started", "tr-1-" + run, "{}"));
        track(event("p", run, "Quote Requested", "qt-1-" + run, "{\"quote_id\":\"1\"}"));
        String entered = "select count(*) from automation_runs where project_id = ? and automation_id = ? and instance_id = ? and step = 'entered'";
        awaitRows(entered, List.of(project.projectId(), trials, "tr-1-" + run), 1);
        awaitRows(entered, List.of(project.projectId(), quotes, "qt-1-" + run + ":1"), 1);

        // while both wait: pause one, and change the other's template
        HttpResponse<String> paused = send("POST", "/api/v1/automations/" + trials + "/pause", project.apiKey(), "");
        assertThat(paused.statusCode()).as(paused.body()).isEqualTo(200);
        JsonNode quote = getJson("/api/v1/automations/" + quotes, project.apiKey(), 200);
        ObjectNode edited = (ObjectNode) quote.get("definition");
        ((ObjectNode) edited.get("action")).put("template", "quote-v2");
        HttpResponse<String> put = put("/api/v1/automations/" + quotes, project.apiKey(), edited.toString());
        assertThat(put.statusCode()).as(put.body()).isEqualTo(200);

        awaitRows("select count(*) from automation_runs where project_id = ? and automation_id = ? and step = 'suppressed' and reason = 'paused'",
                List.of(project.projectId(), trials), 1);
        awaitRows("select count(*) from automation_runs where project_id = ? and automation_id = ? and step = 'fired'"
                + " and instance_id not like 'probe-%'", List.of(project.projectId(), quotes), 1);
        // after the pause: no new entries; after the edit: new entries run version 2
        track(event("p", run, "Trial Started", "tr-2-" + run, "{}"));
        track(event("p", run, "Quote Requested", "qt-2-" + run, "{\"quote_id\":\"2\"}"));
        awaitRows("select count(*) from automation_runs where project_id = ? and automation_id = ? and step = 'fired'"
                + " and instance_id not like 'probe-%'", List.of(project.projectId(), quotes), 2);

        List<JsonNode> requests = activationRequests(quotes, Duration.ofSeconds(3));
        assertThat(requests).extracting(request -> request.get("idempotencyKey").textValue() + " " + request.at("/action/template").textValue())
                .as("the waiting instance keeps its version in its key and sends with the edited template")
                .containsExactlyInAnyOrder(quotes + ":v1:qt-1-" + run + ":1 quote-v2", quotes + ":v2:qt-2-" + run + ":2 quote-v2");
        assertThat(activationRequests(trials, Duration.ofSeconds(1))).isEmpty();
        try (Connection trino = trino()) {
            assertThat(steps(trino, trials)).as("the paused automation sends nothing and takes no new entry")
                    .containsExactlyInAnyOrder("tr-1-" + run + " entered", "tr-1-" + run + " suppressed paused");
        }
    }

    @Test
    @Order(11)
    void theAbandonedCartEmailReachesSmtpPersonalizedAndOnlyWhereConsentAllows() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        useSmtpConnector(null);
        String reminderTemplate = createTemplate("""
                {"name":"Cart reminder RUN","channel":"email","email":{"from":"Shop <shop@example.com>",
                 "subject":"{{ profile.first_name | default: 'Hey' }}, your cart is waiting",
                 "html":"<p>Hello {{ profile.first_name | default: 'there' }}</p>{% if profile.loyalty_tier == 'gold' %}<p>Free shipping for gold members</p>{% endif %}<ul>{% for p in event.products %}<li>{{ p.name }}</li>{% endfor %}</ul><a href=\\"https://shop.example.com/cart/{{ event.cart_id }}\\">Back to your cart</a> <a href=\\"{{ message.unsubscribe_url }}\\">Unsubscribe</a>",
                 "text":"Hello {{ profile.first_name | default: 'there' }}, your cart {{ event.cart_id }} is waiting"}}""".replace("RUN", run));
        String confirmationTemplate = createTemplate("""
                {"name":"Order confirmation %s","channel":"email","email":{"from":"Shop <shop@example.com>",
                 "subject":"Order {{ event.order_id }} confirmed","text":"Thank you {{ profile.first_name | default: 'there' }}"}}""".formatted(run));
        // the automations name their templates by name
        String carts = createActiveAutomation("""
                {"name":"Cart email %s","entry":{"event":"Product Added"},"wait":{"type":"duration","duration":"4s"},
                 "cancel":[{"event":"Order Completed","match":"cart_id"}],"audience":"marketing",
                 "action":{"channel":"email","template":"Cart reminder %s"}}""".formatted(run, run), "{\"cart_id\":\"probe\"}");
        String confirmations = createActiveAutomation("""
                {"name":"Confirmation %s","entry":{"event":"Order Completed"},"wait":{"type":"none"},"audience":"transactional",
                 "action":{"channel":"email","template":"Order confirmation %s"}}""".formatted(run, run), "{\"order_id\":\"probe\"}");

        // A: subscribed gold member, leaves a cart. B: opted out, leaves a cart, then orders something else.
        // C: a hard-bounced address, orders.
        String a = "a." + run + "@example.com";
        String b = "b." + run + "@example.com";
        String c = "c." + run + "@example.com";
        identifyWithTraits("ma-" + run, "{\"email\":\"%s\",\"email_subscribe\":\"subscribed\",\"first_name\":\"Ann\",\"loyalty_tier\":\"gold\"}".formatted(a));
        identifyWithTraits("mb-" + run, "{\"email\":\"%s\",\"email_subscribe\":\"unsubscribed\",\"first_name\":\"Bob\"}".formatted(b));
        identifyWithTraits("mc-" + run, "{\"email\":\"%s\",\"email_subscribe\":\"bounced\",\"first_name\":\"Cy\"}".formatted(c));
        awaitProfile(project.apiKey(), "user_id:mc-" + run, found -> found.toString().contains("bounced"));
        track(event("ma", run, "Product Added", "m-add-a-" + run, "{\"cart_id\":\"ca-%s\",\"products\":[{\"name\":\"Red <b>boots</b>\"}]}".formatted(run)));
        track(event("mb", run, "Product Added", "m-add-b-" + run, "{\"cart_id\":\"cb-%s\",\"products\":[{\"name\":\"Bag\"}]}".formatted(run)));
        track(event("mb", run, "Order Completed", "m-order-b-" + run, "{\"cart_id\":\"other-%s\",\"order_id\":\"ob-%s\"}".formatted(run, run)));
        track(event("mc", run, "Order Completed", "m-order-c-" + run, "{\"cart_id\":\"cc-%s\",\"order_id\":\"oc-%s\"}".formatted(run, run)));

        awaitRows("select count(*) from messages where project_id = ? and source_id in (?, ?) and status in ('sent', 'suppressed', 'failed')"
                + " and idempotency_key not like '%probe-%'", List.of(project.projectId(), carts, confirmations), 3);
        List<MimeMessage> mails = awaitMails(2, a, b, c);
        assertThat(mails).extracting(mail -> mail.getAllRecipients()[0].toString()).as("A's reminder and B's confirmation; nothing for C's bounced address")
                .containsExactlyInAnyOrder(a, b);
        MimeMessage reminder = mails.stream().filter(mail -> recipient(mail).equals(a)).findFirst().orElseThrow();
        assertThat(reminder.getSubject()).isEqualTo("Ann, your cart is waiting");
        // the decoded HTML part: in the raw message, quoted-printable may break a line anywhere
        assertThat(htmlPart(reminder)).contains("Hello Ann", "Free shipping for gold members", "Red &lt;b&gt;boots&lt;/b&gt;", "ca-" + run);
        MimeMessage confirmation = mails.stream().filter(mail -> recipient(mail).equals(b)).findFirst().orElseThrow();
        assertThat(confirmation.getSubject()).as("transactional: sent despite the opt-out").isEqualTo("Order ob-" + run + " confirmed");

        assertThat(reminder.getHeader("List-Unsubscribe", null)).as("RFC 2369 header, to the signed unsubscribe link")
                .startsWith("<" + stack.config().apiUrl() + "/t/u/");

        // A opens the email, clicks back to the cart, and unsubscribes from the mail client (RFC 8058 one-click)
        String html = htmlPart(reminder);
        Matcher pixel = Pattern.compile("<img[^>]+src=\"(" + Pattern.quote(stack.config().apiUrl()) + "/t/o/[^\"]+)\"").matcher(html);
        assertThat(pixel.find()).as("an open pixel in %s", html).isTrue();
        HttpResponse<byte[]> gif = http.send(HttpRequest.newBuilder(URI.create(pixel.group(1))).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(gif.statusCode()).isEqualTo(200);
        assertThat(gif.headers().firstValue("Content-Type")).hasValue("image/gif");
        Matcher link = Pattern.compile("href=\"(" + Pattern.quote(stack.config().apiUrl()) + "/t/c/[^\"]+)\"").matcher(html);
        assertThat(link.find()).as("a tracked link in %s", html).isTrue();
        HttpResponse<String> click = http.send(HttpRequest.newBuilder(URI.create(link.group(1).replace("&amp;", "&"))).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(click.statusCode()).isEqualTo(302);
        assertThat(click.headers().firstValue("Location")).hasValue("https://shop.example.com/cart/ca-" + run);
        String unsubscribe = reminder.getHeader("List-Unsubscribe", null).replaceAll("^<|>$", "");
        HttpResponse<String> oneClick = http.send(HttpRequest.newBuilder(URI.create(unsubscribe)).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("List-Unsubscribe=One-Click")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(oneClick.statusCode()).as(oneClick.body()).isEqualTo(200);

        // they come back as events on A's profile, and as the message's statuses
        awaitProfile(project.apiKey(), "user_id:ma-" + run, found -> found.toString().contains("unsubscribed"));
        awaitRows("select count(*) from messages where project_id = ? and source_id = ? and status in ('opened', 'clicked', 'unsubscribed')",
                List.of(project.projectId(), carts), 3);
        await().atMost(ROWS_DEADLINE).pollInterval(Duration.ofSeconds(1)).until(() -> {
            HttpResponse<String> events = get("/api/v1/profiles/" + encode("user_id:ma-" + run) + "/events?limit=50", project.apiKey());
            return events.statusCode() == 200 && events.body().contains("Email Opened") && events.body().contains("Email Link Clicked")
                    && events.body().contains("Subscription Changed");
        });
        // and no marketing email follows: A's next cart is held back by the automation's audience
        track(event("ma", run, "Product Added", "m-add-a2-" + run, "{\"cart_id\":\"ca2-%s\",\"products\":[]}".formatted(run)));
        awaitRows("select count(*) from automation_runs where project_id = ? and automation_id = ? and instance_id = ? and step = 'suppressed'",
                List.of(project.projectId(), carts, "m-add-a2-" + run), 1);
        assertThat(mailsTo(List.of(a))).as("only the first reminder").hasSize(1);

        try (Connection trino = trino()) {
            Map<String, String> labels = Map.of(reminderTemplate, "reminder", confirmationTemplate, "confirmation");
            assertThat(messageStatuses(trino, carts, labels)).as("template ids recorded, though the automation named the template")
                    .containsExactlyInAnyOrder("reminder queued", "reminder sent", "reminder opened", "reminder clicked", "reminder unsubscribed");
            assertThat(messageStatuses(trino, confirmations, labels)).containsExactlyInAnyOrder(
                    "confirmation queued", "confirmation sent", "confirmation queued", "confirmation suppressed bounced");
            assertThat(steps(trino, carts)).as("B's cart reminder never reached messaging: the automation's marketing audience")
                    .contains("m-add-b-" + run + " suppressed audience");
        }
    }

    @Test
    @Order(12)
    void killingFlinkWhileEmailsGoOutSendsEachExactlyOnce() throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        // two emails a second: the batch is still going out when Flink is killed
        useSmtpConnector("{\"permits\": 2, \"per\": \"1s\"}");
        createTemplate("""
                {"name":"Receipt %s","channel":"email","email":{"from":"Shop <shop@example.com>","subject":"Receipt {{ event.invoice_id }}","text":"Paid"}}""".formatted(run));
        String receipts = createActiveAutomation("""
                {"name":"Receipts %s","entry":{"event":"Invoice Paid"},"wait":{"type":"none"},"audience":"transactional",
                 "reentry":{"mode":"parallel","key":"invoice_id"},"action":{"channel":"email","template":"Receipt %s"}}""".formatted(run, run),
                "{\"invoice_id\":\"probe\"}");
        int people = 24;
        List<String> addresses = new ArrayList<>();
        for (int i = 0; i < people; i++) {
            addresses.add("r" + i + "." + run + "@example.com");
            identifyWithTraits("r" + i + "-" + run, "{\"email\":\"%s\"}".formatted(addresses.get(i)));
        }
        awaitProfile(project.apiKey(), "user_id:r" + (people - 1) + "-" + run, found -> found.toString().contains(addresses.get(people - 1)));
        for (int i = 0; i < people; i++) {
            track(event("r" + i, run, "Invoice Paid", "inv-" + i + "-" + run, "{\"invoice_id\":\"i-%d-%s\"}".formatted(i, run)));
        }
        await().atMost(ROWS_DEADLINE).pollInterval(Duration.ofMillis(200)).until(() -> mailsTo(addresses).size() >= 4);
        stack.flink().kill();
        int beforeRestart = mailsTo(addresses).size();
        stack.flink().start();

        List<MimeMessage> mails = awaitMails(people, addresses.toArray(String[]::new));
        assertThat(beforeRestart).as("killed mid-batch").isLessThan(people);
        assertThat(mails).extracting(StackIT::recipient).as("every receipt once: none lost, none repeated after the restart")
                .containsExactlyInAnyOrderElementsOf(addresses);
        awaitRows("select count(distinct message_id) from messages where project_id = ? and source_id = ? and status = 'sent'"
                + " and idempotency_key not like '%probe-%'", List.of(project.projectId(), receipts), people);
    }

    /** Puts the project's email connector: SMTP to the test's GreenMail, with an optional rate limit. */
    private void useSmtpConnector(String rateLimit) throws Exception {
        HttpResponse<String> response = put("/api/v1/connectors/email", project.apiKey(), """
                {"config":{"type":"smtp","host":"127.0.0.1","port":%d,"tls":"none","from":"bounces@shop.example.com","timeout":"5s"%s}}"""
                .formatted(smtp.getSmtp().getPort(), rateLimit == null ? "" : ",\"rateLimit\":" + rateLimit));
        assertThat(response.statusCode()).as(response.body()).isIn(200, 201);
    }

    private String createTemplate(String definition) throws Exception {
        HttpResponse<String> created = send("POST", "/api/v1/templates", project.apiKey(), definition);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        return JSON.readTree(created.body()).get("id").textValue();
    }

    private void identifyWithTraits(String userId, String traits) throws Exception {
        String body = "{\"userId\":\"%s\",\"traits\":%s}".formatted(userId, traits);
        assertThat(post("/v1/identify", project.writeKey(), body).statusCode()).isEqualTo(200);
    }

    /** Mails received for these addresses, once {@code expected} of them arrived and 5 more seconds brought no other. */
    private List<MimeMessage> awaitMails(int expected, String... addresses) {
        List<String> wanted = List.of(addresses);
        await().atMost(ROWS_DEADLINE).pollInterval(Duration.ofMillis(500)).until(() -> mailsTo(wanted).size() >= expected);
        int[] seen = {mailsTo(wanted).size()};
        // a repeat would come from a replay after a checkpoint: give it two checkpoint intervals and more
        await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(30)).until(() -> mailsTo(wanted).size() == seen[0]);
        return mailsTo(wanted);
    }

    /** The decoded HTML part of a multipart/alternative email. */
    private static String htmlPart(MimeMessage mail) throws Exception {
        MimeMultipart parts = (MimeMultipart) mail.getContent();
        for (int i = 0; i < parts.getCount(); i++) {
            if (parts.getBodyPart(i).isMimeType("text/html")) {
                return (String) parts.getBodyPart(i).getContent();
            }
        }
        throw new AssertionError("no HTML part in " + GreenMailUtil.getWholeMessage(mail));
    }

    private List<MimeMessage> mailsTo(List<String> addresses) {
        return Arrays.stream(smtp.getReceivedMessages()).filter(mail -> addresses.contains(recipient(mail))).toList();
    }

    private static String recipient(MimeMessage mail) {
        try {
            return mail.getAllRecipients()[0].toString();
        }
        catch (jakarta.mail.MessagingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * "template status [reason]" of every messages row of the automation, probes excluded, with each template id shown
     * as its label (tracking rows carry no template: the message's other rows do).
     */
    private List<String> messageStatuses(Connection trino, String automationId, Map<String, String> templateLabels) throws SQLException {
        List<String> statuses = new ArrayList<>();
        try (ResultSet rows = query(trino, "select max(template_id) over (partition by message_id), status, reason from messages"
                + " where project_id = ? and source_id = ? and message_id not in (select message_id from messages where idempotency_key like '%probe-%')", project.projectId(), automationId)) {
            while (rows.next()) {
                statuses.add(templateLabels.getOrDefault(rows.getString(1), rows.getString(1)) + " " + rows.getString(2)
                        + (rows.getString(3) == null ? "" : " " + rows.getString(3)));
            }
        }
        return statuses;
    }

    private static String event(String person, String run, String name, String messageId, String properties) {
        return "{\"userId\":\"%s-%s\",\"event\":\"%s\",\"messageId\":\"%s\",\"properties\":%s}".formatted(person, run, name, messageId, properties);
    }

    /** Creates and activates an abandoned-cart automation, and waits until the pipeline enters people into it. */
    private String createActiveCartAutomation(String run, String wait) throws Exception {
        return createActiveAutomation("""
                {"name":"Abandoned cart %s","entry":{"event":"Product Added","filters":[{"property":"category","operator":"in","values":["shoes","bags"]}]},
                 "wait":{"type":"duration","duration":"%s"},"cancel":[{"event":"Order Completed","match":"cart_id"}],
                 "capping":{"max":4,"window":"7d"},"audience":"marketing","action":{"channel":"email","template":"abandoned-cart"}}""".formatted(run, wait),
                "{\"cart_id\":\"probe\",\"category\":\"shoes\"}");
    }

    /**
     * Creates and activates an automation, and waits until the pipeline records a run row for it: the definition
     * travels through Kafka to the running job, so probe entries (messageId {@code probe-...}, from people of their
     * own) are sent until one is recorded. {@code probeProperties} must pass the entry filters.
     */
    private String createActiveAutomation(String definition, String probeProperties) throws Exception {
        HttpResponse<String> created = send("POST", "/api/v1/automations", project.apiKey(), definition);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        JsonNode automation = JSON.readTree(created.body());
        String automationId = automation.get("id").textValue();
        HttpResponse<String> activated = send("POST", "/api/v1/automations/" + automationId + "/activate", project.apiKey(), "");
        assertThat(activated.statusCode()).as(activated.body()).isEqualTo(200);
        String entryEvent = automation.at("/definition/entry/event").textValue();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(3)).ignoreExceptions().until(() -> {
            ObjectNode probe = JSON.createObjectNode().put("userId", "probe-" + UUID.randomUUID()).put("event", entryEvent)
                    .put("messageId", "probe-" + UUID.randomUUID());
            probe.set("properties", JSON.readTree(probeProperties));
            track(probe.toString());
            try (Connection trino = trino()) {
                return queryLong(trino, "select count(*) from automation_runs where project_id = ? and automation_id = ?", project.projectId(), automationId) > 0;
            }
        });
        return automationId;
    }

    /** "instance step [reason]" of every run row of the automation, probes excluded. */
    private List<String> steps(Connection trino, String automationId) throws SQLException {
        List<String> steps = new ArrayList<>();
        try (ResultSet rows = query(trino, "select r.instance_id, r.step, r.reason from automation_runs r where r.project_id = ? and r.automation_id = ?"
                + " and r.instance_id not like 'probe-%'", project.projectId(), automationId)) {
            while (rows.next()) {
                steps.add(rows.getString(1) + " " + rows.getString(2) + (rows.getString(3) == null ? "" : " " + rows.getString(3)));
            }
        }
        return steps;
    }

    /** Activation requests of the automation committed to Kafka (read_committed), probes excluded, read for {@code quiet}. */
    private List<JsonNode> activationRequests(String automationId, Duration quiet) throws Exception {
        Properties properties = new Properties();
        properties.put("bootstrap.servers", stack.config().kafkaBootstrap());
        properties.put("isolation.level", "read_committed");
        properties.put("auto.offset.reset", "earliest");
        properties.put("group.id", "it-" + UUID.randomUUID());
        List<JsonNode> requests = new ArrayList<>();
        try (var consumer = new org.apache.kafka.clients.consumer.KafkaConsumer<>(properties,
                new org.apache.kafka.common.serialization.ByteArrayDeserializer(), new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
            consumer.subscribe(List.of(Kafka.ACTIVATIONS_TOPIC));
            long end = System.nanoTime() + quiet.toNanos();
            while (System.nanoTime() < end) {
                for (var record : consumer.poll(Duration.ofMillis(500))) {
                    JsonNode request = JSON.readTree(record.value());
                    if (automationId.equals(request.get("automationId").textValue()) && !request.at("/entry/messageId").asText().startsWith("probe-")) {
                        requests.add(request);
                    }
                }
            }
        }
        return requests;
    }

    private void identify(String userId, String anonymousId, String email, String emailSubscribe) throws Exception {
        ObjectNode body = JSON.createObjectNode().put("userId", userId);
        if (anonymousId != null) {
            body.put("anonymousId", anonymousId);
        }
        ObjectNode traits = body.putObject("traits");
        if (email != null) {
            traits.put("email", email);
        }
        if (emailSubscribe != null) {
            traits.put("email_subscribe", emailSubscribe);
        }
        assertThat(post("/v1/identify", project.writeKey(), body.toString()).statusCode()).isEqualTo(200);
    }

    private void track(String body) throws Exception {
        HttpResponse<String> response = post("/v1/track", project.writeKey(), body);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    }

    private HttpResponse<String> send(String method, String path, String apiKey, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(stack.config().apiUrl() + path)).header("Authorization", "Bearer " + apiKey)
                .header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode awaitProfile(String apiKey, String identifier, java.util.function.Predicate<JsonNode> condition) {
        JsonNode[] found = new JsonNode[1];
        await().atMost(ROWS_DEADLINE).pollInterval(Duration.ofMillis(500)).until(() -> {
            HttpResponse<String> response = get("/api/v1/profiles/" + encode(identifier), apiKey);
            if (response.statusCode() != 200) {
                return false;
            }
            found[0] = JSON.readTree(response.body());
            return condition.test(found[0]);
        });
        return found[0];
    }

    private JsonNode getJson(String path, String apiKey, int status) throws Exception {
        HttpResponse<String> response = get(path, apiKey);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        return JSON.readTree(response.body());
    }

    private HttpResponse<String> get(String path, String apiKey) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(stack.config().apiUrl() + path)).header("Authorization", "Bearer " + apiKey).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> put(String path, String apiKey, String body) throws Exception {
        return send("PUT", path, apiKey, body);
    }

    private static String encode(String identifier) {
        return java.net.URLEncoder.encode(identifier, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private void awaitRows(String sql, List<String> parameters, long expected) {
        await().atMost(ROWS_DEADLINE).pollInterval(Duration.ofSeconds(1)).ignoreExceptions().until(() -> {
            try (Connection trino = trino()) {
                return queryLong(trino, sql, parameters.toArray(String[]::new)) >= expected;
            }
        });
    }

    /**
     * Every data file of the table has a Bloom filter on {@code profile_id} in each row group: one of them may hold
     * {@code profileId}, and some rule out an id that was never written.
     */
    private static void assertProfileBloomFilters(Connection trino, String table, String profileId) throws Exception {
        List<String> files = new ArrayList<>();
        try (ResultSet rows = query(trino, "select file_path from \"" + table + "$files\"")) {
            while (rows.next()) {
                files.add(rows.getString(1));
            }
        }
        assertThat(files).as("data files of %s", table).isNotEmpty();
        String absent = "absent-" + UUID.randomUUID();
        boolean holds = false;
        boolean rulesOut = false;
        for (String file : files) {
            try (ParquetFileReader reader = openDataFile(file)) {
                for (BlockMetaData block : reader.getFooter().getBlocks()) {
                    ColumnChunkMetaData column = block.getColumns().stream()
                            .filter(chunk -> chunk.getPath().toDotString().equals("profile_id")).findFirst().orElseThrow();
                    BloomFilter filter = reader.readBloomFilter(column);
                    assertThat(filter).as("Bloom filter on profile_id in %s", file).isNotNull();
                    holds |= filter.findHash(filter.hash(Binary.fromString(profileId)));
                    rulesOut |= !filter.findHash(filter.hash(Binary.fromString(absent)));
                }
            }
        }
        assertThat(holds).as("a file of %s may hold %s", table, profileId).isTrue();
        assertThat(rulesOut).as("a file of %s rules out an id never written", table).isTrue();
    }

    /** The files of the table keep no min/max statistics for this JSON column, and do for {@code project_id}. */
    private static void assertNoStatistics(Connection trino, String table, String column) throws Exception {
        try (ResultSet rows = query(trino, "select file_path from \"" + table + "$files\" limit 5")) {
            assertThat(rows.next()).as("a data file of %s", table).isTrue();
            do {
                String file = rows.getString(1);
                try (ParquetFileReader reader = openDataFile(file)) {
                    for (BlockMetaData block : reader.getFooter().getBlocks()) {
                        for (ColumnChunkMetaData chunk : block.getColumns()) {
                            String name = chunk.getPath().toDotString();
                            if (name.equals(column)) {
                                assertThat(chunk.getStatistics().hasNonNullValue()).as("min/max of %s in %s", column, file).isFalse();
                            }
                            if (name.equals("project_id")) {
                                assertThat(chunk.getStatistics().hasNonNullValue()).as("min/max of project_id in %s", file).isTrue();
                            }
                        }
                    }
                }
            }
            while (rows.next());
        }
    }

    /** A data file of the local warehouse, by the path Iceberg lists it under. */
    private static ParquetFileReader openDataFile(String filePath) throws java.io.IOException {
        // not URI-decoded: Iceberg escapes partition values into the file names themselves (%3A stays %3A)
        return ParquetFileReader.open(new LocalInputFile(Path.of(filePath.replaceFirst("^file:(//)?", ""))));
    }

    private Connection trino() throws SQLException {
        return stack.trino().connect("it");
    }

    private static long queryLong(Connection connection, String sql, String... parameters) throws SQLException {
        try (ResultSet rows = query(connection, sql, parameters)) {
            assertThat(rows.next()).as("a row for %s", sql).isTrue();
            return rows.getLong(1);
        }
    }

    private static String queryString(Connection connection, String sql, String... parameters) throws SQLException {
        try (ResultSet rows = query(connection, sql, parameters)) {
            assertThat(rows.next()).as("a row for %s", sql).isTrue();
            return rows.getString(1);
        }
    }

    private static Instant queryTimestamp(Connection connection, String sql, String... parameters) throws SQLException {
        try (ResultSet rows = query(connection, sql, parameters)) {
            assertThat(rows.next()).as("a row for %s", sql).isTrue();
            return rows.getTimestamp(1).toInstant();
        }
    }

    private static ResultSet query(Connection connection, String sql, String... parameters) throws SQLException {
        PreparedStatement statement = connection.prepareStatement(sql);
        for (int i = 0; i < parameters.length; i++) {
            statement.setString(i + 1, parameters[i]);
        }
        statement.closeOnCompletion();
        return statement.executeQuery();
    }

    private HttpResponse<String> post(String path, String writeKey, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(stack.config().apiUrl() + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (writeKey != null) {
            request.header("Authorization", Http.basicAuth(writeKey));
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }


    private static byte[] gzip(String text) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(bytes)) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        }
        return bytes.toByteArray();
    }

    private static void run(List<String> command, Path directory, Map<String, String> environment) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true);
        builder.environment().putAll(environment);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(5, TimeUnit.MINUTES)).as("%s finished", command).isTrue();
        assertThat(process.exitValue()).as("%s exit code; output:%n%s", command, output).isZero();
    }
}
