package io.headroom.cli.evaluate;

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
 */
public record EvaluationSettings(Duration leadTime, double capacityPerInstance, int peakInstances, double targetUtilisation,
                                 double coverage, Duration retrainEvery, Duration season, double hpaTolerance,
                                 Duration hpaScaleDownWindow) {
    public EvaluationSettings {
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

    /** Lead time as given, capacity sized from the peak (20 instances), 80 % target, 90 % intervals, hourly retraining. */
    public static EvaluationSettings defaults(Duration leadTime) {
        return new EvaluationSettings(leadTime, Double.NaN, 20, 0.8, 0.9, Duration.ofHours(1), null, 0.1, Duration.ofMinutes(5));
    }

    public EvaluationSettings withCapacityPerInstance(double c) {
        return new EvaluationSettings(leadTime, c, peakInstances, targetUtilisation, coverage, retrainEvery, season, hpaTolerance,
                hpaScaleDownWindow);
    }

    public EvaluationSettings withTargetUtilisation(double u) {
        return new EvaluationSettings(leadTime, capacityPerInstance, peakInstances, u, coverage, retrainEvery, season, hpaTolerance,
                hpaScaleDownWindow);
    }

    public EvaluationSettings withCoverage(double c) {
        return new EvaluationSettings(leadTime, capacityPerInstance, peakInstances, targetUtilisation, c, retrainEvery, season,
                hpaTolerance, hpaScaleDownWindow);
    }

    public EvaluationSettings withRetrainEvery(Duration d) {
        return new EvaluationSettings(leadTime, capacityPerInstance, peakInstances, targetUtilisation, coverage, d, season,
                hpaTolerance, hpaScaleDownWindow);
    }

    public EvaluationSettings withSeason(Duration d) {
        return new EvaluationSettings(leadTime, capacityPerInstance, peakInstances, targetUtilisation, coverage, retrainEvery, d,
                hpaTolerance, hpaScaleDownWindow);
    }
}
