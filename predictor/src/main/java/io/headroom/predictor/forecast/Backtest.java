package io.headroom.predictor.forecast;

import java.util.Arrays;
import java.util.function.Supplier;

/**
 * Rolling-origin backtest: the last {@code folds × foldLength} forecast origins of a history are split into
 * consecutive folds; for each fold a fresh forecaster is fit on everything before the fold, then forecasts from
 * every origin of the fold (seeing the data up to that origin, not beyond) are scored against what happened
 * {@code h} steps later. The score is the mean absolute error over all folds, gaps skipped.
 *
 * @param folds      number of refits
 * @param foldLength origins per fold
 */
public record Backtest(int folds, int foldLength) {
    public Backtest {
        if (folds <= 0 || foldLength <= 0) {
            throw new IllegalArgumentException("folds: " + folds + ", foldLength: " + foldLength + " (expected: > 0)");
        }
    }

    /** Steps of history the backtest needs beyond what the first fit needs. */
    public int evaluatedSteps() {
        return folds * foldLength;
    }

    /** Backtest MAE of forecasters built by {@code factory} at horizon {@code h}; NaN if it cannot be evaluated. */
    public double mae(Supplier<? extends Forecaster> factory, double[] y, int h) {
        return mae(factory, y, h, TimeAxis.NONE);
    }

    /** As {@link #mae(Supplier, double[], int)}, telling each forecaster where index 0 of {@code y} lies in time. */
    public double mae(Supplier<? extends Forecaster> factory, double[] y, int h, TimeAxis axis) {
        int end = y.length - h + 1;
        int start = end - folds * foldLength;
        if (start < 1) {
            return Double.NaN;
        }
        double sum = 0;
        int n = 0;
        for (int f = 0; f < folds; f++) {
            int from = start + f * foldLength;
            int to = from + foldLength;
            Forecaster fc = factory.get();
            fc.timeAxis(axis);
            try {
                fc.fit(Arrays.copyOf(y, from));
            } catch (IllegalStateException notEnoughHistory) {
                return Double.NaN;
            }
            double[] p = fc.pointForecasts(y, from, to, h);
            for (int o = from; o < to; o++) {
                double actual = y[o - 1 + h];
                double pred = p[o - from];
                if (!Double.isNaN(actual) && !Double.isNaN(pred)) {
                    sum += Math.abs(pred - actual);
                    n++;
                }
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }
}
