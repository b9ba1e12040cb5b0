package io.headroom.predictor.core;

import io.headroom.ingest.model.BackendStats;
import io.headroom.ingest.model.ConsumerStats;
import io.headroom.ingest.model.LatencyHistogram;
import io.headroom.ingest.model.QuotaLease;
import io.headroom.ingest.model.TelemetryWindow;
import io.headroom.predictor.plan.PoolSettings;
import io.headroom.predictor.plan.PredictorSettings;
import io.headroom.predictor.plan.QuotaLeaseAllocator.GlobalLimit;
import io.headroom.predictor.plan.QuotaSettings;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The predictor splits each consumer's limit by that consumer's own per-instance counts in telemetry. */
class ConsumerLeasesTest {
    private static final long T0 = 1_700_000_000L;

    private static BackendStats ok(long n) {
        return new BackendStats("b1", n, n, 0, 0, 0, 0, 0, 0, 0, LatencyHistogram.EMPTY);
    }

    @Test
    void leasesFollowEachConsumersOwnSkew() {
        PredictorCore core = PredictorCore.inline(PredictorSettings.of(Map.of("api", new PoolSettings("api", 1000, 0.8)))
                .withQuotas(QuotaSettings.of(Map.of("a", new GlobalLimit("a", 100, 100), "b", new GlobalLimit("b", 100, 100)))));
        String[] ids = {"r1", "r2", "r3"};
        long[] aPer = {80, 10, 10};
        long[] bPer = {10, 10, 80};
        long seq = 0;
        for (long s = T0; s < T0 + 30; s++) {
            for (int i = 0; i < 3; i++) {
                // every instance carries the same 90 req/s in total, so the instance share alone would say 1/3 each
                core.accept(new TelemetryWindow(ids[i], seq++, s * 1000, 1000, "api", "api", List.of(ok(90)),
                        List.of(new ConsumerStats("a", aPer[i], 0), new ConsumerStats("b", bPer[i], 0),
                                new ConsumerStats("unlimited", 90 - aPer[i] - bPer[i], 0))));
            }
        }
        List<QuotaLease> leases = core.quotaLeases((T0 + 31) * 1000);
        assertThat(leases).extracting(l -> l.consumer() + "@" + l.instanceId())
                .containsExactly("a@r1", "a@r2", "a@r3", "b@r1", "b@r2", "b@r3");
        double floor = 100 * QuotaSettings.DEFAULT_RESERVE / 3;
        double[] expected = {floor + 90 * 0.8, floor + 90 * 0.1, floor + 90 * 0.1, floor + 90 * 0.1, floor + 90 * 0.1, floor + 90 * 0.8};
        for (int k = 0; k < 6; k++) {
            assertThat(leases.get(k).ratePerSecond()).as(leases.get(k).toString()).isCloseTo(expected[k], within(1e-6));
        }
        // A window of the previous release (no consumer counts) changes nothing for consumers that others reported.
        core.accept(new TelemetryWindow("r1", seq, (T0 + 30) * 1000, 1000, "api", "api", List.of(ok(90))));
        assertThat(core.tick((T0 + 31) * 1000).plans()).singleElement().satisfies(p -> {
            assertThat(p.quotas()).hasSize(6);
            assertThat(p.provenance()).contains("share of the consumer's offered requests");
        });
    }
}
