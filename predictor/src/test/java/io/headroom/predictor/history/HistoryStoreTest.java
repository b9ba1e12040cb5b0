package io.headroom.predictor.history;

import io.headroom.ingest.model.BackendStats;
import io.headroom.ingest.model.LatencyHistogram;
import io.headroom.ingest.model.TelemetryWindow;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class HistoryStoreTest {

    static BackendStats ok(String backend, long n) {
        return new BackendStats(backend, n, n, 0, 0, 0, 0, 0, 0, 0, LatencyHistogram.EMPTY);
    }

    static TelemetryWindow window(String instance, long seq, long second, String route, String pool, BackendStats... b) {
        return new TelemetryWindow(instance, seq, second * 1000, 1000, route, pool, List.of(b));
    }

    @Test
    void windowsOfTheSameSecondFromSeveralInstancesAddUpAndDuplicatesAreDropped() {
        HistoryStore store = new HistoryStore(HistoryStore.Limits.DEFAULT);
        assertThat(store.accept(window("r1", 1, 100, "api", "api", ok("b1", 10)))).isTrue();
        assertThat(store.accept(window("r2", 1, 100, "api", "api", ok("b1", 5)))).isTrue();
        assertThat(store.accept(window("r1", 1, 100, "api", "api", ok("b1", 10)))).as("redelivered").isFalse();
        assertThat(store.accept(window("r1", 2, 100, "web", "api", ok("b2", 7)))).isTrue();
        assertThat(store.route("api").value(100)).isEqualTo(15);
        assertThat(store.route("web").value(100)).isEqualTo(7);
        assertThat(store.pool("api").value(100)).as("pool = sum of its routes").isEqualTo(22);
        assertThat(store.routesOf("api")).containsExactly("api", "web");
        assertThat(store.duplicateCount()).isEqualTo(1);
    }

    @Test
    void aReplayedRouteOlderThanTheSecondRingStillCountsInItsPoolsMinutes() {
        // A replay reads one partition to the end, then the next: route "web" arrives after "api" moved 2 h on.
        HistoryStore store = new HistoryStore(new HistoryStore.Limits(600, 20, 60, 1 << 16, 16, 100, 300));
        long seq = 0;
        for (long s = 0; s < 7200; s++) {
            store.accept(window("r1", seq++, s, "api", "api", ok("b1", 10)));
        }
        for (long s = 0; s < 7200; s++) {
            store.accept(window("r1", seq++, s, "web", "api", ok("b1", 4)));
        }
        MinuteAggregates pool = store.pool("api").minutes();
        assertThat(pool.rates(0, 120)).containsOnly(14.0);
        assertThat(pool.observedSeconds(0)).as("a second counts once, however many routes report it").isEqualTo(60);
        assertThat(store.pool("api").value(10)).as("the second ring keeps 600 s").isNaN();
        assertThat(store.pool("api").value(7199)).isEqualTo(14);
    }

    @Test
    void missingSecondsAreGapsNotZeros() {
        SeriesHistory h = new SeriesHistory(60, 10);
        h.add(10, 5);
        h.add(12, 7);
        double[] v = h.values(9, 14);
        assertThat(v[0]).isNaN();
        assertThat(v[1]).isEqualTo(5);
        assertThat(v[2]).isNaN();
        assertThat(v[3]).isEqualTo(7);
        assertThat(v[4]).isNaN();
    }

    @Test
    void theRingForgetsOldSecondsAndRefusesWindowsOlderThanIt() {
        SeriesHistory h = new SeriesHistory(10, 10);
        h.add(0, 1);
        h.add(15, 2);
        assertThat(h.value(0)).isNaN();
        assertThat(h.add(5, 3)).as("older than the ring").isFalse();
        assertThat(h.add(6, 3)).isTrue();
        assertThat(h.tooOldCount()).isEqualTo(1);
    }

    @Test
    void secondsSkippedAcrossTheRingsWrapReadAsGapsNotAsWhatTheirSlotsHeldBefore() {
        SeriesHistory h = new SeriesHistory(10, 2);
        for (long s = 100; s < 110; s++) {
            h.add(s, s);
        }
        h.add(113, 5);  // 110-112 skipped: their slots held 100-102
        h.add(111, 2);  // a late window inside the ring fills its gap
        assertThat(h.values(104, 114)).containsExactly(104, 105, 106, 107, 108, 109, Double.NaN, 2, Double.NaN, 5);
        assertThat(h.value(114)).as("the future").isNaN();
        assertThat(h.value(103)).as("left the ring").isNaN();
        h.add(140, 7);  // a jump longer than the ring clears it all
        assertThat(h.values(131, 141)).containsExactly(Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
                Double.NaN, Double.NaN, Double.NaN, 7);
    }

    @Test
    void minuteAggregatesAreMeanRatesOverObservedSeconds() {
        SeriesHistory h = new SeriesHistory(300, 10);
        for (int s = 60; s < 120; s++) {
            if (s % 2 == 0) {
                h.add(s, 10);
                h.add(s, 2); // a second instance, same second: counted once as observed
            }
        }
        h.add(130, 4);
        assertThat(h.minutes().observedSeconds(1)).isEqualTo(30);
        double[] r = h.minutes().rates(0, 3);
        assertThat(r[0]).isNaN();
        assertThat(r[1]).isEqualTo(12);
        assertThat(r[2]).isEqualTo(4);
    }

    @Test
    void theHourRingFoldsMinutesTheMinuteRingLetsGoAndCountsEachSecondOnce() {
        // The store's time is the windows' own seconds: a week of telemetry is fed second by second (a hand-moved clock).
        SeriesHistory h = new SeriesHistory(120, 90, 192);
        long t0 = 1_000L * 3600;                      // an hour boundary
        for (long s = t0; s < t0 + 3 * 3600; s++) {
            long hourOf = (s - t0) / 3600;            // 10, 20, 30 req/s in hours 0, 1, 2
            if (hourOf == 1 && (s - t0) % 3600 >= 1800) {
                continue;                             // the second half of hour 1 is an outage: a gap, not zeros
            }
            h.add(s, 10 * (hourOf + 1));
            h.add(s, 0.5);                            // a second instance reports the same second
        }
        // Hour 0 is folded (its minutes left the 90-minute ring), hour 1 half folded, half still minutes, hour 2 minutes.
        assertThat(h.hourlyRates(999, 1004)).containsExactly(Double.NaN, 10.5, 20.5, 30.5, Double.NaN);
        assertThat(h.minutes().hours().newestHour()).isEqualTo(1002);
        assertThat(h.minutes().rates(1000 * 60, 1000 * 60 + 1)[0]).as("left the minute ring").isNaN();
        // a late second for a minute the minute ring already let go is ignored by both rings
        h.add(t0 + 10, 1000);
        assertThat(h.hourlyRates(1000, 1001)).containsExactly(10.5);
    }

    @Test
    void theHourRingIsBoundedAndForgetsHoursOlderThanIt() {
        SeriesHistory h = new SeriesHistory(60, 61, 24);
        for (long hour = 0; hour < 30; hour++) {
            for (long m = 0; m < 60; m++) {
                h.add(hour * 3600 + m * 60, hour);   // one second a minute: the hour's rate is its number
            }
        }
        double[] r = h.hourlyRates(0, 30);
        for (int i = 0; i < 30; i++) {
            if (i <= 29 - 24) {
                assertThat(r[i]).as("hour %d left the 24-hour ring", i).isNaN();
            } else {
                assertThat(r[i]).as("hour %d", i).isEqualTo(i);
            }
        }
    }

    @Test
    void aPoolsHoursAreTheSumOfItsRoutesEvenWhenAReplayDeliversThemDaysApart() {
        // A replay reads one partition to the end, then the next: route "web" arrives two days after "api".
        HistoryStore store = new HistoryStore(new HistoryStore.Limits(600, 61, 60, 1 << 20, 16, 100, 120, 192));
        long seq = 0;
        for (long s = 0; s < 2 * 86_400; s += 10) {
            store.accept(new TelemetryWindow("r1", seq++, s * 1000, 10_000, "api", "api", List.of(ok("b1", 100))));
        }
        for (long s = 0; s < 2 * 86_400; s += 10) {
            store.accept(new TelemetryWindow("r1", seq++, s * 1000, 10_000, "web", "api", List.of(ok("b1", 40))));
        }
        double[] pool = store.poolHourlyRates("api", 0, 48);
        assertThat(pool).containsOnly(14.0);
        assertThat(store.route("web").hourlyRates(0, 48)).containsOnly(4.0);
        assertThat(store.poolHourlyRates("nope", 0, 2)).containsOnly(Double.NaN);
    }

    @Test
    void dedupMemoryIsBoundedPerInstanceAndAcceptsOutOfOrderWindows() {
        WindowDeduplicator d = new WindowDeduplicator(128, 2);
        assertThat(d.firstTime("a", 10)).isTrue();
        assertThat(d.firstTime("a", 8)).as("late but new").isTrue();
        assertThat(d.firstTime("a", 8)).isFalse();
        assertThat(d.firstTime("a", 500)).isTrue();
        assertThat(d.firstTime("a", 450)).isTrue();
        assertThat(d.firstTime("a", 10)).as("older than the span: taken as a duplicate").isFalse();
        assertThat(d.firstTime("b", 1)).isTrue();
        assertThat(d.firstTime("c", 1)).isTrue(); // evicts a
        assertThat(d.firstTime("a", 500)).as("a was forgotten").isTrue();
        assertThat(d.duplicateCount()).isEqualTo(2);
    }

    @Test
    void healthyThroughputIsSmoothedPerBackendAndExcludesRejections() {
        HistoryStore store = new HistoryStore(HistoryStore.Limits.DEFAULT);
        long seq = 0;
        for (long s = 0; s < 20; s++) {
            BackendStats failing = new BackendStats("b2", 10, 2, 0, 1, 7, 0, 0, 0, 0, LatencyHistogram.EMPTY);
            store.accept(window("r1", seq++, s, "api", "api", ok("b1", 30), failing,
                    new BackendStats("-", 5, 0, 0, 0, 0, 0, 5, 0, 0, LatencyHistogram.EMPTY)));
        }
        Map<String, Double> tp = store.throughput("api").smoothed(19, 5);
        assertThat(tp).containsOnlyKeys("b1", "b2");
        assertThat(tp.get("b1")).isCloseTo(30, within(1e-9));
        assertThat(tp.get("b2")).as("2xx + 4xx, not 5xx").isCloseTo(3, within(1e-9));
    }
}
