package io.headroom.router.auth;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An RFC 7662 introspection endpoint on 127.0.0.1: POST /introspect with a form-encoded {@code token}, the client
 * authenticated by HTTP Basic. Answers what the test set for the token ({@code {"active":false}} for unknown ones),
 * 401 for wrong client credentials, and holds tokens in {@link #hold} until {@link #release()}.
 */
public final class IntrospectionServer implements AutoCloseable {
    private final HttpServer server;
    private final String clientId;
    private final String secret;
    public final AtomicInteger calls = new AtomicInteger();
    public final AtomicInteger held = new AtomicInteger();
    public final Map<String, String> answers = new ConcurrentHashMap<>();
    public final Map<String, AtomicInteger> perToken = new ConcurrentHashMap<>();
    public final Set<String> hold = ConcurrentHashMap.newKeySet();
    private volatile CountDownLatch gate = new CountDownLatch(1);

    public IntrospectionServer(String clientId, String secret) throws IOException {
        this.clientId = clientId;
        this.secret = secret;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/introspect", ex -> {
            try (ex) {
                calls.incrementAndGet();
                String form = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                if (!"POST".equals(ex.getRequestMethod()) || !clientAuthenticated(ex.getRequestHeaders().getFirst("Authorization"))
                        || !"application/x-www-form-urlencoded".equals(ex.getRequestHeaders().getFirst("Content-Type"))) {
                    ex.sendResponseHeaders(401, -1);
                    return;
                }
                String token = null;
                for (String kv : form.split("&")) {
                    int eq = kv.indexOf('=');
                    if (eq > 0 && kv.substring(0, eq).equals("token")) {
                        token = URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8);
                    }
                }
                if (token == null) {
                    ex.sendResponseHeaders(400, -1);
                    return;
                }
                perToken.computeIfAbsent(token, t -> new AtomicInteger()).incrementAndGet();
                if (hold.contains(token)) {
                    held.incrementAndGet();
                    try {
                        gate.await();
                    } catch (InterruptedException e) {
                        return;
                    } finally {
                        held.decrementAndGet();
                    }
                }
                byte[] b = answers.getOrDefault(token, "{\"active\":false}").getBytes(StandardCharsets.UTF_8);
                ex.getResponseHeaders().add("Content-Type", "application/json");
                ex.sendResponseHeaders(200, b.length);
                try (OutputStream o = ex.getResponseBody()) {
                    o.write(b);
                }
            }
        });
        server.start();
    }

    /** HTTP Basic with the form-encoded client id and secret (RFC 6749 section 2.3.1). */
    private boolean clientAuthenticated(String authorization) {
        if (authorization == null || !authorization.startsWith("Basic ")) {
            return false;
        }
        String pair = new String(Base64.getDecoder().decode(authorization.substring(6)), StandardCharsets.UTF_8);
        int colon = pair.indexOf(':');
        return colon > 0 && URLDecoder.decode(pair.substring(0, colon), StandardCharsets.UTF_8).equals(clientId)
                && URLDecoder.decode(pair.substring(colon + 1), StandardCharsets.UTF_8).equals(secret);
    }

    /** Lets every held request answer (and later ones pass). */
    public void release() {
        gate.countDown();
    }

    public int calls(String token) {
        AtomicInteger n = perToken.get(token);
        return n == null ? 0 : n.get();
    }

    public URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/introspect");
    }

    @Override
    public void close() {
        release();
        server.stop(0);
    }
}
