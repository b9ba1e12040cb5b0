package io.headroom.cli.admin;

import com.sun.net.httpserver.HttpServer;
import io.headroom.cli.reliability.ReloadHarness;
import io.headroom.cli.stack.HeadroomConfig;
import io.headroom.cli.stack.Stack;
import io.headroom.config.ConfigNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The admin listener over real HTTP, on a router role running against the embedded broker. */
@Timeout(120)
class AdminServerTest {

    @TempDir
    Path tmp;

    @Test
    void healthMetricsStateStreamAndDashboard() throws Exception {
        HttpServer backend = ReloadHarness.backend("hi");
        String token = "s3cret-admin-token-" + Long.toHexString(System.nanoTime());
        Path tokenFile = tmp.resolve("admin-token");
        java.nio.file.Files.writeString(tokenFile, token + "\n");
        String yaml = ReloadHarness.adminConfig("admin-test", tmp.resolve("kafka"), backend.getAddress().getPort(), tokenFile);
        HeadroomConfig cfg = HeadroomConfig.from(ConfigNode.parse("admin-test.yaml", yaml));
        assertThat(cfg.admin().port()).isZero();
        assertThat(cfg.admin().token()).isNotNull();
        assertThat(cfg.admin().token().toString()).doesNotContain(token);
        LogCapture logs = LogCapture.start();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        try (HeadroomMetrics metrics = new HeadroomMetrics();
             Stack stack = Stack.start(cfg, Stack.Roles.ALL, Clock.systemUTC(), tmp.resolve("kafka"), metrics::onWindow);
             AdminServer admin = AdminServer.start(stack, metrics, Clock.systemUTC(), cfg.admin())) {
            String base = "http://127.0.0.1:" + admin.port();
            bearer = token;
            String proxy = "http://127.0.0.1:" + stack.router().port();
            for (int i = 0; i < 25; i++) {
                assertThat(get(http, proxy + "/hello").statusCode()).isEqualTo(200);
            }

            assertThat(get(http, base + "/health/live").statusCode()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                HttpResponse<String> ready = get(http, base + "/health/ready");
                assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
            });

            // Request metrics come from the closed one-second windows: wait for the window holding our 25 requests.
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                String m = get(http, base + "/metrics").body();
                assertThat(counter(m, "headroom_requests_total", "code_class=\"2xx\"")).isEqualTo(25.0);
                assertThat(counter(m, "headroom_request_duration_seconds_count", "route=\"api\"")).isEqualTo(25.0);
                // the same 25 in the histogram of the one backend that served them
                assertThat(counter(m, "headroom_backend_request_duration_seconds_count",
                        "backend=\"127.0.0.1:" + backend.getAddress().getPort() + "\"")).isEqualTo(25.0);
            });
            String m = get(http, base + "/metrics").body();
            assertThat(m).contains("headroom_request_duration_seconds_bucket{").contains("le=\"0.1\"")
                    .contains("headroom_telemetry_publisher_dropped_total").contains("headroom_control_plan_epoch{")
                    .contains("headroom_backend_weight{").contains("jvm_memory_used_bytes");
            assertThat(m).contains("backend=\"127.0.0.1:" + backend.getAddress().getPort() + "\"");

            String state = get(http, base + "/api/state").body();
            assertThat(state).contains("\"instance\":\"admin-test\"").contains("\"name\":\"api\"")
                    .contains("\"address\":\"127.0.0.1:" + backend.getAddress().getPort() + "\"").contains("\"history\":[[")
                    .contains("\"healthy\":true").contains("\"ejected\":false").contains("\"breaker\":\"CLOSED\"");

            HttpResponse<String> page = get(http, base + "/");
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/html"));
            assertThat(page.body()).contains("EventSource(\"api/stream\")");

            HttpRequest sse = HttpRequest.newBuilder(URI.create(base + "/api/stream")).header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(10)).build();
            HttpResponse<java.io.InputStream> stream = http.send(sse, HttpResponse.BodyHandlers.ofInputStream());
            assertThat(stream.headers().firstValue("Content-Type")).hasValue("text/event-stream");
            try (BufferedReader r = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
                String first = r.readLine();
                assertThat(first).startsWith("data: {").contains("\"history\"");
                assertThat(r.readLine()).isEmpty();
                String second = r.readLine();
                assertThat(second).startsWith("data: {").doesNotContain("\"history\"");
            }
            assertThat(get(http, base + "/nope").statusCode()).isEqualTo(404);

            // Without the token, or with a wrong one, the API answers 401; the probes, the page and /metrics stay open.
            bearer = null;
            for (String path : List.of("/api/state", "/api/stream", "/api/session")) {
                HttpResponse<String> r = get(http, base + path);
                assertThat(r.statusCode()).as(path).isEqualTo(401);
                assertThat(r.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"headroom-admin\"");
            }
            bearer = token + "x";
            assertThat(get(http, base + "/api/state").statusCode()).isEqualTo(401);
            bearer = token.substring(1);
            assertThat(get(http, base + "/api/state").statusCode()).isEqualTo(401);
            bearer = null;
            assertThat(get(http, base + "/health/live").statusCode()).isEqualTo(200);
            assertThat(get(http, base + "/health/ready").statusCode()).isEqualTo(200);
            assertThat(get(http, base + "/").statusCode()).isEqualTo(200);
            HttpResponse<String> openMetrics = get(http, base + "/metrics");
            assertThat(openMetrics.statusCode()).isEqualTo(200);
            assertThat(openMetrics.body()).containsPattern("(?m)^headroom_admin_unauthorized_total 5\\.0$");

            // The token shown once buys the session cookie that the dashboard's event stream then carries.
            bearer = token;
            HttpResponse<String> session = get(http, base + "/api/session");
            assertThat(session.statusCode()).isEqualTo(200);
            String cookie = session.headers().firstValue("Set-Cookie").orElseThrow();
            assertThat(cookie).startsWith(AdminServer.SESSION_COOKIE + "=").contains("HttpOnly").contains("SameSite=Strict")
                    .doesNotContain(token);
            bearer = null;
            HttpResponse<String> withCookie = http.send(HttpRequest.newBuilder(URI.create(base + "/api/state"))
                    .header("Cookie", cookie.substring(0, cookie.indexOf(';'))).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(withCookie.statusCode()).isEqualTo(200);
            HttpResponse<String> badCookie = http.send(HttpRequest.newBuilder(URI.create(base + "/api/state"))
                    .header("Cookie", AdminServer.SESSION_COOKIE + "=" + "0".repeat(64)).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(badCookie.statusCode()).isEqualTo(401);

            // No secret leaks: not in metrics, not in the state, not in anything logged.
            bearer = token;
            assertThat(get(http, base + "/metrics").body()).doesNotContain(token);
            assertThat(get(http, base + "/api/state").body()).doesNotContain(token);
            assertThat(logs.text()).contains("admin API token from file").doesNotContain(token);
        } finally {
            logs.close();
            backend.stop(0);
        }
    }

    /** The bearer token sent by {@link #get}, or null for none. */
    private String bearer;

    private HttpResponse<String> get(HttpClient http, String url) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
        if (bearer != null) {
            b.header("Authorization", "Bearer " + bearer);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Sum of a metric's samples whose labels contain {@code labelFilter}. */
    static double counter(String exposition, String name, String labelFilter) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "\\{([^}]*)\\} ([0-9.eE+-]+)$").matcher(exposition);
        double sum = 0;
        while (m.find()) {
            if (m.group(1).contains(labelFilter)) {
                sum += Double.parseDouble(m.group(2));
            }
        }
        return sum;
    }
}
