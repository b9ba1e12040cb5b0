package io.headroom.predictor.forecast;

/**
 * The value one season earlier at the same phase ({@code y[t + h - S * ceil(h / S)]}); if that step is a gap,
 * the same phase a season before that; else the last observed value.
 */
public final class SeasonalNaiveForecaster extends BaselineForecaster {
    public static final String NAME = "seasonal-naive";
    private final int season;

    public SeasonalNaiveForecaster(int seasonSteps, double coverage, int calibrationWindow) {
        super(coverage, calibrationWindow);
        if (seasonSteps <= 0) {
            throw new IllegalArgumentException("seasonSteps: " + seasonSteps + " (expected: > 0)");
        }
        this.season = seasonSteps;
    }

    public int season() {
        return season;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    double pointAt(double[] h, double[] carried, int o, int steps) {
        int target = o - 1 + steps;
        int back = season * (int) Math.ceil((double) steps / season);
        for (int src = target - back; src >= 0 && src >= target - back - season; src -= season) {
            if (src < o && !Double.isNaN(h[src])) {
                return h[src];
            }
        }
        return o <= 0 ? Double.NaN : carried[o - 1];
    }

    @Override
    int firstOrigin(int steps) {
        return season * (int) Math.ceil((double) steps / season) - steps + 1;
    }

    @Override
    public String provenance() {
        return NAME + "(season=" + season + " steps)";
    }
}
