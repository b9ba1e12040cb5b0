package io.headroom.predictor.forecast;

/** Tomorrow looks like today: the last observed value (gaps skipped). The baseline every model must beat. */
public final class LastValueForecaster extends BaselineForecaster {
    public static final String NAME = "last-value";

    public LastValueForecaster(double coverage, int calibrationWindow) {
        super(coverage, calibrationWindow);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    double pointAt(double[] h, double[] carried, int o, int steps) {
        return o <= 0 ? Double.NaN : carried[o - 1];
    }
}
