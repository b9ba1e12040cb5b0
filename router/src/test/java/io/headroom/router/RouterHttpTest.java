package io.headroom.router;

import io.headroom.ingest.model.BackendStats;
import io.headroom.ingest.model.ControlPlan;
import io.headroom.router.control.ControlPlanStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The router over real HTTP on 127.0.0.1, in front of raw test backends. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class RouterHttpTest {
    private TinyBackend b1;
    private TinyBackend b2;
    private TinyBackend b3;
    private LoopbackRouter running;

    @BeforeAll
    void start() throws IOException {
        b1 = new TinyBackend("b1");
        b2 = new TinyBackend("b2");
        b3 = new TinyBackend("b3");
        int closed = io.headroom.router.RefusedPort.next(); // nothing listens there: connections are refused
        String yaml = """
                router:
                  listen: 127.0.0.1:0
                  pools:
                    api: {backends: [%1$s, %2$s]}
                    weighted: {backends: [%1$s, %2$s]}
                    single: {backends: [%3$s]}
                    dead: {backends: [127.0.0.1:%4$d], connect-timeout: 500ms}
                    slow: {backends: [%1$s], request-timeout: 300ms}
                    empty: {backends: []}
                  routes:
                    - {name: api, path-prefix: /, pool: api}
                    - {name: weighted, path-prefix: /w, pool: weighted}
                    - {name: single, path-prefix: /single, pool: single}
                    - {name: dead, path-prefix: /dead, pool: dead}
                    - {name: slow, path-prefix: /slow, pool: slow}
                    - {name: empty, path-prefix: /empty, pool: empty}
                    - {name: tele, path-prefix: /tele, pool: api}
                """.formatted(b1.address(), b2.address(), b3.address(), closed);
        running = LoopbackRouter.start("it-1", yaml);
    }

    @AfterAll
    void stop() throws IOException {
        running.close();
        b1.close();
        b2.close();
        b3.close();
    }

    private Map<String, Integer> spread(String path, int n) throws Exception {
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < n; i++) {
            HttpResponse<String> r = running.get(path);
            assertThat(r.statusCode()).isEqualTo(200);
            counts.merge(r.body(), 1, Integer::sum);
        }
        return counts;
    }

    @Test
    void roundRobinSpreadAndKeepAliveReuse() throws Exception {
        int connsBefore = b1.connections.get() + b2.connections.get();
        int reqsBefore = b1.requests.get() + b2.requests.get();
        assertThat(spread("/who", 20)).containsExactlyInAnyOrderEntriesOf(Map.of("b1", 10, "b2", 10));
        int conns = b1.connections.get() + b2.connections.get() - connsBefore;
        int reqs = b1.requests.get() + b2.requests.get() - reqsBefore;
        assertThat(reqs).isEqualTo(20);
        assertThat(conns).isLessThan(reqs).isLessThanOrEqualTo(4);
    }

    @Test
    void weightsAndMembersChangeWithPlans() throws Exception {
        assertThat(spread("/w/who", 4)).containsExactlyInAnyOrderEntriesOf(Map.of("b1", 2, "b2", 2));
        long now = System.currentTimeMillis();
        ControlPlanStore store = running.router().controlPlans();
        assertThat(store.apply(new ControlPlan("pool:weighted", ControlPlan.SOURCE_PREDICTOR, 1, now, now + 60_000,
                Map.of(b1.address(), 3.0, b2.address(), 1.0), List.of(), List.of(), "it"))).isEqualTo(ControlPlanStore.Outcome.APPLIED);
        assertThat(running.router().pools().get("weighted").weightOf(b1.address())).isEqualTo(3.0);
        assertThat(spread("/w/who", 8)).containsExactlyInAnyOrderEntriesOf(Map.of("b1", 6, "b2", 2));
        assertThat(store.apply(new ControlPlan("pool:weighted", ControlPlan.SOURCE_AUTOSCALER, 1, now, now + 60_000,
                Map.of(), List.of(), List.of(b3.address()), "it"))).isEqualTo(ControlPlanStore.Outcome.APPLIED);
        assertThat(spread("/w/who", 5)).containsExactlyInAnyOrderEntriesOf(Map.of("b1", 3, "b2", 1, "b3", 1));
    }

    @Test
    void streamsMultiMegabyteChunkedResponse() throws Exception {
        int n = 5_000_000;
        HttpResponse<InputStream> r = running.http().send(HttpRequest.newBuilder(running.uri("/big?n=" + n))
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).contains("application/octet-stream");
        long i = 0;
        try (InputStream in = r.body()) {
            byte[] buf = new byte[65536];
            int k;
            while ((k = in.read(buf)) >= 0) {
                for (int j = 0; j < k; j++) {
                    if (buf[j] != (byte) ((i + j) % 251)) {
                        throw new AssertionError("byte " + (i + j) + " differs");
                    }
                }
                i += k;
            }
        }
        assertThat(i).isEqualTo(n);
    }

    @Test
    void postBodiesWithLengthAndChunked() throws Exception {
        byte[] body = new byte[3_000_000];
        new Random(7).nextBytes(body);
        HttpResponse<byte[]> r = running.http().send(HttpRequest.newBuilder(running.uri("/echo"))
                .timeout(Duration.ofSeconds(20)).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(body);
        // Unknown length: the client sends chunked, the proxy forwards chunked.
        HttpResponse<byte[]> c = running.http().send(HttpRequest.newBuilder(running.uri("/echo"))
                .timeout(Duration.ofSeconds(20)).POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)))
                .build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(c.statusCode()).isEqualTo(200);
        assertThat(c.body()).isEqualTo(body);
    }

    @Test
    void hopByHopHeadersStrippedAndForwardedHeadersAdded() throws Exception {
        String response;
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), running.port())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(("GET /headers HTTP/1.1\r\nHost: example.test\r\nConnection: close, X-Drop-Me\r\nX-Drop-Me: 1\r\n"
                    + "Keep-Alive: 300\r\nProxy-Authorization: secret\r\nTE: trailers\r\nX-Keep: yes\r\n"
                    + "X-Forwarded-For: 10.1.1.1\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            response = readResponse(s.getInputStream());
        }
        int split = response.indexOf("\r\n\r\n");
        String head = response.substring(0, split).toLowerCase();
        String seenByBackend = response.substring(split + 4).toLowerCase();
        assertThat(head).startsWith("http/1.1 200");
        assertThat(seenByBackend).startsWith("get /headers http/1.1\n");
        assertThat(seenByBackend).contains("x-keep: yes", "host: example.test",
                "x-forwarded-for: 10.1.1.1, 127.0.0.1", "x-forwarded-proto: http", "x-forwarded-host: example.test",
                "forwarded: for=127.0.0.1;proto=http;host=\"example.test\"");
        assertThat(seenByBackend).doesNotContain("x-drop-me", "keep-alive", "proxy-authorization", "te:", "connection:");
        assertThat(head).contains("x-end-to-end: yes", "set-cookie: a=1", "set-cookie: b=2");
        assertThat(head).doesNotContain("x-hop-secret", "keep-alive", "proxy-agent");
    }

    @Test
    void forwardingHeadersFollowTheHostOfEachRequestOnOneConnection() throws Exception {
        // no forwarding headers from the client: the router's own lines, kept per connection, must follow a new Host
        String first;
        String second;
        String third;
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), running.port())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(("GET /headers HTTP/1.1\r\nHost: a.test\r\n\r\nGET /headers HTTP/1.1\r\nHost: b.test\r\n\r\n"
                    + "GET /headers HTTP/1.1\r\nHost: b.test\r\nForwarded: for=10.2.2.2\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            first = readResponse(s.getInputStream()).toLowerCase();
            second = readResponse(s.getInputStream()).toLowerCase();
            third = readResponse(s.getInputStream()).toLowerCase();
        }
        assertThat(first).contains("x-forwarded-for: 127.0.0.1\n", "x-forwarded-proto: http\n", "x-forwarded-host: a.test\n",
                "forwarded: for=127.0.0.1;proto=http;host=\"a.test\"\n");
        assertThat(second).contains("x-forwarded-for: 127.0.0.1\n", "x-forwarded-host: b.test\n",
                "forwarded: for=127.0.0.1;proto=http;host=\"b.test\"\n").doesNotContain("a.test");
        assertThat(third).contains("x-forwarded-for: 127.0.0.1\n", "x-forwarded-host: b.test\n",
                "forwarded: for=10.2.2.2, for=127.0.0.1;proto=http;host=\"b.test\"\n");
    }

    /** Reads one response framed by Content-Length (Helidon may keep the connection open). */
    static String readResponse(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        while (!sb.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                throw new IOException("closed inside the head: " + sb);
            }
            sb.append((char) c);
        }
        String head = sb.toString();
        int at = head.toLowerCase().indexOf("content-length:");
        int len = Integer.parseInt(head.substring(at + 15, head.indexOf('\r', at)).trim());
        return head + new String(in.readNBytes(len), StandardCharsets.ISO_8859_1);
    }

    @Test
    void badGatewayWhenBackendPortIsClosed() throws Exception {
        HttpResponse<String> r = running.get("/dead/x");
        assertThat(r.statusCode()).isEqualTo(502);
        assertThat(r.headers().firstValue("content-type")).contains("application/json");
        assertThat(r.body()).startsWith("{\"error\":\"connect_failed\",\"detail\":\"connecting to 127.0.0.1:");
    }

    @Test
    void gatewayTimeoutOnSlowBackend() throws Exception {
        HttpResponse<String> r = running.get("/slow");
        assertThat(r.statusCode()).isEqualTo(504);
        assertThat(r.body()).startsWith("{\"error\":\"upstream_timeout\"");
    }

    @Test
    void serviceUnavailableWhenPoolIsEmpty() throws Exception {
        HttpResponse<String> r = running.get("/empty");
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.body()).startsWith("{\"error\":\"no_backend\"");
    }

    @Test
    void staleKeepAliveConnectionIsRetriedOnAFreshOne() throws Exception {
        assertThat(running.get("/single/who").statusCode()).isEqualTo(200);
        int before = b3.connections.get();
        assertThat(running.get("/single/drop").body()).isEqualTo("b3"); // backend closes this pooled connection afterwards
        Thread.sleep(50);
        HttpResponse<String> r = running.get("/single/who");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("b3");
        assertThat(b3.connections.get()).isEqualTo(before + 1);
    }

    /**
     * A request that may not be retried (a POST) after the backend closed its pooled connection: on the edge poller the
     * backend's FIN marks the idle connection ended, and the pool opens a new one instead of sending the POST into a
     * closed connection, which could only have failed (502).
     */
    @Test
    void aPostAfterTheBackendClosedItsPooledConnectionGoesOnAFreshOne() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(io.headroom.router.net.EdgePoller.shared() != null,
                "no edge poller here: " + io.headroom.router.net.EdgePoller.unavailable());
        assertThat(running.get("/single/who").statusCode()).isEqualTo(200);
        assertThat(running.get("/single/drop").body()).isEqualTo("b3"); // backend closes this pooled connection afterwards
        int before = b3.connections.get();
        Thread.sleep(100); // the FIN reaches the poller
        byte[] body = "a non-idempotent request".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        HttpResponse<String> r = running.http().send(HttpRequest.newBuilder(running.uri("/single/who"))
                .timeout(Duration.ofSeconds(20)).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("b3");
        assertThat(b3.connections.get()).as("one new connection, none failed").isEqualTo(before + 1);
    }

    private long sum(String route, java.util.function.ToLongFunction<BackendStats> f) {
        return running.windows().stream().filter(w -> w.route().equals(route)).flatMap(w -> w.backends().stream()).mapToLong(f).sum();
    }

    @Test
    void telemetryWindowsReachTheSink() throws Exception {
        for (int i = 0; i < 5; i++) {
            assertThat(running.get("/tele/ok").statusCode()).isEqualTo(200);
        }
        assertThat(running.get("/tele/missing").statusCode()).isEqualTo(404);
        assertThat(running.get("/tele/missing").statusCode()).isEqualTo(404);
        assertThat(running.get("/dead").statusCode()).isEqualTo(502);
        assertThat(running.get("/empty").statusCode()).isEqualTo(503);
        Predicate<Object> done = x -> sum("tele", BackendStats::requests) >= 7 && sum("dead", BackendStats::errors) >= 1
                && sum("empty", BackendStats::rejections) >= 1;
        await().atMost(Duration.ofSeconds(10)).until(() -> done.test(null));
        assertThat(sum("tele", BackendStats::requests)).isEqualTo(7);
        assertThat(sum("tele", BackendStats::status2xx)).isEqualTo(5);
        assertThat(sum("tele", BackendStats::status4xx)).isEqualTo(2);
        assertThat(sum("tele", BackendStats::bytesOut)).isEqualTo(5 * 2 + 2 * 4);
        assertThat(sum("tele", b -> b.latency().totalCount())).isEqualTo(7);
        assertThat(running.windows().stream().filter(w -> w.route().equals("tele")).flatMap(w -> w.backends().stream())
                .map(BackendStats::backend).distinct()).allMatch(a -> a.equals(b1.address()) || a.equals(b2.address()));
        assertThat(running.windows().stream().filter(w -> w.route().equals("dead")).flatMap(w -> w.backends().stream())
                .filter(b -> b.errors() > 0).findFirst().orElseThrow().backend()).startsWith("127.0.0.1:");
        assertThat(running.windows().stream().filter(w -> w.route().equals("empty")).flatMap(w -> w.backends().stream())
                .filter(b -> b.rejections() > 0).findFirst().orElseThrow().backend()).isEqualTo("-");
        assertThat(running.windows()).allMatch(w -> w.instanceId().equals("it-1") && w.windowMillis() >= 1000 && w.startMillis() % 1000 == 0);
    }
}
