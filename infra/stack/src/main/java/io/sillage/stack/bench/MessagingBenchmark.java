package io.sillage.stack.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import io.sillage.api.projects.ProjectCredentials;
import io.sillage.stack.Stack;
import io.sillage.stack.component.Kafka;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The messaging benchmark ({@code ./cdp bench messaging}), against the running stack, in a fresh project whose
 * email connector is SMTP to an {@link SmtpSink} and whose webhook connector posts to an HTTP server, both started
 * in this JVM on loopback. Activation requests (transactional, so consent and pressure caps play no part; one
 * person each) are written straight to {@code cdp.activations}, for people whose Profile View documents are written
 * straight to the serving store; the template is a realistic email (about 6 KB of HTML with a loop over products and
 * conditional blocks).
 *
 * <ol>
 *   <li>Warm-up, untimed: {@code warmup} emails (the JIT, the lanes' attempt times, the SMTP connections).</li>
 *   <li>Email: {@code messages} emails; throughput from the first to the last email received by the SMTP server.</li>
 *   <li>Isolation: the webhook receiver now answers after {@code slowDelay} (2 s); {@code messages} emails and a tenth
 *       as many webhooks, interleaved. The email throughput is compared with phase 1: a slow connector must not
 *       lower another's.</li>
 * </ol>
 */
public final class MessagingBenchmark {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Stack stack;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public MessagingBenchmark(Stack stack) {
        this.stack = stack;
    }

    public record Phase(long messages, Duration elapsed) {
        public double perSecond() {
            return messages * 1000.0 / Math.max(1, elapsed.toMillis());
        }
    }

    /**
     * {@code duplicates}: emails the SMTP server took twice (same {@code Message-ID}); the send log must keep it at 0.
     * {@code emailBytes}: the average size of an email as sent (headers and encoded parts).
     */
    public record Result(Phase email, Phase emailBesideSlowWebhook, long webhooksAnswered, int templateBytes, long duplicates, long emailBytes) {}

    public Result run(int messages, int warmup, Duration slowDelay) throws Exception {
        String run = Long.toString(System.currentTimeMillis(), 36);
        ProjectCredentials project = stack.createProject("bench-messaging-" + run, null);
        SmtpSink smtp = new SmtpSink();
        AtomicLong webhooks = new AtomicLong();
        AtomicLong delayMillis = new AtomicLong();
        HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.setExecutor(Executors.newFixedThreadPool(64));
        receiver.createContext("/hook", exchange -> {
            try {
                exchange.getRequestBody().readAllBytes();
                if (delayMillis.get() > 0) {
                    Thread.sleep(delayMillis.get());
                }
                webhooks.incrementAndGet();
                exchange.sendResponseHeaders(204, -1);
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            finally {
                exchange.close();
            }
        });
        receiver.start();
        try (KafkaProducer<byte[], byte[]> producer = Drain.producer(stack.config().kafkaBootstrap())) {
            api("PUT", "/api/v1/connectors/email", project, """
                    {"config":{"type":"smtp","host":"127.0.0.1","port":%d,"tls":"none","from":"bounces@bench.example.com",
                     "rateLimit":{"permits":1000000,"per":"1s"}}}""".formatted(smtp.port()));
            api("PUT", "/api/v1/connectors/webhook", project, """
                    {"config":{"type":"webhook","secret":"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw","rateLimit":{"permits":1000000,"per":"1s"}},
                     "url":"http://127.0.0.1:%d/hook"}""".formatted(receiver.getAddress().getPort()));
            String template = emailTemplate();
            api("POST", "/api/v1/templates", project, template);
            api("POST", "/api/v1/templates", project, """
                    {"name":"Bench hook","channel":"webhook","webhook":{"body":"{\\"person\\": \\"{{ profile.first_name }}\\", \\"n\\": {{ event.n }}}"}}""");
            writeProfiles(project.projectId(), 2 * messages + 1 + warmup);

            // the job learns connectors and templates through Kafka: one probe email, then the phases
            producer.send(request(project.projectId(), run + "-probe", 2L * messages, "email"));
            producer.flush();
            awaitCount(() -> smtp.received(), 1, Duration.ofMinutes(3));

            // warm-up, untimed: the JIT, the lanes' attempt times, the connection pools
            if (warmup > 0) {
                phase(producer, project.projectId(), run + "-w", 2L * messages + 1, warmup, 0, smtp, Duration.ofMinutes(30));
            }
            Phase email = phase(producer, project.projectId(), run + "-a", 0, messages, 0, smtp, Duration.ofMinutes(30));
            delayMillis.set(slowDelay.toMillis());
            Phase isolated = phase(producer, project.projectId(), run + "-b", messages, messages, 10, smtp, Duration.ofMinutes(30));
            long answered = webhooks.get();
            // the webhooks still waiting would go on retrying against a receiver that is gone, and load the next run on
            // this stack: the receiver answers at once until it has them all
            delayMillis.set(0);
            awaitCount(webhooks::get, (messages + 9) / 10, Duration.ofMinutes(10));
            return new Result(email, isolated, answered, template.getBytes(StandardCharsets.UTF_8).length, smtp.duplicates(),
                    smtp.bytes() / Math.max(1, smtp.received()));
        }
        finally {
            receiver.stop(0);
            smtp.close();
        }
    }

    /** {@code messages} emails for people from {@code firstPerson}, plus one webhook every {@code webhookEvery} (0: none). */
    private Phase phase(KafkaProducer<byte[], byte[]> producer, String projectId, String prefix, long firstPerson, int messages, int webhookEvery,
            SmtpSink smtp, Duration timeout) throws Exception {
        long before = smtp.received();
        for (int i = 0; i < messages; i++) {
            producer.send(request(projectId, prefix + "-" + i, firstPerson + i, "email"));
            if (webhookEvery > 0 && i % webhookEvery == 0) {
                producer.send(request(projectId, prefix + "-hook-" + i, firstPerson + i, "webhook"));
            }
        }
        producer.flush();
        Instant first = awaitCount(() -> smtp.received() - before, 1, timeout);
        Instant last = awaitCount(() -> smtp.received() - before, messages, timeout);
        return new Phase(messages, Duration.between(first, last));
    }

    private static Instant awaitCount(LongSupplier count, long expected, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (count.getAsLong() < expected) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("Only " + count.getAsLong() + " of " + expected + " messages arrived in " + timeout
                        + ": see ./cdp logs flink and lakehouse.cdp.messages");
            }
            Thread.sleep(50);
        }
        return Instant.now();
    }

    private static ProducerRecord<byte[], byte[]> request(String projectId, String id, long person, String channel) {
        ObjectNode request = JSON.createObjectNode();
        request.put("idempotencyKey", "aut_bench:v1:" + id);
        request.put("projectId", projectId);
        request.put("automationId", "aut_bench");
        request.put("automationVersion", 1);
        request.put("instanceId", id);
        request.put("profileId", "bp-" + person);
        request.put("identifier", "user_id:bench-" + person);
        request.putObject("action").put("channel", channel).put("template", channel.equals("email") ? "Bench email" : "Bench hook").putNull("variant");
        request.put("audience", "transactional");
        ObjectNode entry = request.putObject("entry").put("event", "Product Added").put("messageId", id);
        ObjectNode properties = entry.putObject("properties").put("cart_id", "c-" + id).put("n", person);
        ArrayNode products = properties.putArray("products");
        for (int p = 0; p < 3; p++) {
            products.addObject().put("name", "Running shoe model " + p).put("price", 89.9 + p).put("url", "https://shop.example.com/p/" + p)
                    .put("image", "https://cdn.example.com/p/" + p + ".jpg");
        }
        String now = Instant.now().toString();
        request.put("sendAt", now);
        request.put("firedAt", now);
        return new ProducerRecord<>(Kafka.ACTIVATIONS_TOPIC, (projectId + "/bp-" + person).getBytes(StandardCharsets.UTF_8),
                request.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** People bp-0... with an email address and a first name, written to the serving store as the profile job writes them. */
    private void writeProfiles(String projectId, long people) throws Exception {
        Map<String, String> settings = stack.connectionSettings();
        try (Connection connection = DriverManager.getConnection(settings.get("operational.jdbc-url"), settings.get("operational.jdbc-user"),
                settings.get("operational.jdbc-password"));
             PreparedStatement insert = connection.prepareStatement("insert into profile_view (project_id, profile_id, version, document) values (?, ?, 1, cast(? as jsonb))")) {
            connection.setAutoCommit(false);
            for (long i = 0; i < people; i++) {
                insert.setString(1, projectId);
                insert.setString(2, "bp-" + i);
                insert.setString(3, """
                        {"profileId":"bp-%d","version":1,"mergedInto":null,"identifiers":[{"type":"user_id","value":"bench-%d"},{"type":"email","value":"p%d@bench.example.com"}],
                         "traits":{"first_name":"Person %d","loyalty_tier":"%s"},"subscriptions":[],"computed":{"orderCount":%d}}"""
                        .formatted(i, i, i, i, i % 3 == 0 ? "gold" : "silver", i % 5));
                insert.addBatch();
                if (i % 1000 == 999) {
                    insert.executeBatch();
                }
            }
            insert.executeBatch();
            connection.commit();
        }
    }

    /** An email of realistic size: a header, three product blocks from the event, conditional loyalty blocks, a footer. */
    private static String emailTemplate() throws Exception {
        StringBuilder html = new StringBuilder("<html><head><style>body{font-family:Helvetica,Arial,sans-serif;color:#222} .p{border:1px solid #eee;padding:12px;margin:8px 0}"
                + " .btn{background:#111;color:#fff;padding:10px 18px;text-decoration:none;border-radius:4px}</style></head><body>"
                + "<table width=\"100%\" cellpadding=\"0\" cellspacing=\"0\"><tr><td align=\"center\"><img src=\"https://cdn.example.com/logo.png\" alt=\"Shop\" width=\"120\"></td></tr></table>"
                + "<h1>Hello {{ profile.first_name | default: 'there' }}, your cart is waiting</h1>"
                + "{% if profile.loyalty_tier == 'gold' %}<p class=\"gold\">As a gold member, shipping is on us.</p>{% else %}<p>Free shipping from 50 EUR.</p>{% endif %}"
                + "{% for p in event.products %}<div class=\"p\"><a href=\"{{ p.url }}\"><img src=\"{{ p.image }}\" width=\"96\" alt=\"{{ p.name }}\"></a>"
                + "<h3>{{ p.name }}</h3><p>{{ p.price }} EUR</p><a class=\"btn\" href=\"{{ p.url }}\">See it again</a></div>{% endfor %}"
                + "<p><a class=\"btn\" href=\"https://shop.example.com/cart/{{ event.cart_id }}\">Back to your cart</a></p>"
                + "{% if profile.computed.orderCount > 2 %}<p>Thank you for your {{ profile.computed.orderCount }} orders.</p>{% endif %}");
        for (int i = 0; i < 12; i++) {
            html.append("<p style=\"font-size:12px;color:#777\">Our shops are open Monday to Saturday, 10:00 to 19:00. Returns are free within 30 days, "
                    + "in store or by post, with the label in your account. Questions? Reply to this email or call us.</p>");
        }
        html.append("<p><a href=\"{{ message.unsubscribe_url }}\">Unsubscribe</a></p></body></html>");
        ObjectNode template = JSON.createObjectNode().put("name", "Bench email").put("channel", "email");
        template.putObject("email").put("from", "Shop <shop@bench.example.com>").put("subject", "{{ profile.first_name }}, your cart is waiting")
                .put("html", html.toString()).put("text", "Hello {{ profile.first_name | default: 'there' }}, your cart {{ event.cart_id }} is waiting.");
        return JSON.writeValueAsString(template);
    }

    private void api(String method, String path, ProjectCredentials project, String body) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(stack.config().apiUrl() + path))
                .header("Authorization", "Bearer " + project.apiKey()).header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() >= 300) {
            throw new IllegalStateException(method + " " + path + " answered " + response.statusCode() + ": " + response.body());
        }
    }
}
