package io.headroom.cli.evaluate;

import io.headroom.autoscaler.policy.Decision;
import io.headroom.autoscaler.policy.PolicyConfig;
import io.headroom.autoscaler.policy.PolicyState;
import io.headroom.autoscaler.policy.ScalingPolicy;
import io.headroom.ingest.model.ScalingIntent;
import io.headroom.predictor.forecast.Backtest;
import io.headroom.predictor.forecast.Forecast;
import io.headroom.predictor.forecast.LagFeatureSchema;
import io.headroom.predictor.forecast.EventCalendar;
import io.headroom.predictor.forecast.ModelCatalog;
import io.headroom.predictor.forecast.TimeAxis;
import io.headroom.predictor.forecast.RegressorSpec;
import io.headroom.predictor.forecast.SeriesModel;
import io.headroom.predictor.forecast.TribuoLagForecaster;
import io.headroom.predictor.plan.PoolSettings;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The predictive policy as the running system applies it, in simulated time: the predictor's {@link SeriesModel}
 * (candidates from {@link ModelCatalog}, chosen by {@link Backtest}) forecasts the demand one lead time ahead, the
 * fleet is sized on a high estimate of it, and the autoscaler's {@link ScalingPolicy} applies the reactive floor and
 * its guardrails. The model is retrained on a schedule (every simulated hour by default), on the most recent
 * history only. To keep a month of per-minute data (about 1,400 retrains) to seconds, training is lighter than in the
 * running predictor: {@value #ROWS} rows instead of 1,200, a backtest of 2 folds instead of 3, and 5 SGD epochs
 * instead of 20; the candidates, features, intervals and selection are the same.
 *
 * <p>The high estimate is, by default, the upper bound of the forecast interval (as {@code CapacityPlanner} sizes).
 * With a margin quantile set it is instead the point forecast plus that quantile of the policy's own recent errors at
 * the lead time ({@link ResidualMargin}); each error is recorded only once the step it forecast has been observed, and
 * until {@link #MIN_ERRORS} are known the upper bound is used. Instances = {@code ceil(estimate / (capacity × sizing
 * utilisation))}; the reactive floor is {@code ceil(observed / c)} with {@code c} the capacity at the floor utilisation
 * (both utilisations default to the target).
 *
 * <p>The scale-down window is the lead time: instances asked for in the last lead time were asked for a moment that
 * has not come yet, so they are kept until it has. No longer stabilisation is applied.
 */
final class PredictivePolicy {
    static final int ROWS = 600;
    static final int CALIBRATION = 300;
    static final int SGD_EPOCHS = 5;
    /** Known errors needed before the margin replaces the forecast interval: one hour of minutes. */
    static final int MIN_ERRORS = 60;

    private final SeriesModel model;
    private final EventCalendar events;
    private final ScalingPolicy policy;
    private final PoolSettings pool;
    private final int horizon;
    private final int leadSeconds;
    private final double stepSeconds;
    private final int retrainEverySteps;
    private final int trainingSteps;
    private final int recentSteps;
    private final Map<String, Integer> stepsByModel = new LinkedHashMap<>();
    private PolicyState state = PolicyState.INITIAL;
    private int lastRetrain = Integer.MIN_VALUE;
    private int retrains;
    private int trainingFailures;
    private String lastSelection = "none";
    private final ResidualMargin margin;
    private final double sizingUtilisation;
    private final double floorPerInstance;
    private final int[] forecastStep; // the step each pending point forecast is for, by step mod (horizon + 1)
    private final double[] forecastMean;

    /** What the policy did at one step; the forecast is in req/s for step {@code t + horizon}. */
    record Step(int target, Forecast forecast, String model) {
    }

    PredictivePolicy(PoolSettings pool, int horizonSteps, Duration step, Duration leadTime, double coverage, Duration retrainEvery,
                     int seasonSteps, double marginQuantile, int marginWindowSteps, double sizingUtilisation, double floorUtilisation,
                     EventCalendar events) {
        this.events = events;
        this.pool = pool;
        this.margin = Double.isNaN(marginQuantile) ? null : new ResidualMargin(marginQuantile, Math.max(1, marginWindowSteps), MIN_ERRORS);
        this.sizingUtilisation = Double.isNaN(sizingUtilisation) ? pool.targetUtilisation() : sizingUtilisation;
        this.floorPerInstance = Double.isNaN(floorUtilisation) ? pool.plannedPerInstance() : pool.capacityPerInstance() * floorUtilisation;
        this.forecastStep = new int[horizonSteps + 1];
        Arrays.fill(forecastStep, -1);
        this.forecastMean = new double[horizonSteps + 1];
        this.horizon = horizonSteps;
        this.stepSeconds = step.toMillis() / 1000.0;
        this.leadSeconds = (int) Math.ceil(leadTime.toMillis() / 1000.0);
        this.retrainEverySteps = (int) Math.max(1, retrainEvery.toMillis() / step.toMillis());
        Backtest backtest = new Backtest(2, 40);
        ModelCatalog catalog = new ModelCatalog(coverage, CALIBRATION, seasonSteps, ROWS, 60, false).withEvents(events);
        this.model = new SeriesModel("what-if", candidates(catalog, horizonSteps, seasonSteps), catalog::lastValue, horizonSteps, backtest);
        int span = seasonSteps > 0 ? seasonSteps + horizonSteps + 1 : 60;
        // enough for ROWS training rows plus the backtest's folds and targets
        this.trainingSteps = span + ROWS + backtest.evaluatedSteps() + 2 * horizonSteps + 10;
        // enough for the features at the origin and the baselines' interval calibration
        this.recentSteps = Math.max(span, seasonSteps + horizonSteps) + CALIBRATION + horizonSteps + 2;
        long stepMillis = step.toMillis();
        this.policy = new ScalingPolicy(new PolicyConfig(1, 1_000_000, Duration.ZERO,
                Duration.ofMillis(Math.max(1, horizonSteps) * stepMillis), 1_000_000, 1_000_000, false));
    }

    /**
     * The catalog's candidates, with its linear SGD trained for {@link #SGD_EPOCHS} epochs instead of the running
     * predictor's 20: a month of hourly retrains is about 1,400 of them, and training is nearly all of the run time.
     */
    static List<SeriesModel.Candidate> candidates(ModelCatalog catalog, int horizon, int season) {
        RegressorSpec sgd = RegressorSpec.linearSgd(SGD_EPOCHS, 0.05, 42L);
        LagFeatureSchema schema = LagFeatureSchema.standard(season).withEvents(catalog.events());
        List<SeriesModel.Candidate> out = new ArrayList<>();
        for (SeriesModel.Candidate c : catalog.candidates(horizon)) {
            out.add(c.name().equals(sgd.name())
                    ? new SeriesModel.Candidate(sgd.name(), () -> new TribuoLagForecaster(sgd, schema, horizon, catalog.coverage(),
                    catalog.maxRows(), catalog.minRows()))
                    : c);
        }
        return out;
    }

    /**
     * Where index {@code from} of the trace lies in time, step {@code t} starting at {@code nowMillis}: the event features
     * need it. Without events the axis stays unknown, as before (no calendar features).
     */
    private TimeAxis axisAt(int from, int t, long nowMillis) {
        if (events.isEmpty()) {
            return TimeAxis.NONE;
        }
        long step = Math.round(stepSeconds);
        return new TimeAxis(Math.floorDiv(nowMillis, 1000) - (long) (t - from) * step, step);
    }

    Step decide(int t, double[] counts, long nowMillis, int current) {
        if (lastRetrain == Integer.MIN_VALUE || t - lastRetrain >= retrainEverySteps) {
            lastRetrain = t;
            try {
                int from = Math.max(0, t + 1 - trainingSteps);
                lastSelection = model.retrain(Arrays.copyOfRange(counts, from, t + 1), axisAt(from, t, nowMillis), nowMillis).summary();
                retrains++;
            } catch (RuntimeException e) {
                trainingFailures++; // keeps its previous model, as the running predictor does
            }
        }
        int slot = t % forecastStep.length;
        if (margin != null && forecastStep[slot] == t) { // the forecast made one horizon ago for this step: its error is known now
            margin.add(counts[t] - forecastMean[slot]);
        }
        int recentFrom = Math.max(0, t + 1 - recentSteps);
        Forecast perStep = model.forecast(Arrays.copyOfRange(counts, recentFrom, t + 1), axisAt(recentFrom, t, nowMillis));
        int ahead = (t + horizon) % forecastStep.length;
        forecastStep[ahead] = t + horizon;
        forecastMean[ahead] = perStep.mean();
        Forecast f = new Forecast(perStep.mean() / stepSeconds, perStep.lower() / stepSeconds, perStep.upper() / stepSeconds);
        String name = model.selection().model();
        stepsByModel.merge(name, 1, Integer::sum);
        double m = margin == null ? Double.NaN : margin.margin();
        boolean learned = !Double.isNaN(m);
        double sized = Math.max(0, learned ? f.mean() + m / stepSeconds : f.upper());
        int desired = desiredInstances(sized, pool.capacityPerInstance() * sizingUtilisation);
        String why = String.format(java.util.Locale.ROOT, "%s %.2f req/s in %ds at %.0f%% = %d", learned ? "mean + error quantile" : "upper",
                sized, leadSeconds, 100 * sizingUtilisation, desired);
        ScalingIntent intent = new ScalingIntent(pool.name(), nowMillis, desired, leadSeconds, counts[t] / stepSeconds, f.mean(),
                f.lower(), f.upper(), floorPerInstance, name, why);
        Decision d = policy.decide(intent, current, nowMillis, state);
        state = d.next();
        return new Step(d.target(), f, name);
    }

    /** {@code ceil(rate / perInstance)}, 0 for no demand (the policy's minimum of 1 applies after). */
    static int desiredInstances(double rate, double perInstance) {
        return rate > 0 ? (int) Math.ceil(rate / perInstance - 1e-9) : 0;
    }

    int retrains() {
        return retrains;
    }

    int trainingFailures() {
        return trainingFailures;
    }

    Map<String, Integer> stepsByModel() {
        return stepsByModel;
    }

    String lastSelection() {
        return lastSelection;
    }

    int horizon() {
        return horizon;
    }
}
