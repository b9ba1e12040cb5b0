package io.headroom.autoscaler.provider;

import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;

/**
 * The local HTTP server a provider test talks to, as a JUnit extension ({@code @RegisterExtension}): on 127.0.0.1 at a
 * free port, the test's handler answering under {@code context}, started before each test and stopped after it.
 */
final class LoopbackServer implements BeforeEachCallback, AfterEachCallback {
    private final String context;
    private final HttpHandler handler;
    private HttpServer server;

    LoopbackServer(String context, HttpHandler handler) {
        this.context = context;
        this.handler = handler;
    }

    @Override
    public void beforeEach(ExtensionContext ignored) throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext(context, handler);
        server.start();
    }

    @Override
    public void afterEach(ExtensionContext ignored) {
        server.stop(0);
    }

    /** {@code http://127.0.0.1:PORT} followed by {@code path} (empty for the server's root without a slash). */
    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }
}
