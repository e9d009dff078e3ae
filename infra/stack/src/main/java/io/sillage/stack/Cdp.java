package io.sillage.stack;

import io.sillage.api.projects.ProjectCredentials;
import io.sillage.stack.component.Component;
import io.sillage.stack.process.ManagedProcess;
import io.sillage.stack.process.Ports;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The {@code ./cdp} command line: runs the local stack and talks to it. */
@Command(name = "cdp", mixinStandardHelpOptions = true, version = "Sillage 0.1.0",
        description = "Sillage local stack: PostgreSQL, Kafka, Trino, Flink and the HTTP API on this machine.",
        subcommands = {Cdp.Up.class, Cdp.Down.class, Cdp.Status.class, Cdp.Logs.class, Cdp.Sql.class, Cdp.ProjectCommand.class, DemoCommand.class, MaintenanceCommand.class,
                io.sillage.stack.bench.BenchCommand.class})
public final class Cdp {
    static Path home() {
        return Path.of(System.getProperty("sillage.home", ".")).toAbsolutePath().normalize();
    }

    static Stack stack() {
        return new Stack(StackConfig.fromEnvironment(home(), System.getenv()));
    }

    public static void main(String[] args) {
        CommandLine commandLine = new CommandLine(new Cdp());
        commandLine.setExecutionExceptionHandler((exception, line, parseResult) -> {
            if (exception instanceof StackException || exception instanceof IllegalArgumentException) {
                System.err.println("cdp: " + exception.getMessage());
                return 1;
            }
            throw exception;
        });
        System.exit(commandLine.execute(args));
    }

    @Command(name = "up", description = "Start the whole platform with a demo project; stays in the foreground until Ctrl-C unless --detach.")
    static final class Up implements Callable<Integer> {
        @Option(names = "--detach", description = "Return once everything is healthy; the stack keeps running (stop it with ./cdp down).")
        boolean detach;

        @Option(names = "--supervise", hidden = true)
        boolean supervise;

        @Override
        public Integer call() throws Exception {
            Stack stack = stack();
            StackConfig config = stack.config();
            Path supervisorPid = config.run().resolve("cdp.pid");
            Optional<Long> running = ManagedProcess.readPid(supervisorPid).filter(ManagedProcess::isAlive);
            if (running.isPresent() && running.get() != ProcessHandle.current().pid()) {
                throw new StackException("Sillage is already running (supervisor pid " + running.get() + "). See ./cdp status, or stop it with ./cdp down.");
            }
            Files.createDirectories(config.run());
            Path state = config.run().resolve("state");
            if (detach) {
                return detach(config, supervisorPid, state);
            }
            Files.writeString(supervisorPid, Long.toString(ProcessHandle.current().pid()));
            Files.writeString(state, "starting\n");
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                System.out.println("\nStopping Sillage...");
                // the supervisor must not restart what is being stopped
                synchronized (SUPERVISION) {
                    stopping = true;
                }
                stack.stop(message -> System.out.println("  " + message));
                try {
                    Files.deleteIfExists(supervisorPid);
                    Files.writeString(state, "stopped\n");
                }
                catch (IOException ignored) {
                    // nothing left to clean
                }
                stopped.countDown();
            }, "cdp-stop"));
            try {
                stack.start(message -> System.out.println("  " + message));
                ProjectCredentials demo = stack.demoProject();
                Files.writeString(state, "ready\n");
                printBanner(config, demo);
            }
            catch (StackException e) {
                Files.writeString(state, "failed: " + e.getMessage().replace('\n', ' ') + "\n");
                throw e;
            }
            supervise(stack);
            stopped.await();
            return 0;
        }

        private static final Object SUPERVISION = new Object();
        private static volatile boolean stopping;

        /** Restarts a component that died (Flink resumes from its checkpoints), until the process is stopped. */
        private static void supervise(Stack stack) throws InterruptedException {
            while (true) {
                Thread.sleep(3000);
                synchronized (SUPERVISION) {
                    if (stopping) {
                        return;
                    }
                    restartDead(stack);
                }
            }
        }

        private static void restartDead(Stack stack) {
            for (Component component : stack.components()) {
                if (component.isRunning()) {
                    continue;
                }
                System.out.println(Instant.now() + " " + component.name() + " is not running; last log lines:\n  "
                        + String.join("\n  ", ManagedProcess.tail(component.logFile(), 10)) + "\nRestarting " + component.name() + "...");
                try {
                    component.start();
                    System.out.println(Instant.now() + " " + component.name() + " is back");
                }
                catch (StackException e) {
                    System.out.println(Instant.now() + " restart of " + component.name() + " failed: " + e.getMessage());
                }
            }
        }

        private static int detach(StackConfig config, Path supervisorPid, Path state) throws Exception {
            Files.writeString(state, "starting\n");
            List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Dsillage.home=" + home(), "-cp", System.getProperty("java.class.path"), Cdp.class.getName(), "up");
            Path log = config.logs().resolve("cdp.log");
            Files.createDirectories(config.logs());
            Files.deleteIfExists(log);
            // the log receives the banner with the demo API key
            Files.createFile(log, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
            long pid = ManagedProcess.start(command, Path.of(".").toAbsolutePath(), java.util.Map.of(), log, supervisorPid);
            System.out.println("Starting Sillage in the background (supervisor pid " + pid + ", log " + log + ")...");
            Instant deadline = Instant.now().plus(Duration.ofMinutes(10));
            while (Instant.now().isBefore(deadline)) {
                String current = Files.exists(state) ? Files.readString(state).trim() : "";
                if (current.equals("ready")) {
                    System.out.print(String.join("\n", ManagedProcess.tail(log, 40)) + "\n");
                    return 0;
                }
                if (current.startsWith("failed") || !ManagedProcess.isAlive(pid)) {
                    System.err.println("Sillage did not start. " + String.join("\n", ManagedProcess.tail(log, 40)));
                    return 1;
                }
                Thread.sleep(500);
            }
            System.err.println("Sillage did not become healthy within 10 minutes; see " + log);
            return 1;
        }

        private static void printBanner(StackConfig config, ProjectCredentials demo) {
            System.out.println("""

                    Sillage is up.
                      Tracking API   %s/v1/track  (Segment-compatible; /v1/batch, /v1/identify, ...)
                      Marketer API   %s/api/docs  (OpenAPI 3.1; Authorization: Bearer <API key>)
                      Flink web UI   %s
                      Trino          %s   (./cdp sql)
                      Kafka          %s
                      PostgreSQL     %s:%d
                      Data and logs  %s

                    Demo project %s (%s)
                      write key  %s
                      API key    %s

                    Try:  ./cdp demo   then   ./cdp sql -e "select event, count(*) from lakehouse.cdp.events group by 1 order by 2 desc"
                    and   ./cdp sql -e "select profile_id, identifiers, event_count from lakehouse.cdp.profiles order by event_count desc limit 5"
                    Stop with ./cdp down (or Ctrl-C when it runs in the foreground).""".formatted(
                    config.apiUrl(), config.apiUrl(), config.flinkUrl(), config.trinoUrl(), config.kafkaBootstrap(), config.host(), config.postgresPort(),
                    config.var(), demo.name(), demo.projectId(), demo.writeKey(), demo.apiKey()));
        }
    }

    @Command(name = "down", description = "Stop everything (data is kept under the data directory).")
    static final class Down implements Callable<Integer> {
        @Override
        public Integer call() {
            Stack stack = stack();
            Path supervisorPid = stack.config().run().resolve("cdp.pid");
            ManagedProcess.readPid(supervisorPid).filter(ManagedProcess::isAlive).ifPresent(pid -> {
                System.out.println("Stopping the supervisor (pid " + pid + ")...");
                ManagedProcess.stop(pid, Duration.ofMinutes(2));
            });
            stack.stop(message -> System.out.println("  " + message));
            System.out.println("Sillage is stopped.");
            return 0;
        }
    }

    @Command(name = "status", description = "Each component: up or down, port, pid.")
    static final class Status implements Callable<Integer> {
        @Override
        public Integer call() {
            Stack stack = stack();
            System.out.printf("%-10s %-6s %-7s %-8s%n", "COMPONENT", "STATE", "PORT", "PID");
            boolean allUp = true;
            for (Component component : stack.components()) {
                Optional<Long> pid = component.pid();
                boolean up = pid.isPresent() && Ports.isListening(stack.config().host(), component.port()) && component.isHealthy();
                allUp &= up;
                System.out.printf("%-10s %-6s %-7d %-8s%n", component.name(), up ? "up" : pid.isPresent() ? "unhealthy" : "down",
                        component.port(), pid.map(String::valueOf).orElse("-"));
            }
            return allUp ? 0 : 3;
        }
    }

    @Command(name = "logs", description = "Print the log of a component: postgres, kafka, trino, flink, api (or cdp for the supervisor).")
    static final class Logs implements Callable<Integer> {
        @Parameters(paramLabel = "COMPONENT")
        String name;

        @Option(names = {"-n", "--lines"}, defaultValue = "200", description = "How many of the last lines (default ${DEFAULT-VALUE}).")
        int lines;

        @Option(names = {"-f", "--follow"}, description = "Keep printing new lines.")
        boolean follow;

        @Override
        public Integer call() throws Exception {
            Stack stack = stack();
            Path log = name.equals("cdp") ? stack.config().logs().resolve("cdp.log") : stack.component(name).logFile();
            if (!follow) {
                ManagedProcess.tail(log, lines).forEach(System.out::println);
                return 0;
            }
            return new ProcessBuilder("tail", "-n", Integer.toString(lines), "-F", log.toString()).inheritIO().start().waitFor();
        }
    }

    @Command(name = "sql", description = "Trino CLI on catalog lakehouse, schema cdp. With -e, runs one statement and prints CSV with a header.")
    static final class Sql implements Callable<Integer> {
        @Option(names = {"-e", "--execute"}, description = "SQL to run")
        String sql;

        @Override
        public Integer call() throws Exception {
            Stack stack = stack();
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    // jline's "dumb terminal" warning goes through java.util.logging: an empty configuration silences it
                    "-Djava.util.logging.config.file=/dev/null",
                    "-jar", stack.trino().cliJar().toString(),
                    "--server", stack.config().trinoUrl(), "--catalog", "lakehouse", "--schema", "cdp", "--user", "sillage"));
            if (sql != null) {
                command.addAll(List.of("--execute", sql, "--output-format", "CSV_HEADER"));
            }
            if (!Ports.isListening(stack.config().host(), stack.config().trinoPort())) {
                throw new StackException("Trino is not running on " + stack.config().trinoUrl() + ": start the stack with ./cdp up");
            }
            return new ProcessBuilder(command).inheritIO().start().waitFor();
        }
    }

    @Command(name = "project", description = "Manage projects.", subcommands = ProjectCommand.Create.class)
    static final class ProjectCommand {
        @Command(name = "create", description = "Create a project; prints its id, write key and API key (the API key is shown only once).")
        static final class Create implements Callable<Integer> {
            @Parameters(paramLabel = "NAME")
            String name;

            @Option(names = "--source", description = "Source of the write key: ios, android, web or server.")
            String source;

            @Option(names = "--json", description = "Print JSON: {projectId, name, writeKey, apiKey}.")
            boolean json;

            @Override
            public Integer call() {
                Stack stack = stack();
                if (!stack.postgres().isRunning()) {
                    throw new StackException("PostgreSQL is not running: start the stack with ./cdp up --detach first");
                }
                ProjectCredentials credentials = stack.createProject(name, source);
                if (json) {
                    System.out.print(Stack.toJson(credentials));
                }
                else {
                    System.out.printf("Project %s (%s)%n  write key  %s%n  API key    %s   (shown only now: keep it)%n",
                            credentials.name(), credentials.projectId(), credentials.writeKey(), credentials.apiKey());
                }
                return 0;
            }
        }
    }
}
