package io.sillage.stack.component;

import io.sillage.stack.StackConfig;
import io.sillage.stack.StackException;
import io.sillage.stack.process.ManagedProcess;
import io.sillage.stack.process.Ports;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One process of the local stack. Subclasses say how to prepare, launch and health-check it; this class
 * owns the common rules: a busy port is named with its owner, a component that does not become healthy
 * in time is reported with the last lines of its log and a hint.
 */
public abstract class Component {
    protected final StackConfig config;
    private final String name;

    protected Component(StackConfig config, String name) {
        this.config = config;
        this.name = name;
    }

    public String name() {
        return name;
    }

    /** The port users know the component by. */
    public abstract int port();

    /** Every port the component binds (checked free before starting). */
    public List<Integer> ports() {
        return List.of(port());
    }

    public Path logFile() {
        return config.logs().resolve(name + ".log");
    }

    public Path pidFile() {
        return config.run().resolve(name + ".pid");
    }

    public Optional<Long> pid() {
        return ManagedProcess.readPid(pidFile()).filter(ManagedProcess::isAlive);
    }

    public boolean isRunning() {
        return pid().isPresent();
    }

    public abstract boolean isHealthy();

    /** Creates directories and configuration; runs before every start. */
    protected abstract void prepare();

    protected abstract List<String> command();

    protected Map<String, String> environment() {
        return Map.of();
    }

    protected Path workingDirectory() {
        return config.var();
    }

    /** What to tell the user when the component does not become healthy. */
    protected String hint() {
        return "see " + logFile();
    }

    public void start() {
        if (isRunning()) {
            waitHealthy();
            return;
        }
        checkPortsFree();
        prepare();
        launch();
        waitHealthy();
    }

    /** Fails, naming the port and its owner, when a port this component needs is taken. */
    public void checkPortsFree() {
        for (int port : ports()) {
            if (!Ports.isFree(config.host(), port)) {
                throw new StackException(name + " cannot start: port " + port + " on " + config.host() + " is already in use"
                        + Ports.owner(port).map(owner -> " by " + owner).orElse("")
                        + ". Stop that process, or move Sillage to other ports with the SILLAGE_*_PORT variables (README, Configuration).");
            }
        }
    }

    protected void launch() {
        ManagedProcess.start(command(), workingDirectory(), environment(), logFile(), pidFile(), niceness());
    }

    /** How much lower this component's CPU priority is than the others' (0: the same). */
    protected int niceness() {
        return 0;
    }

    public void waitHealthy() {
        Instant deadline = Instant.now().plus(config.healthTimeout());
        while (Instant.now().isBefore(deadline)) {
            if (isHealthy()) {
                return;
            }
            if (!isRunning()) {
                throw failure("exited during start-up");
            }
            sleep(Duration.ofMillis(500));
        }
        throw failure("did not become healthy within " + config.healthTimeout().toSeconds() + " s");
    }

    protected StackException failure(String what) {
        return new StackException(name + " " + what + ". Last lines of " + logFile() + ":\n  "
                + String.join("\n  ", ManagedProcess.tail(logFile(), 15)) + "\nHow to fix: " + hint());
    }

    public void stop() {
        pid().ifPresent(pid -> ManagedProcess.stop(pid, Duration.ofSeconds(30)));
    }

    /** Kills the process without letting it clean up, as a crash would. */
    public void kill() {
        pid().ifPresent(ManagedProcess::kill);
    }

    protected static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StackException("Interrupted", e);
        }
    }

    protected String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    protected List<String> javaModuleOpens() {
        return List.of(
                "--add-opens=java.base/java.util=ALL-UNNAMED",
                "--add-opens=java.base/java.lang=ALL-UNNAMED",
                "--add-opens=java.base/java.lang.invoke=ALL-UNNAMED",
                "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
                "--add-opens=java.base/java.io=ALL-UNNAMED",
                "--add-opens=java.base/java.net=ALL-UNNAMED",
                "--add-opens=java.base/java.nio=ALL-UNNAMED",
                "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
                "--add-opens=java.base/java.time=ALL-UNNAMED",
                "--add-opens=java.base/java.text=ALL-UNNAMED",
                "--add-opens=java.base/java.math=ALL-UNNAMED",
                "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
                "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
                "--add-opens=java.sql/java.sql=ALL-UNNAMED");
    }
}
