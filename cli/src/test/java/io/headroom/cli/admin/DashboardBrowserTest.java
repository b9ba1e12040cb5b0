package io.headroom.cli.admin;

import com.sun.net.httpserver.HttpServer;
import io.headroom.cli.reliability.ReloadHarness;
import io.headroom.cli.stack.HeadroomConfig;
import io.headroom.cli.stack.Stack;
import io.headroom.config.ConfigNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The live dashboard in a real browser: headless Chromium (Debian's package, installed by .ci/run) loads the page
 * from the admin listener of a running router and predictor, receives the state over server-sent events, and draws
 * the traffic chart; the test reads the DOM Chromium ends with and the pixels of its screenshot.
 */
@Timeout(180)
class DashboardBrowserTest {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    /** The observed-rate line colour of dashboard.html (#2563eb). */
    private static final int OBSERVED_RGB = 0x2563eb;

    @TempDir
    Path tmp;

    @Test
    void theDashboardDrawsTrafficAndMembersFromTheStream() throws Exception {
        assumeTrue(Files.isExecutable(CHROMIUM), "chromium is not installed (.ci/run installs it: apt-get install chromium)");
        HttpServer backend = ReloadHarness.backend("ok");
        String token = "dashboard-token-" + Long.toHexString(System.nanoTime());
        Path tokenFile = tmp.resolve("admin-token");
        Files.writeString(tokenFile, token);
        String yaml = ReloadHarness.adminConfig("dashboard-test", tmp.resolve("kafka"), backend.getAddress().getPort(), tokenFile) + """
                edge: {listen: 127.0.0.1:0, pool: gateways, members: [127.0.0.1:%d]}
                predictor:
                  lead-time: 5s
                  retrain-interval: 5s
                  training-window: 5m
                  history: 10m
                  pools:
                    api: {capacity-per-instance: 50}
                """.formatted(backend.getAddress().getPort());
        HeadroomConfig cfg = HeadroomConfig.from(ConfigNode.parse("dashboard-test.yaml", yaml));
        AtomicBoolean sending = new AtomicBoolean(true);
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        try (HeadroomMetrics metrics = new HeadroomMetrics();
             Stack stack = Stack.start(cfg, Stack.Roles.ALL, Clock.systemUTC(), tmp.resolve("kafka"), metrics::onWindow);
             AdminServer admin = AdminServer.start(stack, metrics, Clock.systemUTC(), cfg.admin())) {
            URI target = URI.create("http://127.0.0.1:" + stack.router().port() + "/");
            Thread load = Thread.ofVirtual().start(() -> {
                // About 40 requests a second, bounded by the test's lifetime.
                for (int i = 0; i < 4_000 && sending.get(); i++) {
                    try {
                        http.send(HttpRequest.newBuilder(target).build(), HttpResponse.BodyHandlers.discarding());
                        Thread.sleep(25);
                    } catch (Exception e) {
                        return;
                    }
                }
            });
            // Wait until the predictor has an observed rate, so the traffic chart has a line to draw.
            await().atMost(Duration.ofSeconds(60)).until(() -> stack.predictor().core().latest("api")
                    .map(f -> f.observed() > 0).orElse(false));
            Thread.sleep(3_000); // a few seconds of history for the chart

            // Without the token the page shows its login form and draws nothing.
            String base = "http://127.0.0.1:" + admin.port();
            String locked = chromium(List.of("--dump-dom", base + "/?updates=2"));
            assertThat(locked).contains("token needed").doesNotContain("pool api");

            // ?updates=2: the page closes its event stream after two updates, so the headless browser can finish.
            // #token=: the fragment never reaches the server; the page trades it for a session cookie.
            String url = base + "/?updates=2#token=" + token;
            String dom = chromium(List.of("--dump-dom", url));
            assertThat(dom).contains("pool api");
            assertThat(dom).contains("L4 edge · pool gateways");
            assertThat(dom).containsPattern("data-updates=\"[1-9]");
            assertThat(dom).contains("127.0.0.1:" + backend.getAddress().getPort());
            // "Quotas and rejections": a row for the route and one for the (anonymous) consumer after the traffic
            assertThat(dom).contains("Quotas and rejections").containsPattern("(?s)<table data-k=\"quota-routes\">.*<tr data-route=\"api\">")
                    .containsPattern("(?s)<table data-k=\"quota-consumers\">.*<tr data-consumer=\"anonymous\">");

            Path png = tmp.resolve("dashboard.png");
            chromium(List.of("--screenshot=" + png, "--window-size=1280,900", url));
            BufferedImage img = ImageIO.read(png.toFile());
            assertThat(img).as("screenshot written").isNotNull();
            // Kept for a person to look at: cli/target/dashboard-screenshot.png
            Files.copy(png, Path.of("target", "dashboard-screenshot.png"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            int blue = 0;
            for (int y = 0; y < img.getHeight(); y++) {
                for (int x = 0; x < img.getWidth(); x++) {
                    if ((img.getRGB(x, y) & 0xffffff) == OBSERVED_RGB) {
                        blue++;
                    }
                }
            }
            // The legend swatch alone is 14x3 pixels; a drawn line over several seconds is far more.
            assertThat(blue).as("pixels of the observed-rate line in the screenshot").isGreaterThan(100);
            sending.set(false);
            load.join(5_000);
        } finally {
            sending.set(false);
            backend.stop(0);
        }
    }

    private String chromium(List<String> extra) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--user-data-dir=" + tmp.resolve("chromium-profile-" + System.nanoTime()), "--virtual-time-budget=10000"));
        cmd.addAll(extra);
        File out = tmp.resolve("chromium-" + System.nanoTime() + ".out").toFile();
        Process p = new ProcessBuilder(cmd).redirectErrorStream(false).redirectOutput(out)
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("chromium did not finish within 60 s: " + cmd);
        }
        return Files.readString(out.toPath());
    }
}
