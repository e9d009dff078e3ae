package io.sillage.api.maintenance;

import io.sillage.lakehouse.catalog.LakehouseConfig;
import io.sillage.lakehouse.maintenance.ProfileFold;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.time.Instant;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs {@link ProfileFold} through Trino on a fixed delay (setting {@code maintenance.profile-fold-interval},
 * default 5m; 0 turns it off). A failed fold is logged and retried at the next run: the view stays correct
 * meanwhile, only its tail grows.
 */
public final class ProfileFoldScheduler implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ProfileFoldScheduler.class);

    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "profile-fold");
        thread.setDaemon(true);
        return thread;
    });

    public ProfileFoldScheduler(String trinoJdbcUrl, LakehouseConfig lakehouse, ProfileFold fold, Duration interval) {
        executor.scheduleWithFixedDelay(() -> {
            Properties properties = new Properties();
            properties.setProperty("user", "sillage-maintenance");
            try (Connection trino = DriverManager.getConnection(trinoJdbcUrl, properties)) {
                ProfileFold.Result result = fold.run(trino, lakehouse, Instant.now(), Duration.ZERO);
                LOG.info("Profile fold: {} changes before {} folded, {} buckets rewritten, {} profiles in profiles_base, {} ms ({} ms working)",
                        result.changesFolded(), result.cutoff(), result.bucketsRewritten(), result.profiles(), result.took().toMillis(),
                        result.working().toMillis());
            }
            catch (ProfileFold.FoldRunning e) {
                LOG.info("Profile fold skipped: another one is running (retried in {})", interval);
            }
            catch (Exception e) {
                LOG.warn("Profile fold failed (retried in {}): {}", interval, e.getMessage());
            }
        }, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
