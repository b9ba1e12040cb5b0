package io.headroom.router;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** WebSocket passthrough with the JDK's WebSocket client against an RFC 6455 echo backend, through the router. */
@Timeout(60)
class WebSocketHttpTest {
    private TinyBackend backend;
    private LoopbackRouter running;

    @BeforeEach
    void start() throws Exception {
        backend = new TinyBackend("b1");
        String yaml = LoopbackRouter.withAliceKey(backend.address()) + """
                  routes:
                    - {name: open, path-prefix: /, pool: api}
                    - {name: keyed, path-prefix: /keyed, rewrite: {strip-prefix: true}, pool: api, auth: {methods: [api-key]}}
                """;
        running = LoopbackRouter.start("t", yaml);
    }

    @AfterEach
    void stop() throws Exception {
        running.close();
        backend.close();
    }

    /** Collects text messages. */
    private static final class Collector implements WebSocket.Listener {
        final LinkedBlockingQueue<String> texts = new LinkedBlockingQueue<>();
        final CompletableFuture<Integer> closed = new CompletableFuture<>();
        private final StringBuilder part = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            part.append(data);
            if (last) {
                texts.add(part.toString());
                part.setLength(0);
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int status, String reason) {
            closed.complete(status);
            return null;
        }
    }

    @Test
    void messagesGoBothWaysThroughTheRouter() throws Exception {
        Collector c = new Collector();
        WebSocket ws = running.http().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10))
                .buildAsync(URI.create("ws://127.0.0.1:" + running.port() + "/ws/chat?room=1"), c).get(20, TimeUnit.SECONDS);
        ws.sendText("hello", true).get(10, TimeUnit.SECONDS);
        assertThat(c.texts.poll(10, TimeUnit.SECONDS)).isEqualTo("hello");
        String big = "x".repeat(70_000); // a frame larger than one read buffer
        ws.sendText(big, true).get(10, TimeUnit.SECONDS);
        assertThat(c.texts.poll(10, TimeUnit.SECONDS)).isEqualTo(big);
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(10, TimeUnit.SECONDS);
        assertThat(c.closed.get(10, TimeUnit.SECONDS)).isEqualTo(WebSocket.NORMAL_CLOSURE);
        String head = backend.lastUpgradeHead;
        assertThat(head).startsWith("GET /ws/chat?room=1 HTTP/1.1").contains("X-Forwarded-For: 127.0.0.1",
                "Forwarded: for=127.0.0.1;proto=http;host=\"127.0.0.1:" + running.port() + "\"");
        // ordinary requests still work on the same listener
        assertThat(running.http().send(HttpRequest.newBuilder(running.uri("/who")).build(),
                HttpResponse.BodyHandlers.ofString()).body()).isEqualTo("b1");
        // telemetry counts the handshake (101) and the ordinary request on the route
        // (the proxy records a request just after its answer has gone out: poll, closing a window each time)
        long counted = 0;
        long ahead = 2000; // each close needs a later window end: counters are deltas since the last close
        for (long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20); counted < 2 && System.nanoTime() - until < 0; ) {
            running.router().telemetry().closeWindow(System.currentTimeMillis() + ahead);
            ahead += 1000;
            counted = running.windows().stream().filter(w -> w.route().equals("open")).flatMap(w -> w.backends().stream())
                    .mapToLong(b -> b.status2xx()).sum();
            if (counted < 2) {
                Thread.sleep(20);
            }
        }
        assertThat(counted).isEqualTo(2);
    }

    @Test
    void anUpgradeOnAGuardedRouteNeedsCredentialsWhichAreNotForwarded() throws Exception {
        URI uri = URI.create("ws://127.0.0.1:" + running.port() + "/keyed/ws");
        assertThatThrownBy(() -> running.http().newWebSocketBuilder().buildAsync(uri, new Collector()).join())
                .isInstanceOf(CompletionException.class).hasCauseInstanceOf(WebSocketHandshakeException.class)
                .satisfies(e -> assertThat(((WebSocketHandshakeException) e.getCause()).getResponse().statusCode()).isEqualTo(401));
        Collector c = new Collector();
        WebSocket ws = running.http().newWebSocketBuilder().header("X-Api-Key", "alice-key").buildAsync(uri, c).get(20, TimeUnit.SECONDS);
        ws.sendText("ok", true).get(10, TimeUnit.SECONDS);
        assertThat(c.texts.poll(10, TimeUnit.SECONDS)).isEqualTo("ok");
        assertThat(backend.lastUpgradeHead).startsWith("GET /ws HTTP/1.1").doesNotContainIgnoringCase("x-api-key");
        ws.abort();
    }

    @Test
    void aMemberThatRefusesTheUpgradeHasItsAnswerPassedOn() {
        URI uri = URI.create("ws://127.0.0.1:" + running.port() + "/plain");
        // TinyBackend answers an upgrade to a non-/ws path as an ordinary request: 200, which is no handshake
        assertThatThrownBy(() -> running.http().newWebSocketBuilder().buildAsync(uri, new Collector()).join())
                .hasCauseInstanceOf(WebSocketHandshakeException.class)
                .satisfies(e -> assertThat(((WebSocketHandshakeException) e.getCause()).getResponse().statusCode()).isEqualTo(200));
    }
}
