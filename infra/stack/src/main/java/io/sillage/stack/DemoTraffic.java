package io.sillage.stack;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;

/**
 * A realistic e-commerce stream: shoppers browse anonymously, view and add products, some check out and
 * buy, some log in (identify with traits) and keep shopping as known users. Event names and properties
 * follow the Segment e-commerce spec, so the README's queries and later automations find what they expect.
 */
public final class DemoTraffic {
    private static final String[][] CATALOG = {
            {"shoes", "Trail runner", "89.00"}, {"shoes", "City sneaker", "69.00"}, {"shoes", "Leather boot", "149.00"},
            {"bags", "Canvas tote", "39.00"}, {"bags", "Weekend duffel", "119.00"}, {"bags", "Laptop backpack", "79.00"},
            {"shirts", "Linen shirt", "49.00"}, {"shirts", "Oxford shirt", "59.00"}, {"accessories", "Wool beanie", "25.00"},
            {"accessories", "Sunglasses", "99.00"}};
    private static final String[] FIRST_NAMES = {"Jane", "Louis", "Camille", "Hugo", "Emma", "Jules", "Lea", "Noah", "Chloe", "Adam"};
    private static final String[] COUNTRIES = {"FR", "FR", "FR", "BE", "CH", "CA", "DE", "ES"};
    private static final String[] DEVICES = {"ios", "android", "web", "web"};

    private final ObjectMapper json = new ObjectMapper();
    private final Random random;
    private final Instant now;

    public DemoTraffic(long seed, Instant now) {
        this.random = new Random(seed);
        this.now = now;
    }

    /** All events of {@code shoppers} shoppers over the last week, in time order per shopper. */
    public List<ObjectNode> events(int shoppers) {
        List<ObjectNode> events = new ArrayList<>();
        for (int shopper = 0; shopper < shoppers; shopper++) {
            shopper(shopper, events);
        }
        return events;
    }

    private void shopper(int index, List<ObjectNode> out) {
        String anonymousId = UUID.nameUUIDFromBytes(("demo-anon-" + index + "-" + random.nextLong()).getBytes()).toString();
        String userId = null;
        String device = DEVICES[random.nextInt(DEVICES.length)];
        Instant time = now.minus(Duration.ofMinutes(random.nextInt(7 * 24 * 60)));
        boolean willLogIn = random.nextDouble() < 0.45;
        int sessions = 1 + random.nextInt(3);
        for (int session = 0; session < sessions; session++) {
            String cartId = null;
            out.add(page(anonymousId, userId, device, time, "Home"));
            int views = 1 + random.nextInt(5);
            for (int view = 0; view < views; view++) {
                time = time.plusSeconds(10 + random.nextInt(120));
                String[] product = CATALOG[random.nextInt(CATALOG.length)];
                out.add(track(anonymousId, userId, device, time, "Product Viewed", product(product)));
                if (random.nextDouble() < 0.35) {
                    if (cartId == null) {
                        cartId = "cart-" + UUID.nameUUIDFromBytes((anonymousId + session).getBytes()).toString().substring(0, 8);
                    }
                    time = time.plusSeconds(5 + random.nextInt(60));
                    ObjectNode properties = product(product);
                    properties.put("cart_id", cartId);
                    properties.put("quantity", 1 + random.nextInt(2));
                    out.add(track(anonymousId, userId, device, time, "Product Added", properties));
                }
            }
            if (willLogIn && userId == null && random.nextDouble() < 0.7) {
                userId = "user-" + (100000 + index);
                time = time.plusSeconds(30);
                out.add(identify(anonymousId, userId, device, time, index));
            }
            if (cartId != null && random.nextDouble() < 0.45) {
                time = time.plusSeconds(60 + random.nextInt(300));
                ObjectNode checkout = json.createObjectNode().put("cart_id", cartId);
                out.add(track(anonymousId, userId, device, time, "Checkout Started", checkout));
                if (random.nextDouble() < 0.8) {
                    time = time.plusSeconds(60 + random.nextInt(200));
                    String[] product = CATALOG[random.nextInt(CATALOG.length)];
                    ObjectNode order = json.createObjectNode()
                            .put("order_id", "ord-" + UUID.nameUUIDFromBytes((cartId + time).getBytes()).toString().substring(0, 10))
                            .put("cart_id", cartId)
                            .put("currency", "EUR");
                    double revenue = Double.parseDouble(product[2]) * (1 + random.nextInt(2));
                    order.put("revenue", revenue);
                    ArrayNode products = order.putArray("products");
                    products.add(product(product));
                    out.add(track(anonymousId, userId, device, time, "Order Completed", order));
                }
            }
            time = time.plus(Duration.ofHours(2 + random.nextInt(48)));
            if (time.isAfter(now)) {
                time = now.minusSeconds(random.nextInt(600));
            }
        }
    }

    private ObjectNode product(String[] product) {
        return json.createObjectNode()
                .put("product_id", "sku-" + Math.abs(product[1].hashCode() % 10000))
                .put("name", product[1])
                .put("category", product[0])
                .put("price", Double.parseDouble(product[2]));
    }

    private ObjectNode base(String type, String anonymousId, String userId, String device, Instant time) {
        ObjectNode event = json.createObjectNode();
        event.put("type", type);
        event.put("messageId", UUID.randomUUID().toString());
        event.put("anonymousId", anonymousId);
        if (userId != null) {
            event.put("userId", userId);
        }
        event.put("timestamp", time.toString());
        ObjectNode context = event.putObject("context");
        context.putObject("device").put("type", device);
        context.put("locale", "fr-FR");
        context.putObject("library").put("name", "sillage-demo").put("version", "0.1.0");
        return event;
    }

    private ObjectNode page(String anonymousId, String userId, String device, Instant time, String name) {
        ObjectNode event = base("page", anonymousId, userId, device, time);
        event.put("name", name);
        event.putObject("properties").put("path", "/").put("title", "Sillage Shop");
        return event;
    }

    private ObjectNode track(String anonymousId, String userId, String device, Instant time, String name, ObjectNode properties) {
        ObjectNode event = base("track", anonymousId, userId, device, time);
        event.put("event", name);
        event.set("properties", properties);
        return event;
    }

    private ObjectNode identify(String anonymousId, String userId, String device, Instant time, int index) {
        ObjectNode event = base("identify", anonymousId, userId, device, time);
        String firstName = FIRST_NAMES[index % FIRST_NAMES.length];
        event.putObject("traits")
                .put("email", firstName.toLowerCase() + "." + index + "@example.com")
                .put("first_name", firstName)
                .put("country", COUNTRIES[random.nextInt(COUNTRIES.length)])
                .put("loyalty_member", random.nextDouble() < 0.3);
        return event;
    }
}
