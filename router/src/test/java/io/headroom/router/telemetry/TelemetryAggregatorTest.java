package io.headroom.router.telemetry;

import io.headroom.ingest.model.BackendStats;
import io.headroom.ingest.model.LatencyHistogram;
import io.headroom.ingest.model.TelemetryWindow;
import io.headroom.router.config.HostPort;
import io.headroom.router.upstream.Backend;
import io.headroom.router.upstream.BackendSet;
import io.headroom.router.upstream.ConnectionPool;
import io.headroom.router.upstream.Watchdog;
import io.headroom.time.ManualTicker;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

class TelemetryAggregatorTest {
    private final BackendSet set = new BackendSet(new ConnectionPool.Settings(1, 1, 1), new Watchdog(new ManualTicker(), 1));
    private final Backend a = set.get(HostPort.parse("10.0.0.1:80"));
    private final Backend b = set.get(HostPort.parse("10.0.0.2:80"));
    private final List<TelemetryWindow> sunk = new CopyOnWriteArrayList<>();
    private final TelemetryAggregator agg = new TelemetryAggregator("node-1", sunk::add,
            Clock.fixed(Instant.ofEpochMilli(10_500), ZoneOffset.UTC), 1000);

    private static BackendStats of(TelemetryWindow w, String backend) {
        return w.backends().stream().filter(s -> s.backend().equals(backend)).findFirst().orElseThrow();
    }

    @Test
    void exactCountsPerRouteAndBackend() {
        RouteTelemetry api = agg.route("api", "pool-a");
        RouteTelemetry web = agg.route("web", "pool-a");
        api.response(a, 200, 10, 100, 1_000_000);     // 1 ms
        api.response(a, 204, 0, 0, 1_000_000);
        api.response(a, 302, 0, 5, 40_000);           // 40 µs
        api.response(b, 404, 0, 7, 2_000_000);
        api.response(b, 503, 0, 9, 2_000_000);
        api.error(b, 3, 0, 5_000_000);
        api.rejection(0, 0, 10_000);

        assertThat(agg.closeWindow(10_999)).isEmpty(); // the window [10000, 11000) is still open
        List<TelemetryWindow> ws = agg.closeWindow(11_000);
        assertThat(ws).hasSize(2);
        assertThat(sunk).isEqualTo(ws);
        TelemetryWindow w = ws.get(0);
        assertThat(w.instanceId()).isEqualTo("node-1");
        assertThat(w.route()).isEqualTo("api");
        assertThat(w.pool()).isEqualTo("pool-a");
        assertThat(w.startMillis()).isEqualTo(10_000);
        assertThat(w.windowMillis()).isEqualTo(1000);
        assertThat(w.totalRequests()).isEqualTo(7);

        BackendStats sa = of(w, "10.0.0.1:80");
        assertThat(sa).isEqualTo(new BackendStats("10.0.0.1:80", 3, 2, 1, 0, 0, 0, 0, 10, 105, sa.latency()));
        assertThat(sa.latency().count(LatencyHistogram.bucketOf(1000))).isEqualTo(2);
        assertThat(sa.latency().count(LatencyHistogram.bucketOf(40))).isEqualTo(1);
        BackendStats sb = of(w, "10.0.0.2:80");
        assertThat(sb).isEqualTo(new BackendStats("10.0.0.2:80", 3, 0, 0, 1, 1, 1, 0, 3, 16, sb.latency()));
        assertThat(sb.latency().count(LatencyHistogram.bucketOf(5000))).isEqualTo(1);
        BackendStats rej = of(w, RouteTelemetry.NO_BACKEND);
        assertThat(rej.requests()).isEqualTo(1);
        assertThat(rej.rejections()).isEqualTo(1);
        assertThat(rej.errors()).isZero();

        // a route without traffic still gets a (empty) window, so consumers see zeros
        assertThat(ws.get(1).route()).isEqualTo("web");
        assertThat(ws.get(1).backends()).isEmpty();
        assertThat(ws.get(1).sequence()).isEqualTo(w.sequence() + 1);

        // next window only holds what happened since
        web.response(a, 200, 0, 1, 1000);
        List<TelemetryWindow> next = agg.closeWindow(12_001);
        assertThat(next.get(0).totalRequests()).isZero();
        assertThat(next.get(0).startMillis()).isEqualTo(11_000);
        assertThat(next.get(1).totalRequests()).isEqualTo(1);
        assertThat(next.get(0).sequence()).isEqualTo(w.sequence() + 2);
        // the sequence starts at the creation time so a restarted instance never repeats one
        assertThat(w.sequence()).isEqualTo(10_500);
    }

    @Test
    void concurrentRecordingLosesNothingAcrossWindows() throws Exception {
        RouteTelemetry api = agg.route("api", "p");
        Thread[] ts = new Thread[4];
        for (int t = 0; t < ts.length; t++) {
            ts[t] = Thread.ofVirtual().start(() -> {
                for (int i = 0; i < 5000; i++) {
                    api.response(a, 200, 1, 2, 1000);
                }
            });
        }
        long total = 0;
        long ok = 0;
        long now = 11_000;
        for (Thread t : ts) {
            while (t.isAlive()) {
                for (TelemetryWindow w : agg.closeWindow(now += 1000)) {
                    total += w.totalRequests();
                    ok += w.backends().stream().mapToLong(BackendStats::status2xx).sum();
                }
            }
            t.join();
        }
        for (TelemetryWindow w : agg.closeWindow(now + 1000)) {
            total += w.totalRequests();
            ok += w.backends().stream().mapToLong(BackendStats::status2xx).sum();
        }
        assertThat(total).isEqualTo(20_000);
        assertThat(ok).isEqualTo(20_000);
    }
}
