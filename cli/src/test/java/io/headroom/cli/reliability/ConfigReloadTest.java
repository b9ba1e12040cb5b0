package io.headroom.cli.reliability;

import com.sun.net.httpserver.HttpServer;
import io.headroom.cli.admin.AdminServer;
import io.headroom.cli.admin.HeadroomMetrics;
import io.headroom.cli.stack.ConfigReloader;
import io.headroom.cli.stack.HeadroomConfig;
import io.headroom.cli.stack.Stack;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

import static io.headroom.cli.reliability.ReloadHarness.backend;
import static io.headroom.cli.reliability.ReloadHarness.client;
import static io.headroom.cli.reliability.ReloadHarness.config;
import static io.headroom.cli.reliability.ReloadHarness.get;
import static io.headroom.cli.reliability.ReloadHarness.post;
import static io.headroom.cli.reliability.ReloadHarness.replace;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 9, item 7, "a bad hot reload is rejected atomically and the old config keeps serving", through the whole
 * process: a stack started from a file, {@code POST /api/reload} on the admin port, and the file watcher.
 * <ul>
 *   <li>a YAML syntax error, an unknown key and an invalid value are each rejected with 422 and their file:line;
 *       the rejection is counted in {@code headroom_config_reloads_total{result="rejected"}} and shown in
 *       {@code /api/state}; the old routes answer all along;</li>
 *   <li>a valid edit picked up by the file watcher adds a route that answers, with no API call.</li>
 * </ul>
 */
@Timeout(180)
class ConfigReloadTest {
    @TempDir
    Path tmp;

    private String yaml(int apiPort, String extraPool, String extraRoute) {
        return config("reload-test", tmp.resolve("kafka"), apiPort, extraPool, extraRoute);
    }

    @Test
    void badReloadsAreRejectedWithFileAndLineAndAWatchedEditAddsARoute() throws Exception {
        HttpServer a = backend("A");
        HttpServer v2 = backend("V2");
        Path file = tmp.resolve("reload.yaml");
        int apiPort = a.getAddress().getPort();
        String good = yaml(apiPort, "", "");
        Files.writeString(file, good);
        HttpClient http = client();
        try (HeadroomMetrics metrics = new HeadroomMetrics();
             Stack stack = Stack.start(HeadroomConfig.load(file), Stack.Roles.ALL, Clock.systemUTC(), tmp.resolve("kafka"), metrics::onWindow);
             AdminServer admin = AdminServer.start(stack, metrics, Clock.systemUTC(), "127.0.0.1", 0)) {
            String proxy = "http://127.0.0.1:" + stack.router().port();
            String base = "http://127.0.0.1:" + admin.port();
            ConfigReloader reloader = stack.reloadFrom(file, false, Clock.systemUTC());
            assertThat(get(http, proxy + "/v2/x").body()).isEqualTo("A");

            // 1. YAML syntax error (an unclosed flow mapping)
            replace(file, good.replace("api: {backends: [127.0.0.1:" + apiPort + "]}", "api: {backends: [127.0.0.1:" + apiPort + "]"));
            HttpResponse<String> r1 = post(http, base + "/api/reload");
            assertThat(r1.statusCode()).as(r1.body()).isEqualTo(422);
            assertThat(r1.body()).contains("\"applied\":false").containsPattern("reload\\.yaml:\\d+");
            assertThat(get(http, proxy + "/x").body()).as("old routes keep answering").isEqualTo("A");

            // 2. unknown key, on line 6 of the file
            replace(file, good.replace("api: {backends: [127.0.0.1:" + apiPort + "]}",
                    "api: {backends: [127.0.0.1:" + apiPort + "], balancr: {type: random}}"));
            HttpResponse<String> r2 = post(http, base + "/api/reload");
            assertThat(r2.statusCode()).as(r2.body()).isEqualTo(422);
            assertThat(r2.body()).contains("reload.yaml:6").contains("balancr");
            assertThat(get(http, proxy + "/x").body()).isEqualTo("A");

            // 3. invalid value: a route to a pool that does not exist, with an added pool that is fine (all or nothing)
            replace(file, yaml(apiPort, "    v2: {backends: [127.0.0.1:" + v2.getAddress().getPort() + "]}",
                    "    - {name: v2, path-prefix: /v2, pool: nowhere}"));
            HttpResponse<String> r3 = post(http, base + "/api/reload");
            assertThat(r3.statusCode()).as(r3.body()).isEqualTo(422);
            assertThat(r3.body()).containsPattern("reload\\.yaml:\\d+").contains("nowhere");
            assertThat(stack.router().pools()).as("nothing of a rejected reload is in service").doesNotContainKey("v2");
            assertThat(get(http, proxy + "/v2/x").body()).isEqualTo("A");

            assertThat(reloader.rejected()).isEqualTo(3);
            assertThat(reloader.applied()).isZero();
            String state = get(http, base + "/api/state").body();
            assertThat(state).contains("\"reloads_rejected\":3").contains("\"applied\":false").contains("reload.yaml:");
            String scrape = get(http, base + "/metrics").body();
            assertThat(scrape).containsPattern("headroom_config_reloads_total\\{result=\"rejected\"[^}]*} 3\\.0")
                    .containsPattern("headroom_config_last_reload_success(\\{[^}]*})? 0\\.0");

            // 4. the file watcher: a valid edit adds a route that answers, no API call
            stack.reloadFrom(file, true, Clock.systemUTC());
            replace(file, yaml(apiPort, "    v2: {backends: [127.0.0.1:" + v2.getAddress().getPort() + "]}",
                    "    - {name: v2, path-prefix: /v2, pool: v2}"));
            await("the watched edit is in service").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                    .until(() -> "V2".equals(get(http, proxy + "/v2/x").body()));
            // the router swaps before the reloader records its outcome
            await().atMost(Duration.ofSeconds(10)).until(() -> reloader.applied() == 1);
            assertThat(reloader.last().trigger()).isEqualTo("file");
            assertThat(get(http, proxy + "/x").body()).isEqualTo("A");
            assertThat(get(http, base + "/metrics").body())
                    .containsPattern("headroom_config_reloads_total\\{result=\"applied\"[^}]*} 1\\.0");

            // 5. POST with nothing changed: applied, nothing to restart
            HttpResponse<String> r5 = post(http, base + "/api/reload");
            assertThat(r5.statusCode()).as(r5.body()).isEqualTo(200);
            assertThat(r5.body()).contains("\"applied\":true").contains("\"needs_restart\":[]");
            assertThat(get(http, base + "/api/reload").statusCode()).isEqualTo(405);

            // 6. a changed tracing: section is applied at the next start, and the reload says so
            Files.writeString(file, Files.readString(file) + "tracing:\n  response-header: traceparent\n");
            HttpResponse<String> r6 = post(http, base + "/api/reload");
            assertThat(r6.statusCode()).as(r6.body()).isEqualTo(200);
            assertThat(r6.body()).contains("\"applied\":true").contains("\"needs_restart\":[\"tracing\"]");
        } finally {
            a.stop(0);
            v2.stop(0);
        }
    }
}
