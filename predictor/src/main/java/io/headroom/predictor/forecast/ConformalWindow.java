package io.headroom.predictor.forecast;

import java.util.Arrays;

/**
 * Split-conformal intervals over a sliding window of honest (out-of-sample) absolute residuals at one horizon.
 *
 * <p>A model seeds it at fit time with the residuals of a holdout at the end of its training history; while it
 * forecasts past that end, each origin's residual joins the window once its target is known (never before), so the
 * interval follows the series' recent error level, as a refit at every origin would, without refitting. The
 * half-width is the {@code ceil((n + 1) * coverage)}-th smallest residual of the last {@code window}.
 */
final class ConformalWindow {
    private final double coverage;
    private final int window;
    private double[] seed = new double[0];

    ConformalWindow(double coverage, int window) {
        if (!(coverage > 0 && coverage < 1) || window <= 0) {
            throw new IllegalArgumentException("coverage " + coverage + ", window " + window + " (expected: 0 < coverage < 1, window > 0)");
        }
        this.coverage = coverage;
        this.window = window;
    }

    /** Replaces the seed with the last {@code window} of {@code honestResiduals} (oldest first; NaN entries are skipped). */
    void seed(double[] honestResiduals) {
        double[] r = Arrays.stream(honestResiduals).filter(v -> !Double.isNaN(v)).toArray();
        this.seed = Arrays.copyOfRange(r, Math.max(0, r.length - window), r.length);
    }

    /** The half-width from the seed alone (NaN if it is empty). */
    double q() {
        return SeriesMath.conformalQuantile(seed, coverage);
    }

    /**
     * Intervals around {@code points[i]} (the forecast from origin {@code from + i}, for index {@code from + i - 1 + h})
     * where {@code from} is the end of the fit history: the residual of origin {@code o'} enters the window at origin
     * {@code o' + h} (its target, {@code y[o' - 1 + h]}, is then known). {@code null} where a point is NaN;
     * {@code fallback} is the half-width while the window is empty.
     */
    Forecast[] intervals(double[] y, double[] points, int from, int h, double fallbackFraction) {
        Forecast[] out = new Forecast[points.length];
        double[] pool = new double[seed.length + points.length];
        System.arraycopy(seed, 0, pool, 0, seed.length);
        int n = seed.length;
        int added = 0; // origins from + [0, added) have been considered for the window
        double[] sorted = new double[window];
        for (int i = 0; i < points.length; i++) {
            int o = from + i;
            while (added < points.length && from + added + h <= o) {
                int target = from + added - 1 + h;
                double p = points[added];
                if (!Double.isNaN(p) && target < y.length && !Double.isNaN(y[target])) {
                    pool[n++] = Math.abs(p - y[target]);
                }
                added++;
            }
            if (Double.isNaN(points[i])) {
                continue;
            }
            int k = Math.min(window, n);
            double q;
            if (k == 0) {
                q = Math.abs(points[i]) * fallbackFraction;
            } else {
                System.arraycopy(pool, n - k, sorted, 0, k);
                Arrays.sort(sorted, 0, k);
                q = sorted[Math.min(k, Math.max(1, (int) Math.ceil((k + 1) * coverage))) - 1];
            }
            out[i] = Forecast.around(points[i], q);
        }
        return out;
    }
}
