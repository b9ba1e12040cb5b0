package io.headroom.router;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.headroom.config.ConfigNode;
import io.headroom.router.config.RouterConfig;
import io.headroom.router.telemetry.TelemetrySink;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** W3C trace context propagation and the JSON access log, over real HTTP on 127.0.0.1. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class TraceAndAccessLogHttpTest {
    private TinyBackend backend;
    private Router router;
    private int port;
    private Path logFile;
    private final AtomicLong ids = new AtomicLong();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    void start() throws IOException {
        backend = new TinyBackend("b1");
        logFile = Files.createTempDirectory("headroom-access").resolve("access.log");
        String yaml = """
                router:
                  listen: 127.0.0.1:0
                  pools:
                    api: {backends: [%s]}
                  routes:
                    - {name: api, path-prefix: /, pool: api}
                  access-log:
                    enabled: true
                    fields: [route, pool, backend, method, path, status, bytes_out, client, consumer, trace_id, duration_ms]
                    file: %s
                """.formatted(backend.address(), logFile);
        RouterConfig cfg = RouterConfig.from(ConfigNode.parse("test.yaml", yaml));
        // ids 1, 2, 3, ...: a new trace takes two (trace id) and a span one, so expected values are easy to read
        router = Router.create(cfg, "it-trace", TelemetrySink.DISCARD, Clock.systemUTC(), ids::incrementAndGet);
        port = router.start();
    }

    @AfterAll
    void stop() throws IOException {
        router.stop();
        backend.close();
    }

    private HttpResponse<String> get(String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return http.send(b.GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String header(String head, String name) {
        for (String line : head.split("\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).equalsIgnoreCase(name)) {
                return line.substring(colon + 1).strip();
            }
        }
        return null;
    }

    private static String hex(long v) {
        return String.format("%016x", v);
    }

    @Test
    void createsTraceparentWhenAbsentAndForwardsNewSpanWhenPresent() throws Exception {
        synchronized (ids) {
            ids.set(0);
            HttpResponse<String> created = get("/headers/new");
            assertThat(created.statusCode()).isEqualTo(200);
            assertThat(header(created.body(), "traceparent")).isEqualTo("00-" + hex(1) + hex(2) + "-" + hex(3) + "-01");

            String incoming = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00";
            HttpResponse<String> continued = get("/headers/continued", "traceparent", incoming, "tracestate", "congo=t61rcWkgMzE");
            String forwarded = header(continued.body(), "traceparent");
            assertThat(forwarded).isEqualTo("00-4bf92f3577b34da6a3ce929d0e0e4736-" + hex(4) + "-00");
            assertThat(header(continued.body(), "tracestate")).isEqualTo("congo=t61rcWkgMzE");
            assertThat(continued.body().split("traceparent", -1)).hasSize(2); // forwarded once, not twice
        }
    }

    @Test
    void malformedTraceparentStartsANewTraceAndDropsTracestate() throws Exception {
        List<String> bad = List.of(
                "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", // upper case
                "00-00000000000000000000000000000000-00f067aa0ba902b7-01", // zero trace id
                "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", // zero span id
                "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", // version ff
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra", // v00 with trailing data
                "garbage");
        synchronized (ids) {
            for (String v : bad) {
                ids.set(100);
                HttpResponse<String> r = get("/headers/bad", "traceparent", v, "tracestate", "vendor=x");
                assertThat(header(r.body(), "traceparent")).as(v).isEqualTo("00-" + hex(101) + hex(102) + "-" + hex(103) + "-01");
                assertThat(header(r.body(), "tracestate")).as(v).isNull();
            }
        }
    }

    @Test
    void accessLogWritesOneJsonLinePerRequestWithTheTraceId() throws Exception {
        String incoming = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        assertThat(get("/logged/one?x=1", "traceparent", incoming).statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> lines("/logged/one").size() == 1);
        String line = lines("/logged/one").getFirst();
        assertThat(line).startsWith("{\"route\":\"api\",\"pool\":\"api\",\"backend\":\"" + backend.address() + "\",\"method\":\"GET\","
                + "\"path\":\"/logged/one\",\"status\":200,\"bytes_out\":2,\"client\":\"127.0.0.1\",\"consumer\":null,"
                + "\"trace_id\":\"0af7651916cd43dd8448eb211c80319c\",\"duration_ms\":");
        assertThat(line).endsWith("}").doesNotContain("\n");

        // a request no route could serve is logged too, with nulls for what it never reached; quotes are escaped
        assertThat(get("/logged/%22q%22/%2Fx").statusCode()).isEqualTo(400);
        await().atMost(Duration.ofSeconds(10)).until(() -> lines("/logged/%22q%22").size() == 1);
        assertThat(lines("/logged/%22q%22").getFirst()).contains("\"route\":null,\"pool\":null,\"backend\":null,\"method\":\"GET\"")
                .contains("\"status\":400");
        assertThat(router.accessLog().dropped()).isZero();
    }

    @Test
    void upstreamTimesSayWhereARequestSpentItsTime() throws Exception {
        TinyBackend b = new TinyBackend("t1");
        b.delayMillis = 300;
        int dead = io.headroom.router.RefusedPort.next(); // nothing listens there: connections are refused
        Path log = Files.createTempDirectory("headroom-access").resolve("upstream.log");
        String yaml = """
                router:
                  listen: 127.0.0.1:0
                  pools:
                    delayed: {backends: [%s]}
                    half-dead: {balancer: {type: round-robin}, backends: [127.0.0.1:%d, %s]}
                  routes:
                    - {name: delayed, path-prefix: /delay, pool: delayed}
                    - {name: retried, path-prefix: /headers, pool: half-dead}
                  access-log:
                    enabled: true
                    fields: [path, status, attempts, upstream_connect_ms, upstream_header_ms, upstream_response_ms, duration_ms]
                    file: %s
                """.formatted(b.address(), dead, b.address(), log);
        Router r = Router.create(RouterConfig.from(ConfigNode.parse("test.yaml", yaml)), "it-upstream-times", TelemetrySink.DISCARD,
                Clock.systemUTC(), ids::incrementAndGet);
        try {
            int p = r.start();
            for (String path : List.of("/delay/1", "/delay/2", "/headers/1", "/headers/2", "/headers/3", "/headers/4")) {
                assertThat(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + p + path)).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode()).as(path).isEqualTo(200);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(log) && Files.readAllLines(log).size() == 6);
            List<JsonObject> lines = new java.util.ArrayList<>();
            for (String line : Files.readAllLines(log)) {
                lines.add(JsonParser.parseString(line).getAsJsonObject());
            }
            // the first request opened the connection; the second reused it (no connect time). The backend held each
            // head for 300 ms, so the head came at least that long after the attempt started, and the whole request
            // took at least as long as its upstream part
            var first = lines.get(0);
            var second = lines.get(1);
            assertThat(first.get("attempts").getAsInt()).isEqualTo(1);
            assertThat(first.get("upstream_connect_ms").getAsJsonPrimitive().isNumber()).isTrue();
            assertThat(second.get("upstream_connect_ms").isJsonNull()).isTrue();
            for (JsonObject l : List.of(first, second)) {
                double header = l.get("upstream_header_ms").getAsDouble();
                assertThat(header).as(l.toString()).isGreaterThanOrEqualTo(300.0);
                assertThat(l.get("upstream_response_ms").getAsDouble()).as(l.toString()).isGreaterThanOrEqualTo(header);
                assertThat(l.get("duration_ms").getAsDouble()).as(l.toString()).isGreaterThanOrEqualTo(l.get("upstream_response_ms").getAsDouble());
            }
            // round robin over a refused member and a live one: the requests that went to the refused one first were
            // retried on the live one (2 attempts), and their times are those of the attempt that answered
            assertThat(lines.subList(2, 6)).anySatisfy(l -> assertThat(l.get("attempts").getAsInt()).isEqualTo(2));
            assertThat(lines.subList(2, 6)).allSatisfy(l -> {
                assertThat(l.get("attempts").getAsInt()).isBetween(1, 2);
                assertThat(l.get("upstream_header_ms").getAsJsonPrimitive().isNumber()).isTrue();
            });
        } finally {
            r.stop();
            b.close();
        }
    }

    private List<String> lines(String path) throws IOException {
        if (!Files.exists(logFile)) {
            return List.of();
        }
        return Files.readAllLines(logFile).stream().filter(l -> l.contains("\"path\":\"" + path)).toList();
    }

    @Test
    void theTraceIdGoesBackToTheClientInTheConfiguredHeader() throws Exception {
        String incoming = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        HttpResponse<String> r = get("/echo", "traceparent", incoming);
        assertThat(r.headers().allValues("x-trace-id")).containsExactly("4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(r.headers().firstValue("traceparent")).isEmpty();
        HttpResponse<String> traced = get("/traced", "traceparent", incoming);
        assertThat(traced.statusCode()).isEqualTo(200);
        assertThat(traced.headers().allValues("x-trace-id")).containsExactly("4bf92f3577b34da6a3ce929d0e0e4736");
        // only the configured header is the router's: the backend's other trace header passes as any header would
        assertThat(traced.headers().allValues("traceparent")).containsExactly("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");

        TinyBackend b = new TinyBackend("b2");
        String yaml = """
                router:
                  listen: 127.0.0.1:0
                  pools:
                    api: {backends: [%s]}
                  routes:
                    - {name: api, path-prefix: /api, pool: api}
                """.formatted(b.address());
        RouterConfig cfg = RouterConfig.from(ConfigNode.parse("test.yaml", yaml));
        io.headroom.router.trace.TracingConfig full = io.headroom.router.trace.TracingConfig.from(
                ConfigNode.parse("t.yaml", "tracing: {response-header: traceparent}\n"));
        Router r2 = Router.create(cfg, "it-trace-2", TelemetrySink.DISCARD, Clock.systemUTC(), full, null);
        io.headroom.router.trace.TracingConfig none = io.headroom.router.trace.TracingConfig.from(
                ConfigNode.parse("t.yaml", "tracing: {response-header: none}\n"));
        Router r3 = Router.create(cfg, "it-trace-3", TelemetrySink.DISCARD, Clock.systemUTC(), none, null);
        try {
            int p2 = r2.start();
            int p3 = r3.start();
            HttpResponse<String> proxied = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + p2 + "/api/x"))
                    .header("traceparent", incoming).build(), HttpResponse.BodyHandlers.ofString());
            // The router's own traceparent: same trace, its span (the backend's parent), same flags.
            String tp = proxied.headers().firstValue("traceparent").orElseThrow();
            assertThat(tp).startsWith("00-4bf92f3577b34da6a3ce929d0e0e4736-").endsWith("-01").doesNotContain("00f067aa0ba902b7");
            assertThat(proxied.headers().allValues("traceparent")).hasSize(1);
            // a backend's own trace headers do not reach the client in place of, or beside, the router's
            HttpResponse<String> tracedFull = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + p2 + "/api/traced"))
                    .header("traceparent", incoming).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(tracedFull.headers().allValues("traceparent")).singleElement().satisfies(v ->
                    assertThat(v).startsWith("00-4bf92f3577b34da6a3ce929d0e0e4736-").endsWith("-01"));
            HttpResponse<String> notFound = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + p2 + "/nothing")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(notFound.statusCode()).isEqualTo(404);
            assertThat(notFound.headers().firstValue("traceparent")).hasValueSatisfying(v -> assertThat(io.headroom.router.trace.TraceContext.valid(v)).isTrue());
            HttpResponse<String> quiet = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + p3 + "/api/x")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(quiet.statusCode()).isEqualTo(200);
            assertThat(quiet.headers().firstValue("x-trace-id")).isEmpty();
            assertThat(quiet.headers().firstValue("traceparent")).isEmpty();
        } finally {
            r2.stop();
            r3.stop();
            b.close();
        }
    }
}
