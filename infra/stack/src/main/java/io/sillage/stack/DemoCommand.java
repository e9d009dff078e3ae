package io.sillage.stack;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ./cdp demo}: sends the demo e-commerce stream to the tracking API, in batches, as an SDK would. */
@Command(name = "demo", description = "Send a realistic e-commerce event stream (browsing, carts, orders, logins) to the demo project.")
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--shoppers", defaultValue = "3000", description = "Number of shoppers (default ${DEFAULT-VALUE}).")
    int shoppers;

    @Option(names = "--write-key", description = "Write key to use (default: the demo project's).")
    String writeKey;

    @Option(names = "--seed", defaultValue = "42", description = "Random seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() throws Exception {
        Stack stack = Cdp.stack();
        String key = writeKey != null ? writeKey : stack.demoProject().writeKey();
        List<ObjectNode> events = new DemoTraffic(seed, Instant.now()).events(shoppers);
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        ObjectMapper json = new ObjectMapper();
        String authorization = "Basic " + Base64.getEncoder().encodeToString((key + ":").getBytes(StandardCharsets.UTF_8));
        int sent = 0;
        for (int from = 0; from < events.size(); from += 250) {
            ObjectNode body = json.createObjectNode();
            body.putArray("batch").addAll(events.subList(from, Math.min(events.size(), from + 250)));
            body.put("sentAt", Instant.now().toString());
            HttpRequest request = HttpRequest.newBuilder(URI.create(stack.config().apiUrl() + "/v1/batch"))
                    .header("Content-Type", "application/json")
                    .header("Authorization", authorization)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(json.writeValueAsBytes(body)))
                    .build();
            HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 429) {
                Thread.sleep(1000);
                from -= 250;
                continue;
            }
            if (response.statusCode() != 200) {
                throw new StackException("The tracking API answered " + response.statusCode() + ": " + response.body());
            }
            sent += Math.min(250, events.size() - from);
        }
        System.out.printf("Sent %d events from %d shoppers to %s.%nWithin a checkpoint interval (%d s) they are in Trino:%n"
                + "  ./cdp sql -e \"select event, count(*) as events from lakehouse.cdp.events where type = 'track' group by 1 order by 2 desc\"%n"
                + "and the shoppers who logged in are one profile with their anonymous visits:%n"
                + "  ./cdp sql -e \"select profile_id, identifiers, event_count from lakehouse.cdp.profiles where merged_into is null order by event_count desc limit 5\"%n",
                sent, shoppers, stack.config().apiUrl(), stack.config().checkpointInterval().toSeconds());
        return 0;
    }
}
