package io.headroom.router.auth;

import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** A JWKS endpoint on 127.0.0.1 that counts its fetches and serves whatever public keys the test sets. */
public final class JwksServer implements AutoCloseable {
    private final HttpServer server;
    public final AtomicInteger fetches = new AtomicInteger();
    private volatile String body = "{\"keys\":[]}";

    public JwksServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/jwks.json", ex -> {
            fetches.incrementAndGet();
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(200, b.length);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(b);
            }
        });
        server.start();
    }

    /** Publishes the public parts of {@code keys}. */
    public void publish(List<JWK> keys) {
        body = new JWKSet(keys.stream().map(JWK::toPublicJWK).toList()).toString();
    }

    public void publishRaw(String json) {
        body = json;
    }

    public URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/jwks.json");
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
