package io.sillage.lakehouse.messaging.connector;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/** A real HTTP server on a free loopback port standing in for a provider: records requests, answers as told. */
final class LocalHttpServer implements AutoCloseable {
    record Request(String method, URI uri, Headers headers, byte[] body) {
        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        String header(String name) {
            return headers.getFirst(name);
        }
    }

    record Response(int status, String body, Map<String, String> headers, Duration delay) {
        static Response of(int status, String body) {
            return new Response(status, body, Map.of(), Duration.ZERO);
        }

        Response with(String header, String value) {
            Map<String, String> more = new HashMap<>(headers);
            more.put(header, value);
            return new Response(status, body, more, delay);
        }

        Response after(Duration wait) {
            return new Response(status, body, headers, wait);
        }
    }

    private final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final BlockingQueue<Request> requests = new LinkedBlockingQueue<>();
    private volatile Function<Request, Response> responder = request -> Response.of(200, "{}");

    LocalHttpServer() {
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/", exchange -> {
            Request request = new Request(exchange.getRequestMethod(), exchange.getRequestURI(), exchange.getRequestHeaders(), exchange.getRequestBody().readAllBytes());
            requests.add(request);
            Response response = responder.apply(request);
            try {
                Thread.sleep(response.delay().toMillis());
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            response.headers().forEach(exchange.getResponseHeaders()::add);
            byte[] body = response.body().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(response.status(), body.length == 0 ? -1 : body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
            catch (IOException e) {
                // the client gave up (timeout tests)
            }
        });
        server.setExecutor(threads);
        server.start();
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    void answer(Function<Request, Response> responder) {
        this.responder = responder;
    }

    Request take() {
        try {
            Request request = requests.poll(10, TimeUnit.SECONDS);
            if (request == null) {
                throw new AssertionError("no request arrived");
            }
            return request;
        }
        catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
