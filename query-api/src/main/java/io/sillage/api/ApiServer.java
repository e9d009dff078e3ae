package io.sillage.api;

import com.zaxxer.hikari.HikariDataSource;
import io.javalin.Javalin;
import io.sillage.api.automations.AutomationService;
import io.sillage.api.automations.KafkaAutomationPublisher;
import io.sillage.api.automations.PostgresAutomationStore;
import io.sillage.api.connectors.ConnectorService;
import io.sillage.api.connectors.PostgresConnectorStore;
import io.sillage.api.db.OperationalDatabase;
import io.sillage.api.http.AutomationHandlers;
import io.sillage.api.http.ConnectorHandlers;
import io.sillage.api.http.MessageTrackingHandlers;
import io.sillage.api.http.ProfileHandlers;
import io.sillage.api.http.SillageApp;
import io.sillage.api.http.TemplateHandlers;
import io.sillage.api.http.TrackingHandlers;
import io.sillage.api.maintenance.ProfileFoldScheduler;
import io.sillage.api.messaging.KafkaMessagingPublisher;
import io.sillage.api.profiles.PostgresProfileViews;
import io.sillage.api.profiles.TrinoProfileEvents;
import io.sillage.api.projects.PostgresProjectStore;
import io.sillage.api.templates.PostgresSnippetStore;
import io.sillage.api.templates.PostgresTemplateStore;
import io.sillage.api.templates.TemplateService;
import io.sillage.api.tracking.KafkaEventPublisher;
import io.sillage.api.tracking.MessageFeedback;
import io.sillage.api.tracking.TrackingService;
import io.sillage.api.tracking.WriteKeys;
import io.sillage.lakehouse.catalog.LakehouseConfig;
import io.sillage.lakehouse.identity.ProjectIdentityRules;
import io.sillage.lakehouse.maintenance.ProfileFold;
import io.sillage.lakehouse.messaging.tracking.TrackingLinks;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Entry point of the HTTP API: {@code java -cp ... io.sillage.api.ApiServer --config sillage.properties}. */
public final class ApiServer {
    private static final Logger LOG = LoggerFactory.getLogger(ApiServer.class);

    private ApiServer() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 2 || !args[0].equals("--config")) {
            System.err.println("Usage: ApiServer --config sillage.properties");
            System.exit(2);
        }
        ApiConfig config = ApiConfig.load(Path.of(args[1]));
        HikariDataSource dataSource = OperationalDatabase.open(config.jdbcUrl(), config.jdbcUser(), config.jdbcPassword(), 8);
        OperationalDatabase.migrate(dataSource);
        KafkaEventPublisher publisher = new KafkaEventPublisher(config.kafkaBootstrapServers(), config.rawTopic());
        Clock clock = Clock.systemUTC();
        TrackingService tracking = new TrackingService(publisher, clock, config.maxEventsInFlight(), 30_000);
        WriteKeys writeKeys = new WriteKeys(new PostgresProjectStore(dataSource), clock, Duration.ofSeconds(60), Duration.ofSeconds(5));
        PostgresProjectStore projects = new PostgresProjectStore(dataSource);
        Map<String, String> settings = new HashMap<>();
        config.properties().stringPropertyNames().forEach(key -> settings.put(key, config.properties().getProperty(key)));
        PostgresProfileViews profileViews = new PostgresProfileViews(dataSource);
        ProjectIdentityRules identityRules = new ProjectIdentityRules(settings);
        ProfileHandlers profiles = new ProfileHandlers(projects, profileViews,
                config.trinoJdbcUrl().map(url -> new TrinoProfileEvents(url, "sillage-api")), tracking, identityRules);
        KafkaAutomationPublisher automationPublisher = new KafkaAutomationPublisher(config.kafkaBootstrapServers(), config.automationsTopic());
        AutomationService automations = new AutomationService(new PostgresAutomationStore(dataSource), automationPublisher, clock);
        KafkaMessagingPublisher messagingPublisher = new KafkaMessagingPublisher(config.kafkaBootstrapServers(),
                config.properties().getProperty("kafka.topic.templates", "cdp.templates"), config.properties().getProperty("kafka.topic.connectors", "cdp.connectors"));
        TemplateService templates = new TemplateService(new PostgresTemplateStore(dataSource), new PostgresSnippetStore(dataSource), messagingPublisher, clock);
        ConnectorService connectors = new ConnectorService(new PostgresConnectorStore(dataSource), messagingPublisher, clock);
        republishMessaging(templates, connectors);
        Javalin app = SillageApp.create(new TrackingHandlers(tracking, writeKeys), profiles, new AutomationHandlers(projects, automations),
                new TemplateHandlers(projects, templates, profileViews, identityRules, connectors), new ConnectorHandlers(projects, connectors),
                new MessageTrackingHandlers(trackingLinks(config), new MessageFeedback(tracking, profileViews), writeKeys));
        Duration foldInterval = ApiConfig.duration(config.properties(), "maintenance.profile-fold-interval", Duration.ofMinutes(5));
        Optional<ProfileFoldScheduler> fold = config.trinoJdbcUrl().filter(url -> !foldInterval.isZero()).map(url -> new ProfileFoldScheduler(url,
                LakehouseConfig.fromProperties(config.properties()),
                new ProfileFold(ApiConfig.duration(config.properties(), "profiles.fold-window", Duration.ofMinutes(5)),
                        ApiConfig.duration(config.properties(), "maintenance.profile-fold-settle", Duration.ofMinutes(2)),
                        ApiConfig.nonNegative(config.properties(), "maintenance.profile-fold-pause", ProfileFold.DEFAULT_PAUSE)),
                foldInterval));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            fold.ifPresent(ProfileFoldScheduler::close);
            app.stop();
            publisher.close();
            automationPublisher.close();
            messagingPublisher.close();
            dataSource.close();
        }, "api-shutdown"));
        app.start(config.host(), config.port());
        LOG.info("Sillage API listening on http://{}:{}", config.host(), config.port());
        republishAutomations(automations);
    }

    /** The activation job's {@code messaging.tracking-url} and {@code messaging.tracking-secret}: both, or neither (no tracking). */
    private static Optional<TrackingLinks> trackingLinks(ApiConfig config) {
        String url = config.properties().getProperty("messaging.tracking-url", "").strip();
        String secret = config.properties().getProperty("messaging.tracking-secret", "").strip();
        if (url.isEmpty() != secret.isEmpty()) {
            throw new IllegalArgumentException("Set both messaging.tracking-url and messaging.tracking-secret, or neither");
        }
        return url.isEmpty() ? Optional.empty() : Optional.of(new TrackingLinks(url, secret));
    }

    /**
     * Publishes every template, snippet and connector again before the API serves, so that the activation job
     * converges on the database even if its topics lost records. A failure is logged: changes made through the API
     * are published anyway, and the next start tries again.
     */
    private static void republishMessaging(TemplateService templates, ConnectorService connectors) {
        try {
            LOG.info("Republished {} templates and snippets, {} connectors", templates.republishAll(), connectors.republishAll());
        }
        catch (RuntimeException e) {
            LOG.warn("Cannot republish templates and connectors ({}): the activation job sees them once they change", e.getMessage());
        }
    }

    /**
     * Publishes every automation's stored state again, so that the automation pipeline converges on the database
     * even if the topic lost records. In the background, retrying until Kafka takes them all: the API serves
     * meanwhile (changes lock their automation, so a republished state never overtakes a newer one).
     */
    private static void republishAutomations(AutomationService automations) {
        Thread republisher = new Thread(() -> {
            for (long delaySeconds = 5; ; delaySeconds = Math.min(delaySeconds * 2, 300)) {
                try {
                    automations.republishAll();
                    return;
                }
                catch (RuntimeException e) {
                    LOG.warn("Cannot republish automations yet ({}); retrying in {} s", e.getMessage(), delaySeconds);
                }
                try {
                    Thread.sleep(delaySeconds * 1000);
                }
                catch (InterruptedException e) {
                    return;
                }
            }
        }, "automation-republish");
        republisher.setDaemon(true);
        republisher.start();
    }
}
