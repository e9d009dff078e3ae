package io.sillage.stack;

import io.sillage.lakehouse.maintenance.ProfileFold;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ./cdp maintenance ...}: lakehouse maintenance run by hand (the API also runs it on a schedule). */
@Command(name = "maintenance", description = "Lakehouse maintenance.", subcommands = MaintenanceCommand.FoldProfiles.class)
final class MaintenanceCommand {
    @Command(name = "fold-profiles", description = "Fold profile_changes into profiles_base now (the API does it every 5 minutes).")
    static final class FoldProfiles implements Callable<Integer> {
        @Option(names = "--all", description = "Also fold the current window (only when no events are flowing: a change committed during the fold could be dropped).")
        boolean all;

        @Option(names = "--pause", paramLabel = "RATIO", defaultValue = "" + ProfileFold.DEFAULT_PAUSE,
                description = "Pause after each bucket, as a multiple of the time the bucket took (default ${DEFAULT-VALUE}; 0: no pause).")
        double pause;

        @Override
        public Integer call() throws Exception {
            Stack stack = Cdp.stack();
            Duration window = Duration.ofMinutes(5);
            if (!(pause >= 0)) {
                throw new StackException("--pause must be 0 or more (a multiple of each bucket's time), got " + pause);
            }
            ProfileFold fold = new ProfileFold(window, all ? window.negated() : Duration.ofMinutes(2), pause);
            try (Connection trino = stack.trino().connect("sillage-maintenance")) {
                ProfileFold.Result result = fold.run(trino, stack.lakehouseConfig(), Instant.now(), Duration.ofMinutes(10));
                System.out.printf("Folded %d changes before %s in %d buckets: profiles_base holds %d profiles (%.1f s, %.1f s of it working)%n",
                        result.changesFolded(), result.cutoff(), result.bucketsRewritten(), result.profiles(), result.took().toMillis() / 1000.0,
                        result.working().toMillis() / 1000.0);
            }
            catch (ProfileFold.FoldRunning e) {
                throw new StackException(e.getMessage(), e);
            }
            catch (java.sql.SQLException e) {
                throw new StackException("The profile fold failed: " + e.getMessage() + ". Is the stack up (./cdp status)?", e);
            }
            return 0;
        }
    }
}
