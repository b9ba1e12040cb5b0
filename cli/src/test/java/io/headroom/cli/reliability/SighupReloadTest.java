package io.headroom.cli.reliability;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static io.headroom.cli.reliability.ReloadHarness.backend;
import static io.headroom.cli.reliability.ReloadHarness.client;
import static io.headroom.cli.reliability.ReloadHarness.config;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@code headroom run} as a separate process, as an operator runs it: the file watcher and SIGHUP both reload the
 * configuration (hot reload, issue 9 item 7). An edit of the file adds a route that answers; then {@code kill -HUP}
 * reloads again, which {@code /api/state} records as a reload triggered by the signal.
 */
@Timeout(180)
@EnabledOnOs({OS.LINUX, OS.MAC})
class SighupReloadTest {
    @TempDir
    Path tmp;

    @Test
    void fileEditAndSighupReloadARunningProcess() throws Exception {
        HttpServer a = backend("A");
        HttpServer b = backend("B");
        Path file = tmp.resolve("headroom.yaml");
        Path kafka = tmp.resolve("kafka");
        int apiPort = a.getAddress().getPort();
        Files.writeString(file, config("sighup-test", kafka, apiPort, "", ""));
        ReloadHarness.RunningRouter router = new ReloadHarness.RunningRouter(file,
                // started under nohup (or so): the child would inherit the ignored SIGHUP and the JVM would keep it ignored
                sighupIgnored() ? List.of("env", "--default-signal=HUP") : List.of());
        Process p = router.process();
        HttpClient http = client();
        try {
            int[] pp = router.ports();
            String proxy = "http://127.0.0.1:" + pp[0];
            String admin = "http://127.0.0.1:" + pp[1];
            assertThat(get(http, proxy + "/v2/x")).isEqualTo("A");

            // 1. the file watcher
            Files.writeString(file, config("sighup-test", kafka, apiPort, "    v2: {backends: [127.0.0.1:" + b.getAddress().getPort() + "]}",
                    "    - {name: v2, path-prefix: /v2, pool: v2}"));
            await("the edit is in service").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                    .until(() -> "B".equals(get(http, proxy + "/v2/x")));
            await().atMost(Duration.ofSeconds(10)).until(() -> get(http, admin + "/api/state").contains("\"trigger\":\"file\""));

            // 2. SIGHUP
            Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(p.pid())).inheritIO().start();
            assertThat(kill.waitFor()).isZero();
            await("the SIGHUP reload is recorded").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                    .until(() -> get(http, admin + "/api/state").contains("\"trigger\":\"signal\""));
            String state = get(http, admin + "/api/state");
            assertThat(state).contains("\"reloads_applied\":2").contains("\"reloads_rejected\":0");
            assertThat(p.isAlive()).as("SIGHUP reloads, it does not stop the process").isTrue();
            assertThat(get(http, proxy + "/v2/x")).isEqualTo("B");
        } catch (Exception | AssertionError e) {
            throw new AssertionError(router.output(), e);
        } finally {
            router.close();
            a.stop(0);
            b.stop(0);
        }
    }

    /** Whether this process ignores SIGHUP (bit 0 of SigIgn in /proc/self/status); false where that cannot be read. */
    private static boolean sighupIgnored() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("SigIgn:")) {
                    return (Long.parseUnsignedLong(line.substring(7).trim(), 16) & 1) != 0;
                }
            }
        } catch (Exception e) {
            return false;
        }
        return false;
    }

    private static String get(HttpClient http, String url) throws Exception {
        return ReloadHarness.get(http, url).body();
    }
}
