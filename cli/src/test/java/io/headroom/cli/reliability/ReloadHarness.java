package io.headroom.cli.reliability;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.concurrent.Executors;

/**
 * What the hot-reload tests share: loopback backends that answer their own name, the configuration file they edit
 * (a pool {@code api}, one route, an admin port, room for a pool and a route more), an editor's way of replacing that
 * file, and the HTTP calls to the proxy and the admin API.
 */
final class ReloadHarness {
    private ReloadHarness() {
    }

    /** A backend on 127.0.0.1 that answers every request with 200 and {@code name} as its body. */
    static HttpServer backend(String name) throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 256);
        s.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        byte[] body = name.getBytes(StandardCharsets.US_ASCII);
        s.createContext("/", ex -> {
            try (ex) {
                ex.getRequestBody().readAllBytes();
                ex.sendResponseHeaders(200, body.length);
                ex.getResponseBody().write(body);
            }
        });
        s.start();
        return s;
    }

    /**
     * The configuration the reload tests start from and edit: pool {@code api} on {@code apiPort} behind the route
     * {@code /}, the embedded broker in {@code kafkaDir}, an admin port; {@code extraPool} and {@code extraRoute} are
     * lines added under {@code pools:} and {@code routes:} (indented four spaces), or empty.
     */
    static String config(String instanceId, Path kafkaDir, int apiPort, String extraPool, String extraRoute) {
        return """
                instance-id: %s
                kafka: {embedded-data-dir: %s, telemetry-partitions: 1}
                router:
                  listen: 127.0.0.1:0
                  pools:
                    api: {backends: [127.0.0.1:%d]}
                %s
                  routes:
                    - {name: api, path-prefix: /, pool: api}
                %s
                admin: {listen: 127.0.0.1:0}
                """.formatted(instanceId, kafkaDir, apiPort, extraPool, extraRoute);
    }

    /** Replaces the file the way editors do: write a temporary file, then rename it over the old one. */
    static void replace(Path file, String text) throws IOException {
        Path t = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(t, text);
        Files.move(t, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    static HttpClient client() {
        return HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    static HttpResponse<String> get(HttpClient http, String url) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> post(HttpClient http, String url) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.noBody())
                .build(), HttpResponse.BodyHandlers.ofString());
    }
}
