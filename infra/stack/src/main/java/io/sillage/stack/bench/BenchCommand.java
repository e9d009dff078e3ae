package io.sillage.stack.bench;

import io.sillage.stack.Stack;
import io.sillage.stack.StackConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ./cdp bench collect}: runs the collect benchmark against the running stack and prints a Markdown row. */
@Command(name = "bench", description = "Benchmarks against the running stack (start it with ./cdp up --detach).",
        subcommands = {BenchCommand.Collect.class, BenchCommand.Profiles.class, BenchCommand.Automations.class, BenchCommand.Messaging.class})
public final class BenchCommand {
    @Command(name = "collect", description = "Sustained events/s through /v1/batch into Iceberg, and event-to-queryable latency in Trino (p50/p99).")
    static final class Collect implements Callable<Integer> {
        @Option(names = "--events", defaultValue = "1000000", description = "Events to send (default ${DEFAULT-VALUE}).")
        long events;

        @Option(names = "--senders", defaultValue = "4", description = "Concurrent HTTP senders (default ${DEFAULT-VALUE}).")
        int senders;

        @Option(names = "--batch-size", defaultValue = "500", description = "Events per /v1/batch request (default ${DEFAULT-VALUE}).")
        int batchSize;

        @Option(names = "--rate", defaultValue = "0", description = "Target events/s (0: as fast as the API accepts; default ${DEFAULT-VALUE}).")
        long rate;

        @Override
        public Integer call() throws Exception {
            Path home = Path.of(System.getProperty("sillage.home", ".")).toAbsolutePath().normalize();
            Stack stack = new Stack(StackConfig.fromEnvironment(home, System.getenv()));
            System.out.printf("Sending %,d events with %d senders in batches of %d to %s%s ...%n", events, senders, batchSize, stack.config().apiUrl(),
                    rate > 0 ? String.format(" at %,d events/s", rate) : " as fast as accepted");
            CollectBenchmark.Result result = new CollectBenchmark(stack).run(events, senders, batchSize, rate, Duration.ofSeconds(1));
            System.out.printf("""
                    events                        %,d
                    accepted by the API           %,.0f events/s
                    end to end (queryable)        %,.0f events/s  (%.1f s from first send to last row visible in Trino)
                    event-to-queryable latency    p50 %d ms, p99 %d ms, max %d ms (%d probes, one per second under load)
                    throttled requests (429/503)  %d
                    %n| %s | %,d | %,.0f | %,.0f | %d | %d | %d |%n""",
                    result.events(), result.apiEventsPerSecond(), result.endToEndEventsPerSecond(), result.elapsed().toMillis() / 1000.0,
                    result.percentile(50), result.percentile(99), result.percentile(100), result.latenciesMillis().size(), result.rejected429(),
                    LocalDate.now(), result.events(), result.apiEventsPerSecond(), result.endToEndEventsPerSecond(),
                    result.percentile(50), result.percentile(99), result.rejected429());
            return 0;
        }
    }

    @Command(name = "profiles", description = "Identity + profile throughput with many profiles in state, Profile View latency, profile freshness, and the profiles view before and after a fold.")
    static final class Profiles implements Callable<Integer> {
        @Option(names = "--profiles", defaultValue = "1000000", description = "People to create (default ${DEFAULT-VALUE}).")
        long profiles;

        @Option(names = "--updates", defaultValue = "2000000", description = "Events on existing people (default ${DEFAULT-VALUE}).")
        long updates;

        @Option(names = "--visit-length", defaultValue = "1", description = "Events in a row from the same person during updates (1: each event from a random person, the worst case; default ${DEFAULT-VALUE}).")
        int visitLength;

        @Option(names = "--steady-rate", defaultValue = "10000", description = "Events/s during the freshness probes (default ${DEFAULT-VALUE}).")
        long steadyRate;

        @Option(names = "--steady-seconds", defaultValue = "60", description = "Length of the freshness phase (default ${DEFAULT-VALUE}).")
        long steadySeconds;

        @Option(names = "--trino-probes", defaultValue = "10", description = "Freshness probes also checked through Trino (default ${DEFAULT-VALUE}).")
        int trinoProbes;

        @Override
        public Integer call() throws Exception {
            Path home = Path.of(System.getProperty("sillage.home", ".")).toAbsolutePath().normalize();
            StackConfig config = StackConfig.fromEnvironment(home, System.getenv());
            ProfileBenchmark.Result r = new ProfileBenchmark(new Stack(config))
                    .run(profiles, updates, visitLength, steadyRate, Duration.ofSeconds(steadySeconds), trinoProbes, config.checkpointInterval());
            System.out.printf("""

                    load (new people, 3 identifiers each)   %,.0f events/s  (%,d in %.1f s)
                    updates with all profiles in state      %,.0f events/s  (%,d in %.1f s, visits of %d events)
                    Profile View under load                 p50 %d ms, p95 %d ms, p99 %d ms (%d lookups)
                    freshness, Profile View                 p50 %d ms, p99 %d ms, max %d ms (%d probes at %,d events/s)
                    freshness, Trino profiles view          visible p50 %d ms, max %d ms; answered p50 %d ms, max %d ms (%d probes)
                    profiles view, %,d change rows:  %s
                    fold: %,d changes in %.1f s -> %,d profiles in profiles_base
                    profiles view after the fold:  %s
                    %n""",
                    r.load().perSecond(), r.load().events(), r.load().elapsed().toMillis() / 1000.0,
                    r.updates().perSecond(), r.updates().events(), r.updates().elapsed().toMillis() / 1000.0, visitLength,
                    ProfileBenchmark.percentile(r.lookupMillis(), 50), ProfileBenchmark.percentile(r.lookupMillis(), 95),
                    ProfileBenchmark.percentile(r.lookupMillis(), 99), r.lookupMillis().size(),
                    ProfileBenchmark.percentile(r.apiFreshnessMillis(), 50), ProfileBenchmark.percentile(r.apiFreshnessMillis(), 99),
                    ProfileBenchmark.percentile(r.apiFreshnessMillis(), 100), r.apiFreshnessMillis().size(), steadyRate,
                    ProfileBenchmark.percentile(r.trinoVisibleMillis(), 50), ProfileBenchmark.percentile(r.trinoVisibleMillis(), 100),
                    ProfileBenchmark.percentile(r.trinoFreshnessMillis(), 50), ProfileBenchmark.percentile(r.trinoFreshnessMillis(), 100), r.trinoFreshnessMillis().size(),
                    r.changeRowsBeforeFold(), r.queryMillisBeforeFold(),
                    r.fold().changesFolded(), r.fold().took().toMillis() / 1000.0, r.fold().profiles(), r.queryMillisAfterFold());
            return 0;
        }
    }

    @Command(name = "automations", description = "Automations: pipeline throughput with many instances waiting, trigger latency and timer lateness at a fraction of it, state size before, during and after.")
    static final class Automations implements Callable<Integer> {
        @Option(names = "--people", defaultValue = "100000", description = "People with carts (default ${DEFAULT-VALUE}).")
        long people;

        @Option(names = "--waiting", defaultValue = "1000000", description = "Waiting instances (abandoned carts) to create (default ${DEFAULT-VALUE}).")
        long waiting;

        @Option(names = "--events", defaultValue = "2000000", description = "Events for the throughput phase (default ${DEFAULT-VALUE}).")
        long events;

        @Option(names = "--load-factor", defaultValue = "0.7", description = "Steady load during the latency phase, as a fraction of the measured throughput (default ${DEFAULT-VALUE}).")
        double loadFactor;

        @Option(names = "--steady-seconds", defaultValue = "60", description = "Length of the latency phase (default ${DEFAULT-VALUE}).")
        long steadySeconds;

        @Option(names = "--timer-wait", defaultValue = "20", description = "Wait of the timer probes, in seconds (default ${DEFAULT-VALUE}).")
        long timerWaitSeconds;

        @Override
        public Integer call() throws Exception {
            Path home = Path.of(System.getProperty("sillage.home", ".")).toAbsolutePath().normalize();
            StackConfig config = StackConfig.fromEnvironment(home, System.getenv());
            AutomationBenchmark.Result r = new AutomationBenchmark(new Stack(config)).run(new AutomationBenchmark.Settings(people, waiting, events, loadFactor,
                    Duration.ofSeconds(steadySeconds), Duration.ofSeconds(timerWaitSeconds), config.checkpointInterval()));
            System.out.printf("""

                    load (carts entering a 6 h wait)        %,.0f events/s  (%,d in %.1f s)
                    throughput with them waiting            %,.0f events/s  (%,d in %.1f s)
                    trigger latency at %,d events/s          written p50 %d ms, p99 %d ms; committed p50 %d ms, p99 %d ms (%d probes, %d not seen)
                    timer lateness after the send time      p50 %d ms, p99 %d ms, max %d ms (%d probes)
                    automation state (checkpointed)         before %,d B; %,d waiting: %,d B; after they ended: %,d B, two checkpoints later: %,d B
                    cleanup (purchases cancelling them)     %,.0f events/s  (%,d in %.1f s)
                    %n| %s | %,d | %,.0f | %,.0f | %,d | %d / %d ms | %d / %d ms | %d / %d ms | %,d / %,d / %,d / %,d B |%n""",
                    r.load().perSecond(), r.load().events(), r.load().elapsed().toMillis() / 1000.0,
                    r.throughput().perSecond(), r.throughput().events(), r.throughput().elapsed().toMillis() / 1000.0,
                    r.steadyRate(), ProfileBenchmark.percentile(r.triggerWrittenMillis(), 50), ProfileBenchmark.percentile(r.triggerWrittenMillis(), 99),
                    ProfileBenchmark.percentile(r.triggerCommittedMillis(), 50), ProfileBenchmark.percentile(r.triggerCommittedMillis(), 99),
                    r.triggerWrittenMillis().size() + r.probesLost(), r.probesLost(),
                    ProfileBenchmark.percentile(r.timerLatenessMillis(), 50), ProfileBenchmark.percentile(r.timerLatenessMillis(), 99),
                    ProfileBenchmark.percentile(r.timerLatenessMillis(), 100), r.timerLatenessMillis().size(),
                    r.stateBefore(), waiting, r.stateWaiting(), r.stateAfter(), r.stateSettled(),
                    r.cleanup().perSecond(), r.cleanup().events(), r.cleanup().elapsed().toMillis() / 1000.0,
                    LocalDate.now(), waiting, r.load().perSecond(), r.throughput().perSecond(), r.steadyRate(),
                    ProfileBenchmark.percentile(r.triggerWrittenMillis(), 50), ProfileBenchmark.percentile(r.triggerWrittenMillis(), 99),
                    ProfileBenchmark.percentile(r.triggerCommittedMillis(), 50), ProfileBenchmark.percentile(r.triggerCommittedMillis(), 99),
                    ProfileBenchmark.percentile(r.timerLatenessMillis(), 50), ProfileBenchmark.percentile(r.timerLatenessMillis(), 99),
                    r.stateBefore(), r.stateWaiting(), r.stateAfter(), r.stateSettled());
            return 0;
        }
    }

    @Command(name = "messaging", description = "Activation job: emails rendered and handed to a local SMTP server per second, alone and beside a webhook connector answering in 2 s.")
    static final class Messaging implements Callable<Integer> {
        @Option(names = "--messages", defaultValue = "20000", description = "Emails per phase (default ${DEFAULT-VALUE}).")
        int messages;

        @Option(names = "--warmup", defaultValue = "2000", description = "Emails sent first, untimed (default ${DEFAULT-VALUE}).")
        int warmup;

        @Option(names = "--slow-delay", defaultValue = "2", description = "Answer time of the slow webhook receiver, in seconds (default ${DEFAULT-VALUE}).")
        long slowDelaySeconds;

        @Override
        public Integer call() throws Exception {
            Path home = Path.of(System.getProperty("sillage.home", ".")).toAbsolutePath().normalize();
            MessagingBenchmark.Result r = new MessagingBenchmark(new Stack(StackConfig.fromEnvironment(home, System.getenv())))
                    .run(messages, warmup, Duration.ofSeconds(slowDelaySeconds));
            System.out.printf("""

                    template                                   %,d bytes of JSON (email, HTML with loops and conditions)
                    email as sent                              %,d bytes on average (headers, text and HTML parts)
                    emails rendered and sent to SMTP           %,.0f messages/s  (%,d in %.1f s)
                    same, beside a webhook answering in %d s    %,.0f messages/s  (%,d in %.1f s; %d webhooks answered)
                    ratio (isolation)                          %.2f
                    emails the SMTP server took twice          %d
                    %n| %s | %,d | %,.0f | %,.0f | %.2f |%n""",
                    r.templateBytes(), r.emailBytes(), r.email().perSecond(), r.email().messages(), r.email().elapsed().toMillis() / 1000.0,
                    slowDelaySeconds, r.emailBesideSlowWebhook().perSecond(), r.emailBesideSlowWebhook().messages(),
                    r.emailBesideSlowWebhook().elapsed().toMillis() / 1000.0, r.webhooksAnswered(),
                    r.emailBesideSlowWebhook().perSecond() / r.email().perSecond(), r.duplicates(),
                    LocalDate.now(), messages, r.email().perSecond(), r.emailBesideSlowWebhook().perSecond(),
                    r.emailBesideSlowWebhook().perSecond() / r.email().perSecond());
            return 0;
        }
    }
}
