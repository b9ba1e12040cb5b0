package io.headroom.router;

import io.headroom.config.ConfigNode;
import io.headroom.router.auth.ApiKeyStore;
import io.headroom.router.config.RouterConfig;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;

/**
 * The setup of the HTTP tests of rate limits and quotas: a started router in front of one {@link TinyBackend}, with a
 * pool {@code api} and the API keys {@code alice-key} and {@code bob-key} of the consumers alice and bob, plus the
 * {@code rate-limits:} and {@code routes:} a test gives; and a client that sends GETs to it.
 */
final class KeyedRouter implements AutoCloseable {
    private final TinyBackend backend;
    private final Router router;
    private final int port;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private KeyedRouter(TinyBackend backend, Router router) {
        this.backend = backend;
        this.router = router;
        this.port = router.start();
    }

    /**
     * Starts the backend and the router.
     *
     * @param instanceId  the router's instance id (quota leases name it)
     * @param limitsAndRoutes the {@code rate-limits:} and {@code routes:} sections, indented as keys under {@code router:}
     *                    (two spaces); the pool is {@code api}
     * @param clock       the router's wall clock
     */
    static KeyedRouter start(String instanceId, String limitsAndRoutes, Clock clock) throws Exception {
        TinyBackend backend = new TinyBackend("b");
        String yaml = """
                router:
                  listen: 127.0.0.1:0
                  pools:
                    api: {backends: [%s]}
                  auth:
                    api-keys: {keys: [{consumer: alice, sha256: %s}, {consumer: bob, sha256: %s}]}
                """.formatted(backend.address(), ApiKeyStore.hashHex("alice-key"), ApiKeyStore.hashHex("bob-key")) + limitsAndRoutes;
        try {
            return new KeyedRouter(backend, Router.create(RouterConfig.from(ConfigNode.parse("t.yaml", yaml)), instanceId, w -> { }, clock));
        } catch (Exception | Error e) {
            backend.close();
            throw e;
        }
    }

    Router router() {
        return router;
    }

    /** GET {@code path} with the given header name/value pairs. */
    HttpResponse<String> get(String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return http.send(b.GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    @Override
    public void close() throws Exception {
        try {
            router.stop();
        } finally {
            backend.close();
        }
    }
}
