package io.sillage.stack.component;

import io.sillage.stack.StackConfig;
import io.sillage.stack.process.Http;
import java.util.ArrayList;
import java.util.List;

/** The HTTP API (tracking under /v1, marketer API under /api/v1). */
public class Api extends Component {
    public Api(StackConfig config) {
        super(config, "api");
    }

    @Override
    public int port() {
        return config.apiPort();
    }

    @Override
    public boolean isHealthy() {
        return Http.get(config.apiUrl() + "/health").isPresent();
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
        command.add("-Dlog4j2.configurationFile=" + config.conf().resolve("log4j2.properties"));
        command.addAll(List.of("-cp", Artifacts.classpath(config.home(), "query-api"),
                "io.sillage.api.ApiServer", "--config", config.conf().resolve("sillage.properties").toString()));
        return command;
    }
}
