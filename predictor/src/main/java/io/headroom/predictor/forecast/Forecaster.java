package io.headroom.predictor.forecast;

/**
 * Forecasts one series from its own history. In every array a {@code NaN} is a gap (a step nobody reported).
 *
 * <p>An instance is used by one thread at a time: a trainer builds and {@link #fit}s a fresh instance, then hands
 * it over (for example through an atomic reference) to the thread that calls {@link #observe} and
 * {@link #forecast}.
 */
public interface Forecaster {
    /** Short model name, e.g. {@code last-value}, {@code linear-sgd}. */
    String name();

    /** Learns from {@code history} (oldest first) and conditions forecasts on its end. */
    void fit(double[] history);

    /**
     * Tells the model where index 0 of the histories passed next to {@link #fit}, {@link #observe} and
     * {@link #pointForecasts} lies in time. Models that use calendar or daily features read it; others ignore it.
     * Without a call the axis is {@link TimeAxis#NONE}.
     */
    default void timeAxis(TimeAxis axis) {
    }

    /** True for the simple reference models (last value, seasonal naive, EWMA, Holt-Winters) a learned model must beat. */
    default boolean baseline() {
        return false;
    }

    /** Conditions forecasts on newer history without re-learning (cheap; called every tick). */
    void observe(double[] history);

    /** Forecast of the value {@code horizonSteps} after the last observed step, with its interval. */
    Forecast forecast(int horizonSteps);

    /** Where the model came from: trainer, settings, data, versions. */
    default String provenance() {
        return name();
    }

    /** One line for humans and control-plan provenance (the full {@link #provenance()} can be long). */
    default String describe() {
        return provenance();
    }

    /**
     * Point forecasts made at each origin {@code o} in {@code [from, to)} from {@code history[0, o)}, for the value at
     * index {@code o - 1 + horizonSteps}, using what {@link #fit} learned. Used by backtests; implementations
     * batch where that is cheaper.
     */
    default double[] pointForecasts(double[] history, int from, int to, int horizonSteps) {
        double[] out = new double[Math.max(0, to - from)];
        for (int o = from; o < to; o++) {
            observe(java.util.Arrays.copyOf(history, o));
            out[o - from] = forecast(horizonSteps).mean();
        }
        return out;
    }

    /**
     * Forecasts with intervals from every origin {@code o} in {@code [from, to)}, each as {@link #forecast} would give
     * it having observed {@code history[0, o)}; {@code null} where there was nothing to forecast from. Used by
     * evaluations that score intervals; implementations batch where that is cheaper.
     */
    default Forecast[] intervalForecasts(double[] history, int from, int to, int horizonSteps) {
        Forecast[] out = new Forecast[Math.max(0, to - from)];
        for (int o = from; o < to; o++) {
            observe(java.util.Arrays.copyOf(history, o));
            out[o - from] = forecast(horizonSteps);
        }
        return out;
    }
}
