package io.headroom.cli.evaluate;

import io.headroom.predictor.forecast.EventCalendar;

import java.time.Duration;
import java.util.Objects;

/**
 * How a what-if evaluation runs.
 *
 * @param leadTime             time from asking for an instance to its being ready; also the forecast horizon
 * @param capacityPerInstance  req/s one instance serves at 100 %; {@code NaN} = the trace's peak / {@link #peakInstances}
 * @param peakInstances        with the default capacity, how many instances the peak needs at 100 % (about 20)
 * @param targetUtilisation    what the predictive and reactive policies size for, in (0, 1]
 * @param coverage             forecast interval coverage; the predictive policy sizes on the upper bound
 * @param retrainEvery         how often (simulated time) the predictive model is re-selected and refit
 * @param season               season of the forecaster ({@code null}: one day when the trace spans at least three, else none)
 * @param hpaTolerance         reactive: no change while demand / (current × capacity × target) is within 1 ± this
 * @param hpaScaleDownWindow   reactive: scale down only to the highest recommendation within this window
 * @param marginQuantile       predictive: size on the point forecast plus this quantile of its recent errors at the lead
 *                             time; {@code NaN} (the default) = size on the upper bound of the interval
 * @param marginWindow         predictive: the recent errors are those of this window (one day)
 * @param sizingUtilisation    predictive: the utilisation it sizes the forecast for; {@code NaN} (the default) = the target
 * @param floorUtilisation     predictive: the utilisation its reactive floor (current demand) is sized for; {@code NaN} (the
 *                             default) = the target
 * @param events               predictive: scheduled events its learned models read ({@link EventCalendar#NONE}: none)
 * @param hpaSyncPeriod        reactive: how often the HPA re-evaluates (15 s); it decides this many times per step on the
 *                             step's demand, each scale-up limited to {@code max(2 × current, current + 4)}
 */
public record EvaluationSettings(Duration leadTime, double capacityPerInstance, int peakInstances, double targetUtilisation,
                                 double coverage, Duration retrainEvery, Duration season, double hpaTolerance,
                                 Duration hpaScaleDownWindow, double marginQuantile, Duration marginWindow, double sizingUtilisation,
                                 double floorUtilisation, Duration hpaSyncPeriod, EventCalendar events) {
    public EvaluationSettings {
        Objects.requireNonNull(events, "events");
        Objects.requireNonNull(marginWindow, "marginWindow");
        if (!Double.isNaN(marginQuantile) && !(marginQuantile > 0 && marginQuantile < 1)) {
            throw new IllegalArgumentException("marginQuantile: " + marginQuantile + " (expected: in (0, 1), or NaN to size on the upper bound)");
        }
        if (!Double.isNaN(sizingUtilisation) && !(sizingUtilisation > 0 && sizingUtilisation <= 1)) {
            throw new IllegalArgumentException("--sizing-utilisation " + sizingUtilisation + " must be in (0, 1], e.g. 1.0");
        }
        if (!Double.isNaN(floorUtilisation) && !(floorUtilisation > 0 && floorUtilisation <= 1)) {
            throw new IllegalArgumentException("--floor-utilisation " + floorUtilisation + " must be in (0, 1], e.g. 1.0");
        }
        Objects.requireNonNull(hpaSyncPeriod, "hpaSyncPeriod");
        if (hpaSyncPeriod.isNegative() || hpaSyncPeriod.isZero()) {
            throw new IllegalArgumentException("hpaSyncPeriod: " + hpaSyncPeriod + " (expected: > 0, e.g. 15s)");
        }
        Objects.requireNonNull(leadTime, "leadTime");
        Objects.requireNonNull(retrainEvery, "retrainEvery");
        Objects.requireNonNull(hpaScaleDownWindow, "hpaScaleDownWindow");
        if (leadTime.isNegative()) {
            throw new IllegalArgumentException("--lead-time " + leadTime + " is negative: use e.g. 3m");
        }
        if (!Double.isNaN(capacityPerInstance) && !(capacityPerInstance > 0)) {
            throw new IllegalArgumentException("--capacity-per-instance " + capacityPerInstance + " must be > 0 (req/s one instance serves)");
        }
        if (peakInstances < 1) {
            throw new IllegalArgumentException("peakInstances: " + peakInstances + " (expected: >= 1)");
        }
        if (!(targetUtilisation > 0 && targetUtilisation <= 1)) {
            throw new IllegalArgumentException("--target-utilisation " + targetUtilisation + " must be in (0, 1], e.g. 0.8");
        }
        if (!(coverage > 0.5 && coverage < 1)) {
            throw new IllegalArgumentException("--coverage " + coverage + " must be in (0.5, 1), e.g. 0.9");
        }
        if (retrainEvery.isNegative() || retrainEvery.isZero()) {
            throw new IllegalArgumentException("--retrain-every " + retrainEvery + " must be positive, e.g. 1h");
        }
        if (season != null && season.isNegative()) {
            throw new IllegalArgumentException("--season " + season + " must not be negative (0 for none)");
        }
        if (!(hpaTolerance >= 0 && hpaTolerance < 1)) {
            throw new IllegalArgumentException("hpaTolerance: " + hpaTolerance + " (expected: 0 <= tolerance < 1)");
        }
    }

    /**
     * Lead time as given, capacity sized from the peak (20 instances), 80 % target, 90 % intervals, hourly retraining;
     * the reactive policy is the Kubernetes HPA's defaults (15 s sync, 10 % tolerance, 5-minute scale-down window).
     */
    public static EvaluationSettings defaults(Duration leadTime) {
        return new EvaluationSettings(leadTime, Double.NaN, 20, 0.8, 0.9, Duration.ofHours(1), null, 0.1, Duration.ofMinutes(5),
                Double.NaN, Duration.ofDays(1), Double.NaN, Double.NaN, Duration.ofSeconds(15), EventCalendar.NONE);
    }

    public EvaluationSettings withCapacityPerInstance(double c) {
        return new EvaluationSettings(leadTime, c, peakInstances, targetUtilisation, coverage, retrainEvery, season, hpaTolerance,
                hpaScaleDownWindow, marginQuantile, marginWindow, sizingUtilisation, floorUtilisation, hpaSyncPeriod, events);
    }

    public EvaluationSettings withTargetUtilisation(double u) {
        return new EvaluationSettings(leadTime, capacityPerInstance, peakInstances, u, coverage, retrainEvery, season, hpaTolerance,
                hpaScaleDownWindow, marginQuantile, marginWindow, sizingUtilisation, floorUtilisation, hpaSyncPeriod, events);
    }

    public EvaluationSettings withCoverage(double c) {
        return new EvaluationSettings(leadTime, capacityPerInstance, peakInstances, targetUtilisation, c, retrainEvery, season,
                hpaTolerance, hpaScaleDownWindow, marginQuantile, marginWindow, sizingUtilisation, floorUtilisation, hpaSyncPeriod, events);
    }

    public EvaluationSettings withRetrainEvery(Duration d) {
        return new EvaluationSettings(leadTime, capacityPerInstance, peakInstances, targetUtilisation, coverage, d, season,
                hpaTolerance, hpaScaleDownWindow, marginQuantile, marginWindow, sizingUtilisation, floorUtilisation, hpaSyncPeriod, events);
    }

    /** The predictive policy sized on the point forecast plus a quantile of its recent errors (see {@link #marginQuantile}). */
    public EvaluationSettings withResidualMargin(double quantile, Duration window) {
        return new EvaluationSettings(leadTime, capacityPerInstance, peakInstances, targetUtilisation, coverage, retrainEvery, season,
                hpaTolerance, hpaScaleDownWindow, quantile, window, sizingUtilisation, floorUtilisation, hpaSyncPeriod, events);
    }

    /**
     * The utilisations the predictive policy sizes its forecast and its reactive floor for ({@code NaN}: the target).
     * The forecast's upper bound is already a high estimate, so sizing it at 100 % does not add a second margin.
     */
    public EvaluationSettings withPredictiveSizing(double sizingUtil, double floorUtil) {
        return new EvaluationSettings(leadTime, capacityPerInstance, peakInstances, targetUtilisation, coverage, retrainEvery, season,
                hpaTolerance, hpaScaleDownWindow, marginQuantile, marginWindow, sizingUtil, floorUtil, hpaSyncPeriod, events);
    }

    public EvaluationSettings withSeason(Duration d) {
        return new EvaluationSettings(leadTime, capacityPerInstance, peakInstances, targetUtilisation, coverage, retrainEvery, d,
                hpaTolerance, hpaScaleDownWindow, marginQuantile, marginWindow, sizingUtilisation, floorUtilisation, hpaSyncPeriod, events);
    }

    /** The predictive policy's learned models read these scheduled events (known in advance, so honest input). */
    public EvaluationSettings withEvents(EventCalendar e) {
        return new EvaluationSettings(leadTime, capacityPerInstance, peakInstances, targetUtilisation, coverage, retrainEvery, season,
                hpaTolerance, hpaScaleDownWindow, marginQuantile, marginWindow, sizingUtilisation, floorUtilisation, hpaSyncPeriod, e);
    }
}
