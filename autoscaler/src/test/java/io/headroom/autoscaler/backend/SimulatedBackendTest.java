package io.headroom.autoscaler.backend;

import io.headroom.time.ManualTicker;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SimulatedBackendTest {

    private static HttpResponse<String> get(HttpClient c, SimulatedBackend b, String path) throws Exception {
        return c.send(HttpRequest.newBuilder(URI.create("http://" + b.address() + path)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void answers200ThenRejectsPastCapacityWithRetryAfter() throws Exception {
        ManualTicker t = new ManualTicker(1_000_000_000L);
        try (SimulatedBackend b = SimulatedBackend.start(new BackendConfig("127.0.0.1", 0, 5, Duration.ofMillis(1),
                Duration.ZERO), t);
             HttpClient c = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            List<Integer> codes = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                codes.add(get(c, b, "/orders/" + i).statusCode());
            }
            assertThat(codes).containsExactly(200, 200, 200, 200, 200, 503, 503, 503);
            HttpResponse<String> rejected = get(c, b, "/x");
            assertThat(rejected.headers().firstValue("Retry-After")).contains("1");
            assertThat(get(c, b, "/health").statusCode()).isEqualTo(200); // health is not load
            assertThat(b.served()).isEqualTo(5);
            assertThat(b.rejected()).isEqualTo(4);

            t.advance(Duration.ofMillis(1_000)); // the window slid past every admitted request
            assertThat(get(c, b, "/").statusCode()).isEqualTo(200);
            assertThat(get(c, b, "/").body()).startsWith("hello from " + b.port());
        }
    }

    @Test
    void healthAnswers503WhileDraining() throws Exception {
        try (SimulatedBackend b = SimulatedBackend.start(BackendConfig.of(0, 100, Duration.ZERO));
             HttpClient c = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            assertThat(get(c, b, "/health").statusCode()).isEqualTo(200);
            b.startDraining();
            assertThat(get(c, b, "/health").statusCode()).isEqualTo(503);
            assertThat(get(c, b, "/work").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void latencyGrowsWithUtilisationAndIsCapped() {
        Duration base = Duration.ofMillis(10);
        assertThat(OverloadModel.latencyAt(base, 0)).isEqualTo(Duration.ofMillis(10));
        assertThat(OverloadModel.latencyAt(base, 0.5)).isEqualTo(Duration.ofMillis(20));
        assertThat(OverloadModel.latencyAt(base, 0.9)).isEqualTo(Duration.ofMillis(100));
        assertThat(OverloadModel.latencyAt(base, 0.99)).isEqualTo(Duration.ofMillis(200));
        assertThat(OverloadModel.latencyAt(base, 1.0)).isEqualTo(Duration.ofMillis(200));
    }

    @Test
    void slidingWindowForgetsBucketsOlderThanOneSecond() {
        ManualTicker t = new ManualTicker();
        OverloadModel m = new OverloadModel(3, Duration.ZERO, t);
        assertThat(m.admit().admitted()).isTrue();
        t.advance(Duration.ofMillis(500));
        assertThat(m.admit().admitted()).isTrue();
        assertThat(m.admit().admitted()).isTrue();
        assertThat(m.admit().admitted()).isFalse();
        t.advance(Duration.ofMillis(500)); // the first request's bucket left the window
        assertThat(m.inWindow()).isEqualTo(2);
        assertThat(m.admit().admitted()).isTrue();
        assertThat(m.admit().admitted()).isFalse();
    }

    @Test
    void parsesCommandLine() {
        BackendConfig c = BackendConfig.parseArgs("--port", "9100", "--capacity", "50", "--latency", "7", "--host", "127.0.0.1");
        assertThat(c.port()).isEqualTo(9100);
        assertThat(c.capacity()).isEqualTo(50);
        assertThat(c.baseLatency()).isEqualTo(Duration.ofMillis(7));
        assertThatThrownBy(() -> BackendConfig.parseArgs("--capacity", "5")).hasMessageContaining("--port is required");
        assertThatThrownBy(() -> BackendConfig.parseArgs("--port", "x")).hasMessageContaining("--port: 'x' is not a number");
    }
}
