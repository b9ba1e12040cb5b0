package io.headroom.predictor.forecast;

import java.util.Arrays;

/** Small numeric helpers over series with NaN gaps. */
public final class SeriesMath {
    private SeriesMath() {
    }

    /** Each index holds the last non-NaN value at or before it (NaN before the first observation). */
    public static double[] carryForward(double[] h) {
        double[] out = new double[h.length];
        double last = Double.NaN;
        for (int i = 0; i < h.length; i++) {
            if (!Double.isNaN(h[i])) {
                last = h[i];
            }
            out[i] = last;
        }
        return out;
    }

    /** The last non-NaN value, NaN if none. */
    public static double lastObserved(double[] h) {
        for (int i = h.length - 1; i >= 0; i--) {
            if (!Double.isNaN(h[i])) {
                return h[i];
            }
        }
        return Double.NaN;
    }

    public static int observedCount(double[] h) {
        int n = 0;
        for (double v : h) {
            n += Double.isNaN(v) ? 0 : 1;
        }
        return n;
    }

    /**
     * Split-conformal quantile of absolute residuals: the {@code ceil((n + 1) * coverage)}-th smallest, so that a
     * fresh residual from the same distribution falls at or below it with probability at least {@code coverage}.
     * NaN residuals are ignored; NaN if there are none. With too few residuals the largest is used.
     */
    public static double conformalQuantile(double[] absResiduals, double coverage) {
        double[] r = Arrays.stream(absResiduals).filter(v -> !Double.isNaN(v)).sorted().toArray();
        if (r.length == 0) {
            return Double.NaN;
        }
        int k = (int) Math.ceil((r.length + 1) * coverage);
        return r[Math.min(r.length, Math.max(1, k)) - 1];
    }

    /** Mean absolute error over pairs where both are present; NaN if none. */
    public static double mae(double[] predicted, double[] actual) {
        double sum = 0;
        int n = 0;
        for (int i = 0; i < predicted.length; i++) {
            if (!Double.isNaN(predicted[i]) && !Double.isNaN(actual[i])) {
                sum += Math.abs(predicted[i] - actual[i]);
                n++;
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }
}
