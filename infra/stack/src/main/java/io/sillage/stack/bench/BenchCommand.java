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
        subcommands = BenchCommand.Collect.class)
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
}
