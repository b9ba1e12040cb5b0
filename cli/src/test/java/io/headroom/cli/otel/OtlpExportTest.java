package io.headroom.cli.otel;

import com.sun.net.httpserver.HttpServer;
import io.headroom.cli.stack.HeadroomConfig;
import io.headroom.cli.stack.Stack;
import io.headroom.config.ConfigNode;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * OTLP span export end to end: a router with {@code tracing.otlp} proxies real requests, and a local OTLP/HTTP
 * receiver on 127.0.0.1 decodes what the exporter sends (protobuf) and checks trace id, parent, span id, route and
 * status; the client gets the trace id back in {@code x-trace-id}, and the access log carries it.
 */
@Timeout(120)
class OtlpExportTest {
    private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String CLIENT_SPAN = "00f067aa0ba902b7";

    @TempDir
    Path tmp;

    /** A decoded span with its resource. */
    record Received(Span span, Resource resource, String scope) {
    }

    @Test
    void spansCarryThePropagatedIdsRouteAndStatus() throws Exception {
        ConcurrentLinkedQueue<Received> received = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<String> contentTypes = new ConcurrentLinkedQueue<>();
        HttpServer collector = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        collector.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        collector.createContext("/v1/traces", ex -> {
            contentTypes.add(String.valueOf(ex.getRequestHeaders().getFirst("Content-Type")));
            ExportTraceServiceRequest req = ExportTraceServiceRequest.parseFrom(ex.getRequestBody().readAllBytes());
            for (ResourceSpans rs : req.getResourceSpansList()) {
                for (ScopeSpans ss : rs.getScopeSpansList()) {
                    for (Span s : ss.getSpansList()) {
                        received.add(new Received(s, rs.getResource(), ss.getScope().getName()));
                    }
                }
            }
            byte[] ok = ExportTraceServiceResponse.getDefaultInstance().toByteArray();
            ex.getResponseHeaders().set("Content-Type", "application/x-protobuf");
            ex.sendResponseHeaders(200, ok.length == 0 ? -1 : ok.length);
            if (ok.length > 0) {
                ex.getResponseBody().write(ok);
            }
            ex.close();
        });
        collector.start();

        Map<String, String> backendSaw = new ConcurrentHashMap<>();
        HttpServer backend = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        backend.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        backend.createContext("/", ex -> {
            backendSaw.put(ex.getRequestURI().getPath(), String.valueOf(ex.getRequestHeaders().getFirst("traceparent")));
            ex.getResponseHeaders().set("x-trace-id", "the-backend-s-own"); // the router's must win
            int code = ex.getRequestURI().getPath().startsWith("/api/fail") ? 503 : 200;
            ex.sendResponseHeaders(code, 2);
            ex.getResponseBody().write("ok".getBytes());
            ex.close();
        });
        backend.start();
        Path accessLog = tmp.resolve("access.log");
        String yaml = """
                instance-id: otlp-test
                kafka: {embedded-data-dir: %s, telemetry-partitions: 1}
                router:
                  listen: 127.0.0.1:0
                  pools:
                    api: {backends: [127.0.0.1:%d]}
                  routes:
                    - {name: api, path-prefix: /api, pool: api}
                  access-log: {enabled: true, fields: [trace_id, route, status], file: %s}
                tracing:
                  response-header: x-trace-id
                  otlp:
                    endpoint: http://127.0.0.1:%d/v1/traces
                    service-name: gateway-under-test
                    timeout: 5s
                """.formatted(tmp.resolve("kafka"), backend.getAddress().getPort(), accessLog, collector.getAddress().getPort());
        HeadroomConfig cfg = HeadroomConfig.from(ConfigNode.parse("otlp-test.yaml", yaml));
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        try (Stack stack = Stack.start(cfg, Stack.Roles.ALL, Clock.systemUTC(), tmp.resolve("kafka"))) {
            String base = "http://127.0.0.1:" + stack.router().port();
            // 1: the client's trace continues.
            HttpResponse<String> r1 = http.send(HttpRequest.newBuilder(URI.create(base + "/api/items"))
                    .header("traceparent", "00-" + TRACE + "-" + CLIENT_SPAN + "-01").build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r1.statusCode()).isEqualTo(200);
            assertThat(r1.headers().allValues("x-trace-id")).containsExactly(TRACE);
            String forwarded = backendSaw.get("/api/items");
            assertThat(forwarded).startsWith("00-" + TRACE + "-").endsWith("-01").doesNotContain(CLIENT_SPAN);
            String routerSpan = forwarded.substring(36, 52);
            // 2: a new trace, answered by the backend with 503.
            HttpResponse<String> r2 = http.send(HttpRequest.newBuilder(URI.create(base + "/api/fail")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r2.statusCode()).isEqualTo(503);
            String newTrace = r2.headers().firstValue("x-trace-id").orElseThrow();
            assertThat(newTrace).matches("[0-9a-f]{32}").isNotEqualTo(TRACE);
            // 3: no route: the router's own 404 still carries the trace id and is a span.
            HttpResponse<String> r3 = http.send(HttpRequest.newBuilder(URI.create(base + "/elsewhere")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r3.statusCode()).isEqualTo(404);
            String noRouteTrace = r3.headers().firstValue("x-trace-id").orElseThrow();
            // 4: the client decided not to sample: no span (sampled-only by default).
            String unsampled = "0af7651916cd43dd8448eb211c80319c";
            HttpResponse<String> r4 = http.send(HttpRequest.newBuilder(URI.create(base + "/api/quiet"))
                    .header("traceparent", "00-" + unsampled + "-b7ad6b7169203331-00").build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r4.headers().allValues("x-trace-id")).containsExactly(unsampled);

            await().atMost(Duration.ofSeconds(30)).until(() -> received.size() >= 3);
            Span s1 = find(received, TRACE).span();
            assertThat(hex(s1.getSpanId().toByteArray())).isEqualTo(routerSpan);
            assertThat(hex(s1.getParentSpanId().toByteArray())).isEqualTo(CLIENT_SPAN);
            assertThat(s1.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_SERVER);
            assertThat(s1.getName()).isEqualTo("GET api");
            assertThat(attr(s1.getAttributesList(), "http.route").getStringValue()).isEqualTo("api");
            assertThat(attr(s1.getAttributesList(), "http.response.status_code").getIntValue()).isEqualTo(200);
            assertThat(attr(s1.getAttributesList(), "url.path").getStringValue()).isEqualTo("/api/items");
            assertThat(attr(s1.getAttributesList(), "headroom.backend").getStringValue()).isEqualTo("127.0.0.1:" + backend.getAddress().getPort());
            assertThat(s1.getEndTimeUnixNano()).isGreaterThanOrEqualTo(s1.getStartTimeUnixNano());
            assertThat(s1.getStartTimeUnixNano()).isGreaterThan(1_700_000_000_000_000_000L);
            Received rec1 = find(received, TRACE);
            assertThat(attr(rec1.resource().getAttributesList(), "service.name").getStringValue()).isEqualTo("gateway-under-test");
            assertThat(attr(rec1.resource().getAttributesList(), "service.instance.id").getStringValue()).isEqualTo("otlp-test");
            assertThat(rec1.scope()).isEqualTo("io.headroom.router");

            Span s2 = find(received, newTrace).span();
            assertThat(s2.getParentSpanId().isEmpty()).as("a new trace has no parent").isTrue();
            assertThat(attr(s2.getAttributesList(), "http.response.status_code").getIntValue()).isEqualTo(503);
            assertThat(s2.getStatus().getCode()).isEqualTo(io.opentelemetry.proto.trace.v1.Status.StatusCode.STATUS_CODE_ERROR);
            assertThat(hex(s2.getSpanId().toByteArray())).isEqualTo(backendSaw.get("/api/fail").substring(36, 52));

            Span s3 = find(received, noRouteTrace).span();
            assertThat(s3.getName()).isEqualTo("GET");
            assertThat(attr(s3.getAttributesList(), "http.response.status_code").getIntValue()).isEqualTo(404);
            assertThat(s3.getAttributesList()).noneMatch(kv -> kv.getKey().equals("http.route"));

            assertThat(received).noneMatch(r -> hex(r.span().getTraceId().toByteArray()).equals(unsampled));
            assertThat(contentTypes).allMatch(t -> t.startsWith("application/x-protobuf"));
            assertThat(((OtlpSpanSink) stack.spanSink()).exported()).isGreaterThanOrEqualTo(3);

            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(Files.readString(accessLog)).contains("{\"trace_id\":\"" + TRACE + "\",\"route\":\"api\",\"status\":200}")
                            .contains("{\"trace_id\":\"" + noRouteTrace + "\",\"route\":null,\"status\":404}"));
        } finally {
            backend.stop(0);
            collector.stop(0);
        }
    }

    private static Received find(ConcurrentLinkedQueue<Received> received, String traceId) {
        return received.stream().filter(r -> hex(r.span().getTraceId().toByteArray()).equals(traceId)).findFirst()
                .orElseThrow(() -> new AssertionError("no span of trace " + traceId + " in " + received.size()));
    }

    private static AnyValue attr(List<KeyValue> attrs, String key) {
        return attrs.stream().filter(kv -> kv.getKey().equals(key)).findFirst()
                .orElseThrow(() -> new AssertionError("no attribute " + key + " in " + attrs)).getValue();
    }

    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }
}
