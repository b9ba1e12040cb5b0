package io.headroom.cli.evaluate;

import io.headroom.datasets.Traces;
import io.headroom.datasets.synthetic.SyntheticWorkload;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

@Timeout(60)
class WhatIfEvaluatorTest {
    private static final Instant T0 = Instant.parse("2024-01-01T00:00:00Z");

    /** 120 minutes at {@code low} per minute, then 120 at {@code high}. */
    private static DemandSeries step(double low, double high) {
        double[] c = new double[240];
        Arrays.fill(c, 0, 120, low);
        Arrays.fill(c, 120, 240, high);
        return DemandSeries.of("step", T0, Duration.ofMinutes(1), c);
    }

    @Test
    void aStepIncreaseLeavesReactiveShortForExactlyTheLeadTime() {
        for (int leadMinutes : new int[] {3, 5}) {
            Evaluation e = WhatIfEvaluator.evaluate(step(600, 6000), EvaluationSettings.defaults(Duration.ofMinutes(leadMinutes)));
            // peak 100 req/s over 20 instances: 5 req/s each; 10 req/s at 80 % needs 3 instances (15 req/s ready)
            assertThat(e.capacityPerInstance()).isCloseTo(5.0, within(1e-9));
            assertThat(e.staticFleet()).isEqualTo(20);
            PolicyResult r = e.reactive();
            assertThat(r.underprovisionedMinutes()).isEqualTo(leadMinutes);
            assertThat(r.excessRequests()).isCloseTo(leadMinutes * (6000 - 3 * 5 * 60), within(1e-6));
            // asked for at the step, ready one lead time later: ceil(100 / 4) = 25
            assertThat(r.target()[120]).isEqualTo(25);
            assertThat(r.ready()[120 + leadMinutes - 1]).isEqualTo(3);
            assertThat(r.ready()[120 + leadMinutes]).isEqualTo(25);
            // nothing forecasts a step out of a flat line, but the reactive floor keeps predictive no worse
            assertThat(e.predictive().underprovisionedMinutes()).isBetween(1.0, (double) leadMinutes);
            PolicyResult s = e.staticFleetResult();
            assertThat(s.underprovisionedMinutes()).isZero();
            assertThat(s.excessRequests()).isZero();
            assertThat(s.instanceMinutes()).isEqualTo(20 * 240);
            assertThat(s.meanUtilization()).isCloseTo((120 * 0.1 + 120 * 1.0) / 240, within(1e-9));
        }
    }

    @Test
    void reactiveHoldsWithinToleranceAndScalesDownOnlyAfterTheStabilisationWindow() {
        ReactivePolicy p = new ReactivePolicy(4.0, 0.1, 5);
        assertThat(p.decide(0, 40, 10)).isEqualTo(10);   // exactly at target
        assertThat(p.decide(1, 43, 10)).isEqualTo(10);   // +7.5 %: within tolerance
        assertThat(p.decide(2, 46, 10)).isEqualTo(12);   // +15 %: up at once
        for (int t = 3; t <= 6; t++) {
            assertThat(p.decide(t, 8, 12)).as("minute %d", t).isEqualTo(12); // 12 recommended within the last 5 minutes
        }
        assertThat(p.decide(7, 8, 12)).isEqualTo(2);
    }

    @Test
    void reactiveSyncsEvery15SecondsAndEachSyncAtMostDoublesOrAddsFour() {
        assertThat(ReactivePolicy.scaleUpLimit(1)).isEqualTo(5);
        assertThat(ReactivePolicy.scaleUpLimit(10)).isEqualTo(20);
        // 1 instance, demand for 100: one sync per step gets to 5; four syncs (a minute of 15 s syncs) to 5, 10, 20, 40
        assertThat(new ReactivePolicy(1.0, 0.1, 5, 1).decide(0, 100, 1)).isEqualTo(5);
        assertThat(new ReactivePolicy(1.0, 0.1, 5, 4).decide(0, 100, 1)).isEqualTo(40);
        assertThat(new ReactivePolicy(1.0, 0.1, 5, 4).decide(0, 30, 1)).isEqualTo(30);
        // within a minute the later syncs see the same demand: no change once at the recommendation
        assertThat(new ReactivePolicy(1.0, 0.1, 5, 4).decide(0, 12, 10)).isEqualTo(12);
        // the 5-minute window holds scale-down with 4 recommendations a minute as with one
        ReactivePolicy p = new ReactivePolicy(4.0, 0.1, 5, 4);
        assertThat(p.decide(0, 46, 10)).isEqualTo(12);
        for (int t = 1; t <= 4; t++) {
            assertThat(p.decide(t, 8, 12)).as("minute %d", t).isEqualTo(12);
        }
        assertThat(p.decide(5, 8, 12)).isEqualTo(2);
    }

    @Test
    void perfectForesightAsksOneLeadTimeAheadForTheMostTheNextStepsNeed() {
        // need at 100 % with 10 per instance per step: 1, 1, 3, 1, 1, gap, 2
        double[] c = {5, 10, 25, 10, 0, Double.NaN, 20};
        // lead 2: max over t..t+2 of the needs, gaps skipped: 3, 3, 3, 1, 2 (the gap step itself is not counted), 2
        assertThat(WhatIfEvaluator.perfectForesightInstanceMinutes(c, 10, 2)).isEqualTo(3 + 3 + 3 + 1 + 2 + 2);
        // lead 0: exactly the needs
        assertThat(WhatIfEvaluator.perfectForesightInstanceMinutes(c, 10, 0)).isEqualTo(1 + 1 + 3 + 1 + 1 + 2);
    }

    @Test
    void theBoundIsReportedAndNoPolicyThatIsNeverShortSpendsLess() {
        Evaluation e = WhatIfEvaluator.evaluate(step(600, 6000), EvaluationSettings.defaults(Duration.ofMinutes(3)));
        // 120 minutes at 2 instances (10 req/s at 5 each), then 120 at 20; the 3 minutes before the step ask for 20
        assertThat(e.oracleInstanceMinutes()).isEqualTo(117 * 2 + 3 * 20 + 120 * 20);
        assertThat(e.staticFleetResult().instanceMinutes()).isGreaterThanOrEqualTo(e.oracleInstanceMinutes());
        assertThat(e.oracleRatio()).isCloseTo(e.oracleInstanceMinutes() / e.reactive().instanceMinutes(), within(1e-12));
        assertThat(e.toJson()).contains("\"perfect_foresight\": {\"instance_minutes\": 2694");
        assertThat(e.report()).contains("perfect foresight");
    }

    @Test
    void fleetMakesInstancesReadyOneLeadTimeLaterAndCancelsStartingOnesFirst() {
        Fleet f = new Fleet(3, 2);
        f.advance(0);
        f.setTarget(5, 0);
        assertThat(f.requested()).isEqualTo(5);
        f.advance(2);
        assertThat(f.ready()).isEqualTo(2);
        f.setTarget(4, 2); // cancels one still starting
        f.advance(3);
        assertThat(f.ready()).isEqualTo(4);
        f.setTarget(1, 3);
        assertThat(f.ready()).isEqualTo(1);
    }

    @Test
    void gapsAreNeitherScoredNorDecidedOn() {
        double[] c = new double[100];
        Arrays.fill(c, 300);
        Arrays.fill(c, 40, 60, Double.NaN);
        Evaluation e = WhatIfEvaluator.evaluate(DemandSeries.of("gappy", T0, Duration.ofMinutes(1), c),
                EvaluationSettings.defaults(Duration.ofMinutes(3)));
        assertThat(e.staticFleetResult().instanceMinutes()).isEqualTo(20 * 80);
        assertThat(e.reactive().underprovisionedMinutes()).isZero();
        assertThat(e.toJson()).contains("\"recorded_steps\": 80");
    }

    @Test
    void residualMarginIsTheConformalQuantileOfTheRecentErrorsOnly() {
        ResidualMargin m = new ResidualMargin(0.9, 10, 5);
        for (int e = 1; e <= 4; e++) {
            m.add(e);
        }
        assertThat(m.margin()).isNaN(); // fewer than 5 known errors: the caller falls back to the interval
        m.add(5);
        assertThat(m.margin()).isEqualTo(5.0); // ceil(0.9 x 5) = 5th smallest of 1..5
        for (int e = 6; e <= 10; e++) {
            m.add(e);
        }
        assertThat(m.margin()).isEqualTo(9.0); // ceil(0.9 x 10) = 9th smallest of 1..10
        m.add(Double.NaN); // an unknown error is not an error of 0
        assertThat(m.size()).isEqualTo(10);
        for (int i = 0; i < 10; i++) {
            m.add(-3); // the window slides: 1..10 drop out oldest first
        }
        assertThat(m.size()).isEqualTo(10);
        assertThat(m.margin()).isEqualTo(-3.0); // a model that forecasts too high gets its bias taken off
        m.add(100);
        assertThat(m.margin()).isEqualTo(-3.0); // 9th smallest of nine -3 and one 100
        m.add(50);
        assertThat(m.margin()).isEqualTo(50.0);
    }

    @Test
    void theResidualMarginSizesOnPointForecastPlusKnownErrorsAndNeverLooksAhead() {
        // a flat 600 per minute (10 req/s, capacity 5 req/s): every error is 0 once the model has learnt the level, so
        // after an hour of known errors the policy sizes on the point forecast: 10 / (5 x 0.8) -> 3 instances
        double[] c = new double[240];
        Arrays.fill(c, 600);
        c[0] = 10_000; // sets the peak (capacity 500 / 60 / 20 req/s per instance): recorded, but far in the past
        double cap = 10_000 / 60.0 / 20;
        EvaluationSettings s = EvaluationSettings.defaults(Duration.ofMinutes(3)).withResidualMargin(0.9, Duration.ofDays(1)).withPredictiveSizing(Double.NaN, 1.0);
        Evaluation e = WhatIfEvaluator.evaluate(DemandSeries.of("flat", T0, Duration.ofMinutes(1), c), s);
        int expected = (int) Math.ceil(10 / (cap * 0.8));
        assertThat(e.predictive().target()[200]).isEqualTo(expected);
        assertThat(e.predictive().underprovisionedMinutes()).isZero();
        // at 100 %, with the floor at 100 % too: ceil(10 / cap)
        Evaluation full = WhatIfEvaluator.evaluate(DemandSeries.of("flat", T0, Duration.ofMinutes(1), c),
                EvaluationSettings.defaults(Duration.ofMinutes(3)).withResidualMargin(0.9, Duration.ofDays(1)).withPredictiveSizing(1.0, 1.0));
        assertThat(full.predictive().target()[200]).isEqualTo((int) Math.ceil(10 / cap - 1e-9));
        // no look-ahead: changing the future leaves every earlier decision as it was
        double[] changed = c.clone();
        Arrays.fill(changed, 210, 240, 3000);
        Evaluation e2 = WhatIfEvaluator.evaluate(DemandSeries.of("flat", T0, Duration.ofMinutes(1), changed), s);
        for (int t = 0; t < 210; t++) {
            assertThat(e2.predictive().target()[t]).as("step %d", t).isEqualTo(e.predictive().target()[t]);
        }
    }

    @Test
    void residualMarginSettingsAreChecked() {
        EvaluationSettings d = EvaluationSettings.defaults(Duration.ofMinutes(3));
        assertThat(d.marginQuantile()).isNaN(); // the default sizes on the upper bound
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> d.withResidualMargin(1.0, Duration.ofDays(1)))
                .isInstanceOf(IllegalArgumentException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> d.withPredictiveSizing(0, Double.NaN))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void onASyntheticDayTheStaticFleetIsNeverShortAndPredictiveIsNoWorseThanReactive() throws Exception {
        DemandSeries d = DemandSeries.read(SyntheticWorkload.defaults(7), null);
        Evaluation e = WhatIfEvaluator.evaluate(d, EvaluationSettings.defaults(Duration.ofMinutes(3)));
        assertThat(d.length()).isEqualTo(1440);
        assertThat(e.staticFleetResult().underprovisionedMinutes()).isZero();
        assertThat(e.staticFleet()).isEqualTo(20);
        // a 5-minute ramp to 6x with one day of history: nothing forecasts it, the reactive floor keeps predictive level
        assertThat(e.predictive().underprovisionedMinutes()).isLessThanOrEqualTo(e.reactive().underprovisionedMinutes());
        assertThat(e.retrains()).isEqualTo(24);
        assertThat(e.toJson()).contains("\"synthetic\": true");
    }

    @Test
    void realNasaWeekWhenPresent() throws Exception {
        Path nasa = Traces.SHARED_ROOT.resolve("nasa-http-1995/nasa_1995_per_minute_derived.csv.gz");
        Assumptions.assumeTrue(Files.isRegularFile(nasa), "NASA per-minute file absent: " + nasa);
        // the week of the STS-70 launch day, the month's peak
        DemandSeries d = DemandSeries.read(Traces.open(nasa).slice(Instant.parse("1995-07-08T04:00:00Z"),
                Instant.parse("1995-07-15T04:00:00Z")), null);
        assertThat(d.length()).isEqualTo(7 * 1440);
        assertThat(d.peakRate()).isCloseTo(405 / 60.0, within(1e-9));
        Evaluation e = WhatIfEvaluator.evaluate(d, EvaluationSettings.defaults(Duration.ofMinutes(3)));
        assertThat(e.seasonSteps()).isEqualTo(1440);
        assertThat(e.staticFleetResult().underprovisionedMinutes()).isZero();
        assertThat(e.reactive().underprovisionedMinutes()).isPositive();
        assertThat(e.predictive().underprovisionedMinutes()).isLessThan(0.5 * e.reactive().underprovisionedMinutes());
        assertThat(e.trainingFailures()).isZero();
        assertThat(e.stepsByModel()).containsKey("linear-sgd");
    }
}
