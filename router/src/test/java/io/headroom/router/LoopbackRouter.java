package io.headroom.router;

import io.headroom.config.ConfigNode;
import io.headroom.ingest.model.TelemetryWindow;
import io.headroom.router.auth.ApiKeyStore;
import io.headroom.router.config.RouterConfig;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * The setup of the router's HTTP tests: a router started on a configuration written as YAML (parsed as {@code t.yaml}),
 * listening on 127.0.0.1, on the system clock, keeping every telemetry window it closes; and an HTTP/1.1 client that
 * sends GETs to it.
 */
final class LoopbackRouter implements AutoCloseable {
    private final Router router;
    private final int port;
    private final ConcurrentLinkedQueue<TelemetryWindow> windows;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private LoopbackRouter(Router router, ConcurrentLinkedQueue<TelemetryWindow> windows) {
        this.router = router;
        this.windows = windows;
        this.port = router.start();
    }

    /** Starts the router {@code instanceId} on {@code yaml}, whose {@code router.listen} should be {@code 127.0.0.1:0}. */
    static LoopbackRouter start(String instanceId, String yaml) {
        ConcurrentLinkedQueue<TelemetryWindow> windows = new ConcurrentLinkedQueue<>();
        return new LoopbackRouter(Router.create(RouterConfig.from(ConfigNode.parse("t.yaml", yaml)), instanceId, windows::add,
                Clock.systemUTC()), windows);
    }

    /**
     * The start of a configuration: the listener on 127.0.0.1, pool {@code api} on {@code backend}, and consumer
     * {@code alice} with the API key {@code alice-key} in header {@code X-Api-Key}; a test adds {@code routes:} and any
     * other key of {@code router:}, indented two spaces.
     */
    static String withAliceKey(String backend) {
        return """
                router:
                  listen: 127.0.0.1:0
                  pools:
                    api: {backends: [%s]}
                  auth:
                    api-keys:
                      header: X-Api-Key
                      keys: [{consumer: alice, sha256: %s}]
                """.formatted(backend, ApiKeyStore.hashHex("alice-key"));
    }

    Router router() {
        return router;
    }

    int port() {
        return port;
    }

    /** The telemetry windows the router closed so far. */
    ConcurrentLinkedQueue<TelemetryWindow> windows() {
        return windows;
    }

    HttpClient http() {
        return http;
    }

    /** {@code http://127.0.0.1:PORT} followed by {@code path}. */
    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    /** GET {@code path} with the given header name/value pairs (10 s timeout). */
    HttpResponse<String> get(String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return http.send(b.GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    @Override
    public void close() {
        router.close();
    }
}
