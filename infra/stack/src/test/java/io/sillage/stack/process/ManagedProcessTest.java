package io.sillage.stack.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ManagedProcessTest {
    @TempDir
    Path dir;

    @Test
    void aNicedProcessGetsItsOwnLowerGroupAndLeavesTheSupervisorsAlone() throws Exception {
        // the group's niceness was once written before setsid had run, to the supervisor's group: a race, so try often
        for (int attempt = 0; attempt < 20; attempt++) {
            startNiced(attempt);
        }
    }

    private void startNiced(int attempt) throws Exception {
        Path ownGroup = Path.of("/proc/self/autogroup");
        String supervisorBefore = Files.exists(ownGroup) ? Files.readString(ownGroup).trim() : null;
        long pid = ManagedProcess.start(List.of("sleep", "30"), dir, Map.of(), dir.resolve("sleep-" + attempt + ".log"), dir.resolve("sleep-" + attempt + ".pid"), 7);
        try {
            // setsid, then nice, then the command: wait until the command itself runs
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (!Files.readString(Path.of("/proc", Long.toString(pid), "comm")).trim().equals("sleep") && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(ManagedProcess.sessionLeader(pid)).as("started in a session of its own").isTrue();
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            assertThat(fields[16]).as("the process's own niceness").isEqualTo("7");
            if (supervisorBefore != null) {
                assertThat(Files.readString(Path.of("/proc", Long.toString(pid), "autogroup")).trim()).endsWith("nice 7");
                assertThat(Files.readString(ownGroup).trim()).as("the supervisor's group is untouched").isEqualTo(supervisorBefore);
            }
        }
        finally {
            ManagedProcess.stop(pid, Duration.ofSeconds(5));
        }
    }
}
