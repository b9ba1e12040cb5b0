package io.headroom.router;

import io.headroom.config.ConfigNode;
import io.headroom.router.config.RouterConfig;
import io.headroom.router.telemetry.TelemetrySink;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Connect, first-byte and total timeouts of a pool, each over real sockets on 127.0.0.1. */
@Timeout(60)
class TimeoutsHttpTest {
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private static Router router(String pool) {
        String yaml = """
                router:
                  listen: 127.0.0.1:0
                  pools:
                    api: %s
                  routes: [{name: api, path-prefix: /, pool: api}]
                """.formatted(pool);
        Router r = Router.create(RouterConfig.from(ConfigNode.parse("t.yaml", yaml)), "t", TelemetrySink.DISCARD, Clock.systemUTC());
        r.start();
        return r;
    }

    private HttpResponse<String> get(Router r, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + r.port() + path)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aBackendThatAcceptsAndNeverAnswersGets504AfterTheFirstByteTimeoutNotTheRequestTimeout() throws Exception {
        try (TinyBackend b = new TinyBackend("b1");
             Router r = router("{backends: [%s], first-byte-timeout: 300ms, request-timeout: 30s}".formatted(b.address()))) {
            long t0 = System.nanoTime();
            HttpResponse<String> res = get(r, "/hang");
            long tookMs = (System.nanoTime() - t0) / 1_000_000;
            assertThat(res.statusCode()).isEqualTo(504);
            assertThat(res.body()).startsWith("{\"error\":\"first_byte_timeout\"").contains("300 ms");
            assertThat(tookMs).isGreaterThanOrEqualTo(300).isLessThan(20_000); // far below the 30 s request timeout
            assertThat(r.memberStates("api").get(0).lastError()).isEqualTo("timeout");
            assertThat(b.requests.get()).isEqualTo(1); // a timed-out exchange is not retried
            // the pool still serves
            assertThat(get(r, "/who").body()).isEqualTo("b1");
        }
    }

    @Test
    void theFirstByteTimeoutEndsWithTheResponseHeadAndASlowBodyStillCompletes() throws Exception {
        try (TinyBackend b = new TinyBackend("b1");
             Router r = router("{backends: [%s], first-byte-timeout: 300ms, request-timeout: 30s}".formatted(b.address()))) {
            HttpResponse<String> res = get(r, "/trickle?n=6"); // 600 ms of body after a prompt head
            assertThat(res.statusCode()).isEqualTo(200);
            assertThat(res.body()).isEqualTo("a\nb\nc\nd\ne\nf\n");
        }
    }

    @Test
    void theRequestTimeoutStillBoundsTheWholeExchange() throws Exception {
        try (TinyBackend b = new TinyBackend("b1");
             Router r = router("{backends: [%s], first-byte-timeout: 20s, request-timeout: 300ms}".formatted(b.address()))) {
            HttpResponse<String> res = get(r, "/hang");
            assertThat(res.statusCode()).isEqualTo(504);
            assertThat(res.body()).startsWith("{\"error\":\"upstream_timeout\"");
        }
    }

    @Test
    void aBackendWhoseAcceptQueueIsFullGets504AfterTheConnectTimeout() throws Exception {
        // A listener that never accepts, with its accept queue filled: Linux drops further SYNs, so connect hangs.
        try (ServerSocket full = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            List<Socket> fillers = new ArrayList<>();
            try {
                for (int i = 0; i < 8; i++) {
                    Socket s = new Socket();
                    try {
                        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), full.getLocalPort()), 200);
                        fillers.add(s);
                    } catch (java.io.IOException e) {
                        s.close();
                        break; // the queue is full
                    }
                }
                try (Router r = router("{backends: [127.0.0.1:%d], connect-timeout: 300ms, request-timeout: 30s, retry: {attempts: 0}}"
                        .formatted(full.getLocalPort()))) {
                    HttpResponse<String> res = get(r, "/who");
                    assertThat(res.statusCode()).isEqualTo(504);
                    assertThat(res.body()).startsWith("{\"error\":\"connect_timeout\"");
                }
            } finally {
                for (Socket s : fillers) {
                    s.close();
                }
            }
        }
    }
}
