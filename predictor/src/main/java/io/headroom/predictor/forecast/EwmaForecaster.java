package io.headroom.predictor.forecast;

/**
 * Exponentially weighted moving average (simple exponential smoothing): the forecast at every horizon is the
 * smoothed level {@code l[t] = a * y[t] + (1 - a) * l[t - 1]}, gaps leaving the level unchanged. {@link #fit} picks
 * {@code a} from a small grid by the in-sample MAE at the horizon it was built for, so on noisy counts it smooths
 * more, on a drifting series less.
 */
public final class EwmaForecaster extends BaselineForecaster {
    public static final String NAME = "ewma";
    static final double[] ALPHAS = {0.02, 0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0};

    private final int horizon;
    private double alpha;
    private double[] level = new double[0];

    /**
     * @param horizon the horizon in steps that {@link #fit} tunes the smoothing for
     * @param alpha   the smoothing before {@link #fit} (and if the history is too short to tune it)
     */
    public EwmaForecaster(int horizon, double alpha, double coverage, int calibrationWindow) {
        super(coverage, calibrationWindow);
        if (horizon <= 0 || !(alpha > 0 && alpha <= 1)) {
            throw new IllegalArgumentException("horizon " + horizon + ", alpha " + alpha + " (expected: horizon > 0, 0 < alpha <= 1)");
        }
        this.horizon = horizon;
        this.alpha = alpha;
    }

    public double alpha() {
        return alpha;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void fit(double[] h) {
        super.fit(h);
        double best = Double.POSITIVE_INFINITY;
        for (double a : ALPHAS) {
            double[] l = smooth(h, a);
            double sum = 0;
            int n = 0;
            for (int t = Math.min(h.length, 20); t + horizon < h.length; t++) {
                if (!Double.isNaN(l[t]) && !Double.isNaN(h[t + horizon])) {
                    sum += Math.abs(l[t] - h[t + horizon]);
                    n++;
                }
            }
            if (n >= 10 && sum / n < best) {
                best = sum / n;
                alpha = a;
            }
        }
    }

    static double[] smooth(double[] h, double a) {
        double[] l = new double[h.length];
        double cur = Double.NaN;
        for (int i = 0; i < h.length; i++) {
            double v = h[i];
            if (!Double.isNaN(v)) {
                cur = Double.isNaN(cur) ? v : a * v + (1 - a) * cur;
            }
            l[i] = cur;
        }
        return l;
    }

    @Override
    void prepare(double[] h, double[] carried) {
        level = smooth(h, alpha);
    }

    @Override
    double pointAt(double[] h, double[] carried, int o, int steps) {
        return o <= 0 ? Double.NaN : level[o - 1];
    }

    @Override
    public String provenance() {
        return NAME + "(alpha=" + alpha + ", tuned for horizon " + horizon + ")";
    }
}
