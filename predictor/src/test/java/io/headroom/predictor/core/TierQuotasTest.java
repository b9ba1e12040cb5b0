package io.headroom.predictor.core;

import io.headroom.ingest.model.BackendStats;
import io.headroom.ingest.model.ConsumerStats;
import io.headroom.ingest.model.ControlPlan;
import io.headroom.ingest.model.LatencyHistogram;
import io.headroom.ingest.model.QuotaLease;
import io.headroom.ingest.model.ScalingEvent;
import io.headroom.ingest.model.TelemetryWindow;
import io.headroom.predictor.plan.PoolSettings;
import io.headroom.predictor.plan.PredictorSettings;
import io.headroom.predictor.plan.QuotaLeaseAllocator.GlobalLimit;
import io.headroom.predictor.plan.QuotaSettings;
import io.headroom.predictor.plan.TierSettings;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The predictor tightens the free tier's leases ahead of an overload, publishes and logs why, and loosens them after. */
class TierQuotasTest {
    private static final long T0 = 1_700_000_000L;

    private long seq;

    private void feed(PredictorCore core, long from, long to, long gold, long free, long other) {
        for (long s = from; s < to; s++) {
            long total = gold + free + other;
            core.accept(new TelemetryWindow("r1", seq++, s * 1000, 1000, "api", "api",
                    List.of(new BackendStats("b1", total, total, 0, 0, 0, 0, 0, 0, 0, LatencyHistogram.EMPTY)),
                    List.of(new ConsumerStats("g", gold, 0), new ConsumerStats("f", free, 0), new ConsumerStats("x", other, 0))));
        }
    }

    @Test
    void theFreeTierIsTightenedWhileTheForecastExceedsCapacityAndGoldIsUntouched() {
        // capacity at the ceiling: 2 instances x 100 req/s x 0.8 = 160 req/s
        QuotaSettings q = QuotaSettings.of(Map.of("g", new GlobalLimit("g", 200, 200), "f", new GlobalLimit("f", 200, 100)))
                .withTiers(new TierSettings(List.of(new TierSettings.Tier("gold", 1, Set.of("g"), 0.1),
                        new TierSettings.Tier("free", 2, Set.of("f"), 0.25)), Map.of("api", 2)));
        PredictorCore core = PredictorCore.inline(PredictorSettings.of(Map.of("api", new PoolSettings("api", 100, 0.8))).withQuotas(q));
        // 120 req/s: under capacity, nothing changes
        feed(core, T0, T0 + 200, 60, 50, 10);
        PredictorCore.Tick calm = core.tick((T0 + 201) * 1000);
        assertThat(calm.events()).isEmpty();
        assertThat(core.tierFactors()).containsOnly(Map.entry("gold", 1.0), Map.entry("free", 1.0));
        assertThat(calm.plans().get(0).quotas()).contains(new QuotaLease("f", "r1", 200, 100));

        // 300 req/s: gold 100, free 150, untiered 50 -> after untiered and gold ~10 req/s left for free's ~150: its floor
        feed(core, T0 + 200, T0 + 300, 100, 150, 50);
        PredictorCore.Tick hot = core.tick((T0 + 301) * 1000);
        PoolForecast pf = hot.forecasts().get(0);
        assertThat(pf.upper()).as("forecast upper bound").isGreaterThan(160);
        assertThat(core.tierFactors()).containsOnly(Map.entry("gold", 1.0), Map.entry("free", 0.25));
        ControlPlan plan = hot.plans().get(0);
        assertThat(plan.quotas()).containsExactly(new QuotaLease("f", "r1", 50, 25), new QuotaLease("g", "r1", 200, 200));
        assertThat(plan.provenance()).contains("quota tiers tightened ahead of the forecast: free x0.25 (pool api: forecast upper");
        assertThat(hot.events()).singleElement().satisfies(e -> {
            assertThat(e.action()).isEqualTo(ScalingEvent.Action.QUOTA);
            assertThat(e.pool()).isEqualTo("api");
            assertThat(e.instance()).isEqualTo("tier:free");
            assertThat(e.desired()).isEqualTo(25);
            assertThat(e.reason()).startsWith("tier free limits x1.00 -> x0.25 (tightened): pool api: forecast upper");
        });
        // the same decision next second: no new event
        feed(core, T0 + 300, T0 + 301, 100, 150, 50);
        assertThat(core.tick((T0 + 302) * 1000).events()).isEmpty();

        // back to 120 req/s: once the forecast's upper bound falls under capacity the configured limits return, with an event
        List<ScalingEvent> later = new ArrayList<>();
        long s = T0 + 301;
        for (; s < T0 + 1800 && core.tierFactors().get("free") < 1; s++) {
            feed(core, s, s + 1, 60, 50, 10);
            later.addAll(core.tick((s + 2) * 1000).events());
        }
        // How long depends on the forecaster: its interval stays wide while its calibration window still holds the drop.
        System.out.printf("free tier loosened after %d s of calm; forecast %s%n", s - T0 - 301, core.latest("api").orElseThrow());
        assertThat(core.tierFactors()).as("after %d s of calm", s - T0 - 301).containsOnly(Map.entry("gold", 1.0), Map.entry("free", 1.0));
        assertThat(later).last().satisfies(e -> {
            assertThat(e.instance()).isEqualTo("tier:free");
            assertThat(e.desired()).isEqualTo(100);
            assertThat(e.pool()).isEqualTo("api");
            assertThat(e.reason()).contains("x0.25 -> x1.00 (loosened)").contains("back under capacity");
        });
        assertThat(core.quotaLeases((s + 1) * 1000)).contains(new QuotaLease("f", "r1", 200, 100));
        assertThat(core.latest("api").orElseThrow().upper()).isLessThanOrEqualTo(160);
        assertThat(core.quotaLeases((s + 1) * 1000).stream().filter(l -> l.consumer().equals("f")).findFirst().orElseThrow()
                .ratePerSecond()).isCloseTo(200, within(1e-9));
    }
}
