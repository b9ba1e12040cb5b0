package io.headroom.predictor.core;

import io.headroom.ingest.model.BackendStats;
import io.headroom.ingest.model.ControlPlan;
import io.headroom.ingest.model.LatencyHistogram;
import io.headroom.ingest.model.ScalingIntent;
import io.headroom.ingest.model.TelemetryWindow;
import io.headroom.predictor.plan.PoolSettings;
import io.headroom.predictor.plan.PredictorSettings;
import io.headroom.predictor.plan.QuotaLeaseAllocator;
import io.headroom.predictor.plan.QuotaSettings;
import io.headroom.predictor.plan.WeightPlanner;
import io.headroom.ingest.model.QuotaLease;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class PredictorCoreTest {
    static final long T0 = 1_700_000_000L; // seconds

    static BackendStats ok(String backend, long n) {
        return new BackendStats(backend, n, n, 0, 0, 0, 0, 0, 0, 0, LatencyHistogram.EMPTY);
    }

    /** Two router instances, a ramp of 100 + 0.5 req/s per second, split 3:1 over two backends. */
    static void feedRamp(PredictorCore core, long fromSecond, long toSecond) {
        for (long s = fromSecond; s < toSecond; s++) {
            long total = 100 + (s - T0) / 2;
            long a = total * 3 / 4;
            long half = a / 2;
            long b = total - a;
            core.accept(new TelemetryWindow("r1", s * 2, s * 1000, 1000, "api", "api", List.of(ok("b1", half), ok("b2", b / 2))));
            core.accept(new TelemetryWindow("r2", s * 2, s * 1000, 1000, "api", "api", List.of(ok("b1", a - half), ok("b2", b - b / 2))));
        }
    }

    @Test
    void aRampIsForecastByATrainedModelAndSizedOnItsUpperBound() {
        PredictorSettings settings = PredictorSettings.of(Map.of("api", new PoolSettings("api", 50, 0.8)))
                .withLeadTime(Duration.ofSeconds(10));
        PredictorCore core = PredictorCore.inline(settings);
        assertThat(core.horizonSteps()).isEqualTo(12);
        long end = T0 + 400;
        feedRamp(core, T0, end);
        // Complete seconds: now - settle(1 s) - 1 s, so at now = end + 1 s the last complete second is end - 1.
        long now = (end + 1) * 1000;
        PredictorCore.Tick t = core.tick(now);
        assertThat(t.intents()).hasSize(1);
        ScalingIntent i = t.intents().getFirst();
        assertThat(i.model()).isEqualTo("linear-sgd");
        double lastRate = 100 + (end - 1 - T0) / 2.0;
        assertThat(i.observedRate()).isCloseTo(lastRate - 1, within(1.5));
        // The target is 12 s past the last complete second: the ramp adds about 6 req/s by then.
        assertThat(i.forecastRate()).isCloseTo(lastRate + 6, within(3.0));
        assertThat(i.forecastUpper()).isGreaterThanOrEqualTo(i.forecastRate());
        assertThat(i.desiredNow()).isEqualTo((int) Math.ceil(i.forecastUpper() / 40 - 1e-9));
        assertThat(i.reason()).contains("linear-sgd").contains("last-value");

        ControlPlan p = t.plans().getFirst();
        assertThat(p.scope()).isEqualTo("pool:api");
        assertThat(p.source()).isEqualTo(ControlPlan.SOURCE_PREDICTOR);
        assertThat(p.epoch()).isEqualTo(now);
        assertThat(p.validUntilMillis()).isEqualTo(now + 30_000);
        // Both backends answer everything: equal weights, whatever share of the traffic each was sent (a 3:1 split
        // must not be reinforced into the plan, or a newly added instance would stay starved).
        assertThat(p.weights()).containsEntry("b1", 1.0).containsEntry("b2", 1.0);
        assertThat(p.provenance()).contains("linear-sgd");

        // Epochs keep increasing even if the clock stands still.
        assertThat(core.tick(now).plans().getFirst().epoch()).isEqualTo(now + 1);
        assertThat(core.latest("api")).hasValueSatisfying(f -> assertThat(f.model()).isEqualTo("linear-sgd"));
        assertThat(core.stats().duplicates()).isZero();
    }

    @Test
    void aNewPoolUsesTheBaselineAndAStalePoolGetsNoIntent() {
        PredictorCore core = PredictorCore.inline(PredictorSettings.of(Map.of("api", new PoolSettings("api", 100, 0.8))));
        feedRamp(core, T0, T0 + 20);
        PredictorCore.Tick t = core.tick((T0 + 21) * 1000);
        assertThat(t.intents()).singleElement().satisfies(i -> assertThat(i.model()).isEqualTo("last-value"));
        assertThat(core.tick((T0 + 60) * 1000).intents()).as("no telemetry for 40 s").isEmpty();
    }

    @Test
    void retrainingRunsOnTheTrainingExecutorAndTicksKeepForecastingWhileItIsPending() {
        // The training executor only queues its jobs: a tick that schedules one must return without running or waiting for it.
        List<Runnable> queued = new java.util.ArrayList<>();
        PredictorCore core = new PredictorCore(PredictorSettings.of(Map.of("api", new PoolSettings("api", 50, 0.8)))
                .withLeadTime(Duration.ofSeconds(10)).withRetrainInterval(Duration.ofSeconds(60)), queued::add);
        long end = T0 + 400;
        feedRamp(core, T0, end);
        PredictorCore.Tick first = core.tick((end + 1) * 1000);
        assertThat(queued).as("one retraining job scheduled, none run").hasSize(1);
        assertThat(core.stats().retrains()).isZero();
        assertThat(first.intents()).singleElement().satisfies(i -> assertThat(i.model()).isEqualTo("last-value"));
        // More data and a tick past the retrain interval while the job is still pending: forecasting goes on with the
        // current model, and no second job piles up behind the first.
        feedRamp(core, end, end + 70);
        PredictorCore.Tick during = core.tick((end + 71) * 1000);
        assertThat(during.intents()).singleElement().satisfies(i -> assertThat(i.model()).isEqualTo("last-value"));
        assertThat(queued).hasSize(1);
        assertThat(core.stats().trainingSkippedBusy()).isEqualTo(1);
        // The job runs (on the trainer's thread in the service) and swaps the selected model in for the next tick.
        queued.getFirst().run();
        assertThat(core.stats().retrains()).isEqualTo(1);
        assertThat(core.tick((end + 72) * 1000).intents()).singleElement()
                .satisfies(i -> assertThat(i.model()).isEqualTo("linear-sgd"));
    }

    @Test
    void aBackendMuchSlowerThanItsPeersGetsALowerWeight() {
        PredictorCore core = PredictorCore.inline(PredictorSettings.of(Map.of("api", new PoolSettings("api", 100, 0.8))));
        long[] fast = new long[LatencyHistogram.BUCKETS];
        long[] slow = new long[LatencyHistogram.BUCKETS];
        fast[LatencyHistogram.bucketOf(8_000)] = 50;
        slow[LatencyHistogram.bucketOf(80_000)] = 50;
        long s = T0;
        for (; s < T0 + 30; s++) {
            core.accept(new TelemetryWindow("r1", s, s * 1000, 1000, "api", "api", List.of(
                    new BackendStats("b1", 50, 50, 0, 0, 0, 0, 0, 0, 0, LatencyHistogram.of(fast)),
                    new BackendStats("b2", 50, 50, 0, 0, 0, 0, 0, 0, 0, LatencyHistogram.of(slow)))));
        }
        ControlPlan p = core.tick((s + 1) * 1000).plans().getFirst();
        double expected = WeightPlanner.LATENCY_TOLERANCE * LatencyHistogram.upperBoundMicros(LatencyHistogram.bucketOf(8_000))
                / LatencyHistogram.upperBoundMicros(LatencyHistogram.bucketOf(80_000));
        assertThat(p.weights()).containsEntry("b1", 1.0);
        assertThat(p.weights().get("b2")).isCloseTo(expected, within(1e-9));
        assertThat(p.provenance()).contains("latency factor").contains("b2=" + String.format(java.util.Locale.ROOT, "%.2f", expected));
    }

    @Test
    void aLevelShiftTriggersARefitBeforeTheSchedule() {
        PredictorCore core = PredictorCore.inline(PredictorSettings.of(Map.of("api", new PoolSettings("api", 100, 0.8)))
                .withRetrainInterval(Duration.ofHours(1)));
        long s = T0;
        for (; s < T0 + 400; s++) {
            core.accept(new TelemetryWindow("r1", s, s * 1000, 1000, "api", "api", List.of(ok("b1", 100 + (s % 3)))));
        }
        core.tick((s + 1) * 1000);
        assertThat(core.stats().retrains()).isEqualTo(1);
        for (; s < T0 + 430; s++) {
            core.accept(new TelemetryWindow("r1", s, s * 1000, 1000, "api", "api", List.of(ok("b1", 100 + (s % 3)))));
            core.tick((s + 2) * 1000);
        }
        assertThat(core.stats().retrains()).as("steady level: only the schedule retrains").isEqualTo(1);
        for (; s < T0 + 480; s++) {
            core.accept(new TelemetryWindow("r1", s, s * 1000, 1000, "api", "api", List.of(ok("b1", 400 + (s % 3)))));
            core.tick((s + 2) * 1000);
        }
        assertThat(core.stats().retrains()).as("the shift to 4x refits within the hour").isGreaterThan(1);
        assertThat(core.latest("api")).hasValueSatisfying(f -> assertThat(f.mean()).isGreaterThan(300));
    }

    @Test
    void everyPoolPlanCarriesTheQuotaLeasesWithThePlansTtl() {
        PredictorSettings settings = PredictorSettings.of(Map.of("api", new PoolSettings("api", 50, 0.8),
                        "web", new PoolSettings("web", 50, 0.8)))
                .withQuotas(QuotaSettings.of(Map.of("app", new QuotaLeaseAllocator.GlobalLimit("app", 120, 60))));
        PredictorCore core = PredictorCore.inline(settings);
        long seq = 0;
        for (long s = T0; s < T0 + 20; s++) {
            // r1 70, r2 20, r3 10 requests a second; r3's are all refused by the router itself (backend "-").
            core.accept(new TelemetryWindow("r1", seq++, s * 1000, 1000, "api", "api", List.of(ok("b1", 50))));
            core.accept(new TelemetryWindow("r1", seq++, s * 1000, 1000, "web", "web", List.of(ok("w1", 20))));
            core.accept(new TelemetryWindow("r2", seq++, s * 1000, 1000, "api", "api", List.of(ok("b1", 20))));
            core.accept(new TelemetryWindow("r3", seq++, s * 1000, 1000, "web", "web", List.of(
                    new BackendStats("-", 10, 0, 0, 10, 0, 0, 10, 0, 0, LatencyHistogram.EMPTY))));
        }
        long now = (T0 + 21) * 1000; // last complete second = T0 + 19
        PredictorCore.Tick t = core.tick(now);
        assertThat(t.plans()).extracting(ControlPlan::scope).containsExactlyInAnyOrder("pool:api", "pool:web");
        for (ControlPlan p : t.plans()) {
            assertThat(p.validUntilMillis() - p.issuedAtMillis()).isEqualTo(settings.planTtl().toMillis());
            assertThat(p.quotas()).extracting(QuotaLease::instanceId).containsExactly("r1", "r2", "r3");
            assertThat(p.quotas().get(0).ratePerSecond()).isCloseTo(4 + 75.6, within(1e-6));
            assertThat(p.quotas().get(1).ratePerSecond()).isCloseTo(4 + 21.6, within(1e-6));
            assertThat(p.quotas().get(2).ratePerSecond()).isCloseTo(4 + 10.8, within(1e-6));
            assertThat(p.provenance()).contains("quota leases").contains("app@r1=79.60/s");
        }
        assertThat(core.quotaLeases(now)).isEqualTo(t.plans().get(0).quotas());
        // A pool whose backends have no evidence (every request refused by the router) still carries the leases.
        PredictorCore refused = PredictorCore.inline(PredictorSettings.of(Map.of("api", new PoolSettings("api", 50, 0.8)))
                .withQuotas(QuotaSettings.of(Map.of("app", new QuotaLeaseAllocator.GlobalLimit("app", 120, 60)))));
        for (long s = T0; s < T0 + 5; s++) {
            refused.accept(new TelemetryWindow("r1", s, s * 1000, 1000, "api", "api", List.of(
                    new BackendStats("-", 10, 0, 0, 10, 0, 0, 10, 0, 0, LatencyHistogram.EMPTY))));
        }
        List<ControlPlan> only = refused.tick((T0 + 6) * 1000).plans();
        assertThat(only).singleElement().satisfies(p -> {
            assertThat(p.weights()).isEmpty();
            assertThat(p.quotas()).containsExactly(new QuotaLease("app", "r1", 120, 60));
        });
        // Without global limits, no leases.
        PredictorCore plain = PredictorCore.inline(PredictorSettings.of(Map.of("api", new PoolSettings("api", 50, 0.8))));
        plain.accept(new TelemetryWindow("r1", 0, T0 * 1000, 1000, "api", "api", List.of(ok("b1", 50))));
        assertThat(plain.quotaLeases((T0 + 2) * 1000)).isEmpty();
    }

    @Test
    void aLongHorizonIsForecastOnThePerMinuteSeriesAndReportedBesideTheLeadTime() {
        // 6 h of a ramp that climbs 1 req/s every minute; a 60-minute horizon on a 7-hour minute history.
        PredictorSettings settings = PredictorSettings.of(Map.of("api", new PoolSettings("api", 50, 0.8)))
                .withLeadTime(Duration.ofSeconds(10)).withHorizons(List.of(Duration.ofMinutes(60)), Duration.ofHours(7));
        assertThat(settings.replaySpan()).isEqualTo(Duration.ofHours(7));
        PredictorCore core = PredictorCore.inline(settings);
        long end = T0 + 6 * 3600;
        for (long s = T0; s < end; s++) {
            long rate = 100 + (s - T0) / 60;
            core.accept(new TelemetryWindow("r1", s, s * 1000, 1000, "api", "api", List.of(ok("b1", rate))));
        }
        PredictorCore.Tick t = core.tick((end + 1) * 1000);
        PoolForecast f = t.forecasts().getFirst();
        assertThat(f.ahead()).hasSize(1);
        PoolForecast.Ahead a = f.ahead().getFirst();
        assertThat(a.horizonSeconds()).isEqualTo(3600);
        double lastMinute = 100 + 359;
        assertThat(a.model()).as("a learned model extrapolates the ramp; baselines stay at the last level").isIn("linear-sgd",
                "linear-l1", "global-linear-sgd", "holt-winters");
        assertThat(a.mean()).isCloseTo(lastMinute + 60, within(6.0));
        assertThat(a.upper()).isGreaterThanOrEqualTo(a.mean());
        assertThat(a.desired()).isEqualTo((int) Math.ceil(a.upper() / 40 - 1e-9));
        assertThat(t.intents().getFirst().reason()).contains("in 60m: ");
        assertThat(t.intents().getFirst().horizonSeconds()).isEqualTo(10);
    }

    @Test
    void withoutLongHorizonsNothingIsForecastAhead() {
        PredictorSettings settings = PredictorSettings.of(Map.of("api", new PoolSettings("api", 50, 0.8)))
                .withLeadTime(Duration.ofSeconds(10)).withHorizons(List.of(), Duration.ofHours(1));
        assertThat(settings.replaySpan()).isEqualTo(settings.history());
        PredictorCore core = PredictorCore.inline(settings);
        feedRamp(core, T0, T0 + 400);
        assertThat(core.tick((T0 + 401) * 1000).forecasts().getFirst().ahead()).isEmpty();
    }
}
