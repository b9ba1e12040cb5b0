package io.headroom.predictor.forecast;

/**
 * Additive Holt-Winters (level, trend, one season, e.g. a day): {@code y[t+k] ~ l[t] + k * b[t] + s[t+k-S]}.
 * The first season initialises the level (its mean) and the seasonal terms (deviations from it); a gap advances
 * the state without updating it, so an outage is never learned as zeros. {@link #fit} picks the smoothing
 * parameters from a small grid by in-sample MAE at its horizon. It needs two seasons of history
 * ({@link #fit} refuses a shorter one, so a backtest leaves it out).
 */
public final class HoltWintersForecaster extends BaselineForecaster {
    public static final String NAME = "holt-winters";
    private static final double[] ALPHAS = {0.05, 0.2, 0.5};
    private static final double[] BETAS = {0.0, 0.01, 0.05};
    private static final double[] GAMMAS = {0.05, 0.2, 0.5};

    private final int season;
    private final int horizon;
    private double alpha = 0.2;
    private double beta = 0.01;
    private double gamma = 0.2;
    private double[] level = new double[0];
    private double[] trend = new double[0];
    private double[] seasonal = new double[0];

    public HoltWintersForecaster(int seasonSteps, int horizon, double coverage, int calibrationWindow) {
        super(coverage, calibrationWindow);
        if (seasonSteps < 2 || horizon <= 0) {
            throw new IllegalArgumentException("season " + seasonSteps + ", horizon " + horizon + " (expected: season >= 2, horizon > 0)");
        }
        this.season = seasonSteps;
        this.horizon = horizon;
    }

    @Override
    public String name() {
        return NAME;
    }

    public int season() {
        return season;
    }

    @Override
    public void fit(double[] h) {
        if (h.length < 2 * season || SeriesMath.observedCount(java.util.Arrays.copyOf(h, season)) == 0) {
            throw new IllegalStateException(NAME + " needs two seasons (" + 2 * season + " steps) of history with data in the first,"
                    + " history has " + h.length);
        }
        super.fit(h);
        double best = Double.POSITIVE_INFINITY;
        double[] carried = SeriesMath.carryForward(h);
        for (double a : ALPHAS) {
            for (double b : BETAS) {
                for (double g : GAMMAS) {
                    run(h, a, b, g);
                    double sum = 0;
                    int n = 0;
                    for (int o = season + 1; o - 1 + horizon < h.length; o++) {
                        double actual = h[o - 1 + horizon];
                        if (!Double.isNaN(actual)) {
                            sum += Math.abs(pointAt(h, carried, o, horizon) - actual);
                            n++;
                        }
                    }
                    if (n > 0 && sum / n < best) {
                        best = sum / n;
                        alpha = a;
                        beta = b;
                        gamma = g;
                    }
                }
            }
        }
    }

    private void run(double[] h, double a, double b, double g) {
        int n = h.length;
        level = new double[n];
        trend = new double[n];
        seasonal = new double[n];
        if (n < season) {
            return;
        }
        double sum = 0;
        int c = 0;
        for (int i = 0; i < season; i++) {
            if (!Double.isNaN(h[i])) {
                sum += h[i];
                c++;
            }
        }
        double l = c == 0 ? 0 : sum / c;
        double t = 0;
        for (int i = 0; i < season; i++) {
            seasonal[i] = Double.isNaN(h[i]) ? 0 : h[i] - l;
            level[i] = l;
        }
        for (int i = season; i < n; i++) {
            double prevSeason = seasonal[i - season];
            double v = h[i];
            if (Double.isNaN(v)) {
                l = l + t;
                seasonal[i] = prevSeason;
            } else {
                double nl = a * (v - prevSeason) + (1 - a) * (l + t);
                t = b * (nl - l) + (1 - b) * t;
                l = nl;
                seasonal[i] = g * (v - l) + (1 - g) * prevSeason;
            }
            level[i] = l;
            trend[i] = t;
        }
    }

    @Override
    void prepare(double[] h, double[] carried) {
        run(h, alpha, beta, gamma);
    }

    @Override
    int firstOrigin(int steps) {
        return season + 1;
    }

    @Override
    double pointAt(double[] h, double[] carried, int o, int steps) {
        if (o <= season || o - 1 >= level.length) {
            return o <= 0 ? Double.NaN : carried[o - 1];
        }
        int target = o - 1 + steps;
        int src = target - season * (int) Math.ceil((double) steps / season);
        return Math.max(0, level[o - 1] + steps * trend[o - 1] + seasonal[src]);
    }

    @Override
    public String provenance() {
        return NAME + "(season=" + season + " steps, alpha=" + alpha + ", beta=" + beta + ", gamma=" + gamma + ", tuned for horizon "
                + horizon + ")";
    }
}
