package io.headroom.cli.admin;

import com.sun.net.httpserver.HttpServer;
import io.headroom.cli.stack.HeadroomConfig;
import io.headroom.cli.stack.Stack;
import io.headroom.config.ConfigNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 4, item 9: usage analytics queried through the admin API for billing. A real router on loopback with two
 * API-key consumers and two routes; exact request, error and byte counts per consumer, per route and per pair, by day
 * and by month; the token is required; {@code /metrics} carries per-consumer series only for configured consumers.
 */
@Timeout(120)
class UsageApiTest {
    @TempDir
    Path tmp;

    static String sha256(String s) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void countsPerConsumerAndRouteAreExactByDayAndMonth() throws Exception {
        HttpServer backend = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        backend.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        byte[] ok = "0123456789".getBytes(StandardCharsets.US_ASCII); // 10 bytes out per 200
        backend.createContext("/", ex -> {
            try (ex) {
                ex.getRequestBody().readAllBytes();
                if (ex.getRequestURI().getPath().endsWith("/fail")) {
                    ex.sendResponseHeaders(500, -1);
                } else {
                    ex.sendResponseHeaders(200, ok.length);
                    ex.getResponseBody().write(ok);
                }
            }
        });
        backend.start();
        String token = "usage-admin-token-" + Long.toHexString(System.nanoTime());
        Path tokenFile = tmp.resolve("token");
        Files.writeString(tokenFile, token);
        String yaml = """
                instance-id: usage-test
                kafka: {embedded-data-dir: %s, telemetry-partitions: 1}
                router:
                  listen: 127.0.0.1:0
                  pools:
                    api: {backends: [127.0.0.1:%d]}
                  auth:
                    api-keys:
                      keys:
                        - {consumer: acme, sha256: %s}
                        - {consumer: globex, sha256: %s}
                  routes:
                    - {name: orders, path-prefix: /orders, pool: api, auth: {methods: [api-key]}}
                    - {name: catalog, path-prefix: /catalog, pool: api, auth: {methods: [api-key]}}
                admin: {listen: 127.0.0.1:0, token-file: %s}
                """.formatted(tmp.resolve("kafka"), backend.getAddress().getPort(), sha256("acme-key"), sha256("globex-key"), tokenFile);
        HeadroomConfig cfg = HeadroomConfig.from(ConfigNode.parse("usage.yaml", yaml));
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        try (HeadroomMetrics metrics = new HeadroomMetrics();
             Stack stack = Stack.start(cfg, Stack.Roles.ALL, Clock.systemUTC(), tmp.resolve("kafka"), metrics::onWindow);
             AdminServer admin = AdminServer.start(stack, metrics, Clock.systemUTC(), cfg.admin())) {
            String proxy = "http://127.0.0.1:" + stack.router().port();
            String base = "http://127.0.0.1:" + admin.port();
            // acme: 5 orders (one fails with 500), 3 catalog, each with a 4-byte body; globex: 2 orders
            for (int i = 0; i < 4; i++) {
                assertThat(call(http, proxy + "/orders/" + i, "acme-key", "abcd").statusCode()).isEqualTo(200);
            }
            assertThat(call(http, proxy + "/orders/fail", "acme-key", "abcd").statusCode()).isEqualTo(500);
            for (int i = 0; i < 3; i++) {
                assertThat(call(http, proxy + "/catalog/" + i, "acme-key", "abcd").statusCode()).isEqualTo(200);
            }
            for (int i = 0; i < 2; i++) {
                assertThat(call(http, proxy + "/orders/g" + i, "globex-key", "abcd").statusCode()).isEqualTo(200);
            }
            // a wrong key: refused with 401, counted as anonymous on the route
            assertThat(call(http, proxy + "/orders/x", "wrong-key", "").statusCode()).isEqualTo(401);

            assertThat(get(http, base + "/api/usage", null).statusCode()).as("needs the token").isEqualTo(401);

            String today = LocalDate.now(ZoneOffset.UTC).toString();
            // a request is counted as it ends, just after its answer went out: wait for the last one
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).untilAsserted(() ->
                    assertThat(section(get(http, base + "/api/usage", token).body(), "total")).contains("\"requests\":11,"));
            String all = get(http, base + "/api/usage?period=day&date=" + today, token).body();
            assertThat(all).contains("\"date\":\"" + today + "\"").contains("\"time_zone\":\"UTC\"").contains("\"retained\":true");
            assertThat(section(all, "total")).contains("\"requests\":11,").contains("\"server_errors\":1,").contains("\"client_errors\":1,");
            assertThat(object(all, "acme")).contains("\"requests\":8,").contains("\"errors\":1,").contains("\"bytes_in\":32,")
                    .contains("\"bytes_out\":70,");
            assertThat(object(all, "globex")).contains("\"requests\":2,").contains("\"errors\":0,").contains("\"bytes_out\":20,");
            assertThat(object(all, "anonymous")).contains("\"requests\":1,").contains("\"client_errors\":1,");
            assertThat(object(all, "orders")).contains("\"requests\":8,");
            assertThat(object(all, "catalog")).contains("\"requests\":3,");

            String acmeOrders = get(http, base + "/api/usage?consumer=acme&route=orders", token).body();
            assertThat(section(acmeOrders, "total")).contains("\"requests\":5,").contains("\"server_errors\":1,")
                    .contains("\"bytes_in\":20,").contains("\"bytes_out\":40,");
            assertThat(acmeOrders).contains("\"rows\":[{\"consumer\":\"acme\",\"route\":\"orders\",\"requests\":5,");

            String acme = get(http, base + "/api/usage?consumer=acme", token).body();
            assertThat(object(acme, "orders")).contains("\"requests\":5,");
            assertThat(object(acme, "catalog")).contains("\"requests\":3,");
            assertThat(acme).doesNotContain("globex");

            String month = get(http, base + "/api/usage?period=month&route=orders", token).body();
            assertThat(month).contains("\"period\":\"month\"").contains("\"date\":\"" + today.substring(0, 7) + "\"");
            assertThat(section(month, "total")).contains("\"requests\":8,");
            assertThat(object(month, "acme")).contains("\"requests\":5,");
            assertThat(object(month, "globex")).contains("\"requests\":2,");

            HttpResponse<String> csv = get(http, base + "/api/usage?period=day&format=csv&consumer=acme", token);
            assertThat(csv.headers().firstValue("Content-Type")).hasValue("text/csv; charset=utf-8");
            assertThat(csv.body().lines().toList()).hasSize(3).first().asString().startsWith("period,consumer,route,requests,errors,");
            assertThat(csv.body()).contains(today + ",acme,catalog,3,0,0,0,12,30,").contains(today + ",acme,orders,5,1,1,0,20,40,");
            assertThat(UsageApi.cell("=HYPERLINK(\"x\")")).isEqualTo("\"'=HYPERLINK(\"\"x\"\")\"");
            assertThat(UsageApi.cell("a,b")).isEqualTo("\"a,b\"");

            String old = get(http, base + "/api/usage?date=2001-01-01", token).body();
            assertThat(old).contains("\"retained\":false").contains("\"requests\":0,");

            HttpResponse<String> bad = get(http, base + "/api/usage?period=week", token);
            assertThat(bad.statusCode()).isEqualTo(400);
            assertThat(bad.body()).contains("use day or month");
            assertThat(get(http, base + "/api/usage?date=29-11-2026", token).statusCode()).isEqualTo(400);
            assertThat(get(http, base + "/api/usage?consumr=acme", token).statusCode()).isEqualTo(400);

            String scrape = get(http, base + "/metrics", null).body();
            assertThat(scrape).containsPattern("headroom_usage_today_requests\\{consumer=\"acme\"} 8\\.0")
                    .containsPattern("headroom_usage_today_requests\\{consumer=\"globex\"} 2\\.0")
                    .containsPattern("headroom_usage_today_requests\\{consumer=\"anonymous\"} 1\\.0")
                    .containsPattern("headroom_usage_today_requests\\{consumer=\"\\(other\\)\"} 0\\.0")
                    .containsPattern("headroom_usage_today_server_errors\\{consumer=\"acme\"} 1\\.0");
        } finally {
            backend.stop(0);
        }
    }

    /** The JSON object that follows {@code "name":} (first occurrence), up to its closing brace. */
    static String object(String json, String name) {
        int at = json.indexOf("\"" + name + "\":{");
        assertThat(at).as(name + " in " + json).isNotNegative();
        int depth = 0;
        for (int i = json.indexOf('{', at); i < json.length(); i++) {
            char c = json.charAt(i);
            if (c == '{') {
                depth++;
            } else if (c == '}' && --depth == 0) {
                return json.substring(at, i + 1);
            }
        }
        throw new AssertionError("unterminated " + name);
    }

    static String section(String json, String name) {
        return object(json, name);
    }

    static HttpResponse<String> call(HttpClient http, String url, String key, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).header("X-Api-Key", key);
        b = body.isEmpty() ? b.GET() : b.POST(HttpRequest.BodyPublishers.ofString(body));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> get(HttpClient http, String url, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
