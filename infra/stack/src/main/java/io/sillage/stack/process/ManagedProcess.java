package io.sillage.stack.process;

import io.sillage.stack.StackException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A component process started by the stack: its own session (so Ctrl-C reaches only the supervisor, which
 * stops components in order), output appended to a log file, pid recorded in a pid file so that
 * {@code ./cdp status} and {@code ./cdp down} work from another shell.
 */
public final class ManagedProcess {
    private ManagedProcess() {}

    public static long start(List<String> command, Path workingDirectory, Map<String, String> environment, Path logFile, Path pidFile) {
        return start(command, workingDirectory, environment, logFile, pidFile, 0);
    }

    /**
     * Starts the process with its CPU priority lowered by {@code nice} (0: unchanged). Its own session is its own
     * scheduling group when the kernel groups by session ({@code /proc/sys/kernel/sched_autogroup_enabled}), and
     * the kernel then shares the CPU between groups before threads: a thread's niceness only counts inside its
     * group, so the group's is set too ({@code /proc/<pid>/autogroup}).
     */
    public static long start(List<String> command, Path workingDirectory, Map<String, String> environment, Path logFile, Path pidFile, int nice) {
        List<String> full = new ArrayList<>();
        boolean ownSession = Files.isExecutable(Path.of("/usr/bin/setsid"));
        if (ownSession) {
            full.add("/usr/bin/setsid");
        }
        if (nice > 0 && Files.isExecutable(Path.of("/usr/bin/nice"))) {
            full.addAll(List.of("/usr/bin/nice", "-n", Integer.toString(nice)));
        }
        full.addAll(command);
        ProcessBuilder builder = new ProcessBuilder(full)
                .directory(workingDirectory.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        builder.environment().putAll(environment);
        try {
            Files.createDirectories(logFile.getParent());
            Files.createDirectories(pidFile.getParent());
            Process process = builder.start();
            if (nice > 0 && ownSession) {
                lowerGroupPriority(process.pid(), nice);
            }
            // the start time guards against pid reuse after a crash or a reboot
            Files.writeString(pidFile, process.pid() + "\n" + startMillis(process.pid()).map(String::valueOf).orElse("") + "\n");
            return process.pid();
        }
        catch (IOException e) {
            throw new StackException("Cannot start " + command.get(0) + ": " + e.getMessage(), e);
        }
    }

    /**
     * Sets the niceness of the process's scheduling group, once the process leads its own session: the group
     * follows the session, and until {@code setsid} has run, the process is still in the supervisor's session, whose
     * group (the supervisor and every component started before) would be lowered instead. That happened: Flink ran
     * in a group of its own at nice 0 while the supervisor's group sat at nice 5.
     */
    private static void lowerGroupPriority(long pid, int nice) {
        Path autogroup = Path.of("/proc", Long.toString(pid), "autogroup");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        try {
            while (!sessionLeader(pid)) {
                if (System.nanoTime() > deadline || !isAlive(pid)) {
                    return;
                }
                Thread.sleep(5);
            }
            if (Files.isWritable(autogroup)) {
                Files.writeString(autogroup, Integer.toString(nice));
            }
        }
        catch (IOException e) {
            // the threads' own niceness still applies when sessions are not grouped
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Whether the process leads its own session: field 6 of {@code /proc/<pid>/stat}, after the command in parentheses. */
    static boolean sessionLeader(long pid) throws IOException {
        Path stat = Path.of("/proc", Long.toString(pid), "stat");
        if (!Files.exists(stat)) {
            return false;
        }
        String text = Files.readString(stat);
        String[] fields = text.substring(text.lastIndexOf(')') + 2).split(" ");
        // state, ppid, pgrp, session
        return fields.length > 3 && Long.parseLong(fields[3]) == pid;
    }

    /**
     * The pid recorded in a pid file, only while that very process runs: when the file holds a start time
     * (second line), a live process with the same pid but another start time is someone else's.
     */
    public static Optional<Long> readPid(Path pidFile) {
        try {
            if (!Files.exists(pidFile)) {
                return Optional.empty();
            }
            List<String> lines = Files.readAllLines(pidFile);
            String first = lines.isEmpty() ? "" : lines.get(0).trim();
            if (first.isEmpty()) {
                return Optional.empty();
            }
            long pid = Long.parseLong(first);
            String recorded = lines.size() > 1 ? lines.get(1).trim() : "";
            if (!recorded.isEmpty() && !startMillis(pid).map(start -> Math.abs(start - Long.parseLong(recorded)) < 2000).orElse(false)) {
                return Optional.empty();
            }
            return Optional.of(pid);
        }
        catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** The pid on the first line of a pid file written by another program (such as PostgreSQL's postmaster.pid). */
    public static Optional<Long> readFirstLinePid(Path pidFile) {
        try {
            if (!Files.exists(pidFile)) {
                return Optional.empty();
            }
            List<String> lines = Files.readAllLines(pidFile);
            return lines.isEmpty() || lines.get(0).isBlank() ? Optional.empty() : Optional.of(Long.parseLong(lines.get(0).trim()));
        }
        catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static Optional<Long> startMillis(long pid) {
        return ProcessHandle.of(pid).flatMap(handle -> handle.info().startInstant()).map(java.time.Instant::toEpochMilli);
    }

    public static boolean isAlive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /** SIGTERM, then SIGKILL after the grace period. Returns true when the process is gone. */
    public static boolean stop(long pid, Duration grace) {
        Optional<ProcessHandle> handle = ProcessHandle.of(pid);
        if (handle.isEmpty() || !handle.get().isAlive()) {
            return true;
        }
        handle.get().destroy();
        try {
            handle.get().onExit().get(grace.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        }
        catch (Exception timedOut) {
            handle.get().destroyForcibly();
            try {
                handle.get().onExit().get(10, TimeUnit.SECONDS);
            }
            catch (Exception ignored) {
                return false;
            }
            return true;
        }
    }

    /** SIGKILL, as a crash would: no shutdown hook runs. */
    public static void kill(long pid) {
        ProcessHandle.of(pid).ifPresent(handle -> {
            // its children too: one caught between fork and exec (jspawnhelper) still holds the parent's
            // listening sockets, and a restart then finds its port taken (seen once in CI after killing Flink)
            List<ProcessHandle> tree = new ArrayList<>(handle.descendants().toList());
            tree.add(handle);
            tree.forEach(ProcessHandle::destroyForcibly);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            for (ProcessHandle process : tree) {
                try {
                    process.onExit().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                }
                catch (Exception ignored) {
                    // reported by the caller's next health check or port check
                }
            }
        });
    }

    public static List<String> tail(Path logFile, int lines) {
        try {
            if (!Files.exists(logFile)) {
                return List.of("(no log file " + logFile + ")");
            }
            List<String> all = Files.readAllLines(logFile, StandardCharsets.UTF_8);
            return all.subList(Math.max(0, all.size() - lines), all.size());
        }
        catch (IOException e) {
            return List.of("(cannot read " + logFile + ": " + e.getMessage() + ")");
        }
    }

    /** Runs a short command to completion, failing with its output. */
    public static String run(List<String> command, Path workingDirectory, Duration timeout) {
        try {
            Process process = new ProcessBuilder(command).directory(workingDirectory.toFile()).redirectErrorStream(true).start();
            process.getOutputStream().close();
            byte[] output = process.getInputStream().readAllBytes();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new StackException("Command timed out after " + timeout.toSeconds() + " s: " + String.join(" ", command));
            }
            String text = new String(output, StandardCharsets.UTF_8);
            if (process.exitValue() != 0) {
                throw new StackException("Command failed (exit " + process.exitValue() + "): " + String.join(" ", command) + "\n" + text);
            }
            return text;
        }
        catch (IOException e) {
            throw new StackException("Cannot run " + command.get(0) + ": " + e.getMessage(), e);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StackException("Interrupted while running " + command.get(0), e);
        }
    }
}
