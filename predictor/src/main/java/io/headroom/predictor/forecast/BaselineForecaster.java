package io.headroom.predictor.forecast;

/**
 * Shared shape of the baselines: nothing to learn, so every past origin is a holdout, and the interval is the
 * split-conformal quantile of the baseline's own absolute errors at the requested horizon over the most recent
 * {@code calibrationWindow} origins.
 */
abstract class BaselineForecaster implements Forecaster {
    /** With no residuals to calibrate on, the interval is this fraction of the mean either side. */
    static final double UNCALIBRATED_FRACTION = 0.5;

    private final double coverage;
    private final int calibrationWindow;
    protected double[] history = new double[0];

    BaselineForecaster(double coverage, int calibrationWindow) {
        if (!(coverage > 0 && coverage < 1)) {
            throw new IllegalArgumentException("coverage: " + coverage + " (expected: 0 < coverage < 1)");
        }
        this.coverage = coverage;
        this.calibrationWindow = calibrationWindow;
    }

    @Override
    public void fit(double[] history) {
        this.history = history;
    }

    @Override
    public void observe(double[] history) {
        this.history = history;
    }

    /** The baseline's point forecast at origin {@code o} (from {@code h[0, o)}) for index {@code o - 1 + steps}. */
    abstract double pointAt(double[] h, double[] carried, int o, int steps);

    /** Called before {@link #pointAt} is asked about origins of {@code h}: precompute smoothed states here. */
    void prepare(double[] h, double[] carried) {
    }

    @Override
    public boolean baseline() {
        return true;
    }

    /** The earliest origin at which the baseline is itself (not a fallback), for calibration. */
    int firstOrigin(int steps) {
        return 1;
    }

    @Override
    public Forecast forecast(int horizonSteps) {
        if (horizonSteps <= 0) {
            throw new IllegalArgumentException("horizonSteps: " + horizonSteps + " (expected: > 0)");
        }
        double[] carried = SeriesMath.carryForward(history);
        prepare(history, carried);
        double mean = pointAt(history, carried, history.length, horizonSteps);
        if (Double.isNaN(mean)) {
            return new Forecast(0, 0, 0);
        }
        int to = history.length - horizonSteps + 1;
        int from = Math.max(firstOrigin(horizonSteps), to - calibrationWindow);
        double[] res = new double[Math.max(0, to - from)];
        for (int o = from; o < to; o++) {
            res[o - from] = Math.abs(pointAt(history, carried, o, horizonSteps) - history[o - 1 + horizonSteps]);
        }
        double q = SeriesMath.conformalQuantile(res, coverage);
        return Forecast.around(mean, Double.isNaN(q) ? Math.abs(mean) * UNCALIBRATED_FRACTION : q);
    }

    @Override
    public double[] pointForecasts(double[] h, int from, int to, int horizonSteps) {
        double[] carried = SeriesMath.carryForward(h);
        prepare(h, carried);
        double[] out = new double[Math.max(0, to - from)];
        for (int o = from; o < to; o++) {
            out[o - from] = pointAt(h, carried, o, horizonSteps);
        }
        return out;
    }

    /**
     * Forecasts with intervals from every origin in {@code [from, to)} (as {@link #forecast} would give at each),
     * computed in one pass: the interval at origin {@code o} is the conformal quantile of the errors of the origins
     * whose targets were known at {@code o}, over the last calibration window.
     */
    @Override
    public Forecast[] intervalForecasts(double[] h, int from, int to, int steps) {
        double[] carried = SeriesMath.carryForward(h);
        prepare(h, carried);
        int first = Math.max(firstOrigin(steps), from - calibrationWindow - steps);
        double[] err = new double[Math.max(0, to - first)];
        for (int o = first; o < to; o++) {
            int target = o - 1 + steps;
            double p = pointAt(h, carried, o, steps);
            err[o - first] = target < h.length ? Math.abs(p - h[target]) : Double.NaN;
        }
        Forecast[] out = new Forecast[Math.max(0, to - from)];
        for (int o = from; o < to; o++) {
            double mean = pointAt(h, carried, o, steps);
            if (Double.isNaN(mean)) {
                out[o - from] = null;
                continue;
            }
            int calTo = o - steps + 1; // origins whose target index < o
            int calFrom = Math.max(first, calTo - calibrationWindow);
            double q = calTo > calFrom ? SeriesMath.conformalQuantile(java.util.Arrays.copyOfRange(err, calFrom - first, calTo - first),
                    coverage) : Double.NaN;
            out[o - from] = Forecast.around(mean, Double.isNaN(q) ? Math.abs(mean) * UNCALIBRATED_FRACTION : q);
        }
        return out;
    }

    @Override
    public String toString() {
        return provenance();
    }
}
