package io.sillage.stack.component;

import io.sillage.stack.StackConfig;
import io.sillage.stack.process.Http;
import java.util.ArrayList;
import java.util.List;

/**
 * The embedded Flink cluster (web UI on the Flink port) running the project's jobs; see
 * {@code io.sillage.stack.flink.EmbeddedFlink}. Healthy when every job is RUNNING.
 */
public class Flink extends Component {
    public static final List<String> JOB_NAMES = List.of("sillage-collect");

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

    static boolean allJobsRunning(String overview) {
        String compact = overview.replace(" ", "");
        for (String job : JOB_NAMES) {
            int at = compact.indexOf("\"name\":\"" + job + "\"");
            if (at < 0) {
                return false;
            }
            int end = compact.indexOf('}', at);
            int start = compact.lastIndexOf('{', at);
            String entry = compact.substring(start, end < 0 ? compact.length() : end);
            if (!entry.contains("\"state\":\"RUNNING\"")) {
                return false;
            }
        }
        return true;
    }

    @Override
    protected void prepare() {
        // configuration is written by the stack before any component starts
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
