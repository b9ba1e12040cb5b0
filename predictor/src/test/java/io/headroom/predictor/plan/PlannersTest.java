package io.headroom.predictor.plan;

import io.headroom.config.ConfigException;
import io.headroom.config.ConfigNode;
import io.headroom.ingest.model.ScalingIntent;
import io.headroom.predictor.forecast.Forecast;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class PlannersTest {
    private final PoolSettings api = new PoolSettings("api", 100, 0.8);

    @Test
    void desiredIsTheUpperBoundOverCapacityAtTargetUtilisation() {
        assertThat(CapacityPlanner.desiredInstances(0, api)).isEqualTo(1);
        assertThat(CapacityPlanner.desiredInstances(80, api)).isEqualTo(1);
        assertThat(CapacityPlanner.desiredInstances(80.5, api)).isEqualTo(2);
        assertThat(CapacityPlanner.desiredInstances(400, api)).isEqualTo(5);
        assertThat(CapacityPlanner.desiredInstances(401, api)).isEqualTo(6);
        ScalingIntent i = CapacityPlanner.intent(api, 1234, 30, 250, new Forecast(300, 250, 401), "linear-sgd", "test");
        assertThat(i.desiredNow()).as("sized on the upper bound, not the mean").isEqualTo(6);
        assertThat(i.forecastRate()).isEqualTo(300);
        assertThat(i.forecastLower()).isEqualTo(250);
        assertThat(i.forecastUpper()).isEqualTo(401);
        assertThat(i.observedRate()).isEqualTo(250);
        assertThat(i.perInstanceCapacity()).isCloseTo(80, within(1e-9));
        assertThat(i.horizonSeconds()).isEqualTo(30);
        assertThat(i.model()).isEqualTo("linear-sgd");
        assertThat(i.reason()).contains("401.0").contains("= 6");
    }

    @Test
    void desiredIsNeverBelowTheReactiveFloorOfTheObservedLoad() {
        assertThat(CapacityPlanner.reactiveFloor(390, api)).isEqualTo(5);
        assertThat(CapacityPlanner.reactiveFloor(400, api)).isEqualTo(5);
        assertThat(CapacityPlanner.reactiveFloor(0, api)).isZero();
        assertThat(CapacityPlanner.reactiveFloor(Double.NaN, api)).isZero();
        // A forecast of a drop (upper 200 req/s = 3 instances) while 390 req/s arrive now (5 instances at 80 per instance).
        ScalingIntent drop = CapacityPlanner.intent(api, 1234, 30, 390, new Forecast(150, 100, 200), "linear-sgd", "test");
        assertThat(drop.desiredNow()).isEqualTo(5);
        assertThat(drop.reason()).contains("= 3; reactive floor of the observed rate = 5");
        // Above the floor the upper bound decides, and the reason does not mention the floor.
        ScalingIntent rise = CapacityPlanner.intent(api, 1234, 30, 100, new Forecast(300, 250, 401), "linear-sgd", "test");
        assertThat(rise.desiredNow()).isEqualTo(6);
        assertThat(rise.reason()).doesNotContain("reactive floor");
    }

    @Test
    void weightsFollowTheSuccessRatioWithAFloor() {
        Map<String, Double> w = WeightPlanner.weights(Map.of("a", 1.0, "b", 0.5, "c", 0.0, "d", 1.7), 0.1);
        assertThat(w).containsEntry("a", 1.0).containsEntry("b", 0.5).containsEntry("d", 1.0);
        assertThat(w.get("c")).as("never 0: a failing backend keeps getting probes").isEqualTo(0.1);
    }

    @Test
    void weightsAlsoFollowLatencyRelativeToTheMedianBackend() {
        Map<String, Double> ratios = Map.of("a", 1.0, "b", 1.0, "c", 1.0, "d", 0.5, "e", 1.0);
        // Mean latencies (µs): the lower median of a, b, c, d is 11 ms; e has no latency evidence.
        Map<String, Double> latency = Map.of("a", 10_000.0, "b", 11_000.0, "c", 40_000.0, "d", 12_000.0);
        Map<String, Double> w = WeightPlanner.weights(ratios, latency, 0.1);
        assertThat(w).containsEntry("a", 1.0).containsEntry("b", 1.0).containsEntry("e", 1.0);
        assertThat(w.get("c")).as("3.6x the median: 1.25 x 11 / 40").isCloseTo(1.25 * 11 / 40, within(1e-12));
        assertThat(w.get("d")).as("within 25%% of the median: only its success ratio counts").isEqualTo(0.5);
        assertThat(WeightPlanner.weights(Map.of("a", 1.0, "c", 1.0), Map.of("a", 1_000.0, "c", 1_000_000.0), 0.1).get("c"))
                .as("never below the floor").isEqualTo(0.1);
        assertThat(WeightPlanner.latencyFactors(java.util.Set.of("a"), latency)).as("one backend: nothing to compare").isEmpty();
        assertThat(WeightPlanner.weights(ratios, Map.of(), 0.1)).isEqualTo(WeightPlanner.weights(ratios, 0.1));
    }

    @Test
    void meanLatenciesAreSmoothedPerBackendAndNeedEvidence() {
        io.headroom.predictor.history.BackendThroughput tp = new io.headroom.predictor.history.BackendThroughput(60);
        long fast = io.headroom.ingest.model.LatencyHistogram.upperBoundMicros(io.headroom.ingest.model.LatencyHistogram.bucketOf(5_000));
        long slow = io.headroom.ingest.model.LatencyHistogram.upperBoundMicros(io.headroom.ingest.model.LatencyHistogram.bucketOf(50_000));
        for (long s = 100; s < 130; s++) {
            tp.add(s, new io.headroom.ingest.model.BackendStats("fast", 10, 10, 0, 0, 0, 0, 0, 0, 0, histogram(5_000, 10)));
            tp.add(s, new io.headroom.ingest.model.BackendStats("slow", 10, 10, 0, 0, 0, 0, 0, 0, 0, histogram(50_000, 10)));
            tp.add(s, new io.headroom.ingest.model.BackendStats("none", 10, 10, 0, 0, 0, 0, 0, 0, 0,
                    io.headroom.ingest.model.LatencyHistogram.EMPTY));
        }
        Map<String, Double> m = tp.meanLatencies(129, 10, WeightPlanner.MIN_EVIDENCE);
        assertThat(m).containsOnlyKeys("fast", "slow");
        assertThat(m.get("fast")).isCloseTo(fast, within(1e-6));
        assertThat(m.get("slow")).isCloseTo(slow, within(1e-6));
    }

    static io.headroom.ingest.model.LatencyHistogram histogram(long micros, long n) {
        long[] c = new long[io.headroom.ingest.model.LatencyHistogram.BUCKETS];
        c[io.headroom.ingest.model.LatencyHistogram.bucketOf(micros)] = n;
        return io.headroom.ingest.model.LatencyHistogram.of(c);
    }

    @Test
    void successRatiosIgnoreHowMuchTrafficEachBackendWasSent() {
        io.headroom.predictor.history.BackendThroughput tp = new io.headroom.predictor.history.BackendThroughput(60);
        for (long s = 100; s < 130; s++) {
            // "old" got 9 of every 10 requests so far, "new" 1: both answered everything; "bad" failed half.
            tp.add(s, new io.headroom.ingest.model.BackendStats("old", 90, 90, 0, 0, 0, 0, 0, 0, 0,
                    io.headroom.ingest.model.LatencyHistogram.EMPTY));
            tp.add(s, new io.headroom.ingest.model.BackendStats("new", 10, 10, 0, 0, 0, 0, 0, 0, 0,
                    io.headroom.ingest.model.LatencyHistogram.EMPTY));
            tp.add(s, new io.headroom.ingest.model.BackendStats("bad", 10, 5, 0, 0, 5, 0, 0, 0, 0,
                    io.headroom.ingest.model.LatencyHistogram.EMPTY));
        }
        tp.add(129, new io.headroom.ingest.model.BackendStats("barely-seen", 1, 0, 0, 0, 1, 0, 0, 0, 0,
                io.headroom.ingest.model.LatencyHistogram.EMPTY));
        Map<String, Double> r = tp.successRatios(129, 10, WeightPlanner.MIN_EVIDENCE);
        assertThat(r.get("old")).isCloseTo(1.0, within(1e-9));
        assertThat(r.get("new")).isCloseTo(1.0, within(1e-9));
        assertThat(r.get("bad")).isCloseTo(0.5, within(1e-9));
        assertThat(r).as("too little evidence to judge").doesNotContainKey("barely-seen");
    }

    @Test
    void parsesThePredictorSection() {
        ConfigNode root = ConfigNode.parse("headroom.yaml", """
                predictor:
                  lead-time: 45s
                  plan-ttl: 20s
                  pools:
                    api: {capacity-per-instance: 100, target-utilisation: 0.8}
                    web: {capacity-per-instance: 50}
                """);
        PredictorSettings s = PredictorSettings.from(root);
        assertThat(s.leadTime()).isEqualTo(Duration.ofSeconds(45));
        assertThat(s.planTtl()).isEqualTo(Duration.ofSeconds(20));
        assertThat(s.pools()).containsOnlyKeys("api", "web");
        assertThat(s.pools().get("web").targetUtilisation()).isEqualTo(0.8);
        assertThat(PredictorSettings.from(ConfigNode.empty()).leadTime()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void hourHistoryDecidesHowFarAWarmStartReReads() {
        PredictorSettings d = PredictorSettings.from(ConfigNode.empty());
        assertThat(d.hourHistory()).isZero();
        assertThat(d.replaySpan()).as("the minute history").isEqualTo(Duration.ofDays(1));
        PredictorSettings week = PredictorSettings.from(ConfigNode.parse("headroom.yaml", "predictor:\n  hour-history: 8d\n"));
        assertThat(week.replaySpan()).isEqualTo(Duration.ofDays(8));
        assertThatThrownBy(() -> PredictorSettings.from(ConfigNode.parse("headroom.yaml", "predictor:\n  hour-history: 9d\n")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("headroom.yaml:2").hasMessageContaining("hour-history: 8d");
    }

    @Test
    void configErrorsNameFileLineAndFix() {
        ConfigNode typo = ConfigNode.parse("headroom.yaml", """
                predictor:
                  pools:
                    api: {capacity-per-instanse: 100}
                """);
        assertThatThrownBy(() -> PredictorSettings.from(typo)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("headroom.yaml:3").hasMessageContaining("capacity-per-instance");
        ConfigNode missing = ConfigNode.parse("headroom.yaml", """
                predictor:
                  pools:
                    api: {target-utilisation: 0.5}
                """);
        assertThatThrownBy(() -> PredictorSettings.from(missing)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("headroom.yaml:3").hasMessageContaining("no capacity-per-instance");
        ConfigNode badLead = ConfigNode.parse("headroom.yaml", "predictor:\n  lead-time: 10ms\n");
        assertThatThrownBy(() -> PredictorSettings.from(badLead)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("headroom.yaml:2").hasMessageContaining("lead-time");
    }

    @Test
    void aTrainingWindowTooShortToBacktestIsRejectedAtItsLine() {
        ConfigNode root = ConfigNode.parse("h.yaml", """
                predictor:
                  lead-time: 30s
                  training-window: 2m
                  pools:
                    api: {capacity-per-instance: 100}
                """);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> PredictorSettings.from(root))
                .isInstanceOf(io.headroom.config.ConfigException.class)
                .hasMessageContaining("h.yaml:3:")
                .hasMessageContaining("use at least " + PredictorSettings.minimumTrainingWindowSeconds(Duration.ofSeconds(30),
                        Duration.ofSeconds(1), Duration.ZERO) + "s");
        // 60 steps of features + 60 rows + 3 x 40 backtest steps + 2 x (30 + 1 + 1) horizon + 10 slack
        assertThat(PredictorSettings.minimumTrainingWindowSeconds(Duration.ofSeconds(30), Duration.ofSeconds(1), Duration.ZERO))
                .isEqualTo(314);
    }

    @Test
    void longHorizonsAreParsedAndCheckedAgainstTheMinuteHistory() {
        PredictorSettings s = PredictorSettings.from(ConfigNode.parse("h.yaml", """
                predictor:
                  horizons: [15m, 1h]
                  minute-history: 12h
                """));
        assertThat(s.horizons()).containsExactly(Duration.ofMinutes(15), Duration.ofHours(1));
        assertThat(s.replaySpan()).isEqualTo(Duration.ofHours(12));
        assertThat(PredictorSettings.from(ConfigNode.empty()).horizons()).containsExactly(Duration.ofMinutes(60));
        assertThat(PredictorSettings.from(ConfigNode.parse("h.yaml", "predictor:\n  horizons: []\n")).replaySpan())
                .isEqualTo(Duration.ofHours(1));
        assertThatThrownBy(() -> PredictorSettings.from(ConfigNode.parse("h.yaml", "predictor:\n  horizons: [90s]\n")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("h.yaml:2").hasMessageContaining("horizons: [15m, 60m]");
        // 60 + 60 + 3 x 40 + 2 x 60 + 10 minutes
        assertThatThrownBy(() -> PredictorSettings.from(ConfigNode.parse("h.yaml", "predictor:\n  minute-history: 2h\n")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("h.yaml:2").hasMessageContaining("use at least 370m");
    }
}
