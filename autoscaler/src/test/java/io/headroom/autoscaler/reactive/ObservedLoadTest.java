package io.headroom.autoscaler.reactive;

import io.headroom.ingest.model.BackendStats;
import io.headroom.ingest.model.LatencyHistogram;
import io.headroom.ingest.model.TelemetryWindow;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Exact sums on literal windows; time is an argument. */
class ObservedLoadTest {
    private static final long T0 = 1_700_000_000_000L; // a whole second

    private static TelemetryWindow window(String instance, long seq, long startMillis, long windowMillis, String pool, long... perBackend) {
        List<BackendStats> stats = new java.util.ArrayList<>();
        for (int i = 0; i < perBackend.length; i++) {
            long n = perBackend[i];
            stats.add(new BackendStats(i == perBackend.length - 1 && perBackend.length > 2 ? "-" : "b" + i, n, n, 0, 0, 0, 0, 0, 0, 0,
                    LatencyHistogram.of(new long[LatencyHistogram.BUCKETS])));
        }
        return new TelemetryWindow(instance, seq, startMillis, (int) windowMillis, "r", pool, stats);
    }

    @Test
    void sumsPerSecondAcrossRoutersAndAveragesTheSettledWindow() {
        ObservedLoad load = new ObservedLoad(Duration.ofSeconds(3), Duration.ofSeconds(1));
        for (int s = 0; s < 5; s++) {
            long start = T0 + s * 1000L;
            load.accept(window("r1", s, start, 1000, "api", 30, 10), start + 1000);
            load.accept(window("r2", s, start, 1000, "api", 20 + s), start + 1000);
            load.accept(window("r2", 100 + s, start, 1000, "other", 7), start + 1000);
        }
        // At T0+5.5 s, seconds ending by T0+4.5 s have settled: seconds 1, 2, 3 -> 61, 62, 63.
        assertThat(load.rate("api", T0 + 5_500)).hasValueCloseTo(62.0, within(1e-9));
        assertThat(load.rate("other", T0 + 5_500)).hasValueCloseTo(7.0, within(1e-9));
        // At T0+6 s second 4 has settled too: 62, 63, 64.
        assertThat(load.rate("api", T0 + 6_000)).hasValueCloseTo(63.0, within(1e-9));
        assertThat(load.rate("nope", T0 + 6_000)).isEmpty();
    }

    @Test
    void aWindowIsCountedOncePerInstanceAndSequence() {
        ObservedLoad load = new ObservedLoad(Duration.ofSeconds(1), Duration.ZERO);
        TelemetryWindow w = window("r1", 7, T0, 1000, "api", 50);
        assertThat(load.accept(w, T0 + 1000)).isTrue();
        assertThat(load.accept(w, T0 + 1000)).as("redelivered").isFalse();
        // The same sequence from another instance is another window.
        assertThat(load.accept(window("r2", 7, T0, 1000, "api", 50), T0 + 1000)).isTrue();
        assertThat(load.rate("api", T0 + 1000)).hasValueCloseTo(100.0, within(1e-9));
        assertThat(load.stats()).isEqualTo(new ObservedLoad.Stats(2, 1, 0));
    }

    @Test
    void rejectedRequestsAreDemandAndALongWindowIsSpread() {
        ObservedLoad load = new ObservedLoad(Duration.ofSeconds(4), Duration.ZERO);
        // backend b0 30, b1 10, and 20 the router refused itself ("-"): 60 in one second.
        load.accept(window("r1", 1, T0, 1000, "api", 30, 10, 20), T0 + 1000);
        // A router that stalled: one window over seconds 1..3 with 300 requests -> 100 per second.
        load.accept(window("r1", 2, T0 + 1000, 3000, "api", 300), T0 + 4000);
        assertThat(load.rate("api", T0 + 4000)).hasValueCloseTo((60 + 100 + 100 + 100) / 4.0, within(1e-9));
    }

    @Test
    void unknownWithoutRecentTelemetryAndOldWindowsAreNeverCounted() {
        ObservedLoad load = new ObservedLoad(Duration.ofSeconds(5), Duration.ofSeconds(1));
        load.accept(window("r1", 1, T0, 1000, "api", 40), T0 + 1000);
        assertThat(load.rate("api", T0 + 2000)).hasValueCloseTo(40.0, within(1e-9));
        // Long after: no router reported in the window -> unknown, not zero.
        long later = T0 + 120_000;
        assertThat(load.rate("api", later)).isEmpty();
        // A window from long ago (replayed history) is refused, even with a new sequence.
        assertThat(load.accept(window("r1", 2, T0 + 1000, 1000, "api", 40), later)).isFalse();
        // And a window already seen, now forgotten, stays refused: it lies before the horizon.
        assertThat(load.accept(window("r1", 1, T0, 1000, "api", 40), later)).isFalse();
        assertThat(load.stats().tooOld()).isEqualTo(2);
    }
}
