package io.sillage.stack.component;

import io.sillage.stack.StackConfig;
import io.sillage.stack.process.Http;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The embedded Flink cluster (web UI on the Flink port) running the project's jobs; see
 * {@code io.sillage.stack.flink.EmbeddedFlink}. Healthy when every job is RUNNING.
 */
public class Flink extends Component {
    public static final List<String> JOB_NAMES = List.of("sillage-pipeline");
    private static final ObjectMapper JSON = new ObjectMapper();

    public Flink(StackConfig config) {
        super(config, "flink");
    }

    @Override
    public int port() {
        return config.flinkPort();
    }

    @Override
    public boolean isHealthy() {
        return Http.get(config.flinkUrl() + "/jobs/overview").map(Flink::allJobsRunning).orElse(false);
    }

    /** Whether every job of the local stack is RUNNING in Flink's {@code /jobs/overview} answer. */
    static boolean allJobsRunning(String overview) {
        try {
            Set<String> running = new HashSet<>();
            for (JsonNode job : JSON.readTree(overview).path("jobs")) {
                if ("RUNNING".equals(job.path("state").asText())) {
                    running.add(job.path("name").asText());
                }
            }
            return running.containsAll(JOB_NAMES);
        }
        catch (IOException e) {
            return false;
        }
    }

    @Override
    protected void prepare() {
        // configuration is written by the stack before any component starts
    }

    /**
     * The pipeline yields the cores to queries and API calls when they compete on one machine: it catches up
     * through Kafka, while a marketer's query waits. Measured in docs/benchmarks.md (identity and profiles).
     */
    @Override
    protected int niceness() {
        return config.flinkNice();
    }

    @Override
    protected List<String> command() {
        List<String> command = new ArrayList<>();
        command.add(javaBin());
        command.add("-Xmx1g");
        command.add("-XX:MaxDirectMemorySize=512m");
        command.addAll(javaModuleOpens());
        command.add("-Dlog4j2.configurationFile=" + config.conf().resolve("log4j2.properties"));
        command.add("-Djava.io.tmpdir=" + config.var().resolve("flink").resolve("tmp"));
        command.addAll(List.of("-cp", Artifacts.classpath(config.home(), "infra/runtime/flink"),
                "io.sillage.stack.flink.EmbeddedFlink", "--config", config.conf().resolve("sillage.properties").toString()));
        return command;
    }

    @Override
    protected String hint() {
        return "the Flink web UI is " + config.flinkUrl() + "; job exceptions are in " + logFile();
    }
}
