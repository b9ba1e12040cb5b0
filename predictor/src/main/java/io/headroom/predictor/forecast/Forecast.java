package io.headroom.predictor.forecast;

/**
 * A point forecast with an interval, in the series' unit (requests per step).
 *
 * @param mean  point forecast
 * @param lower lower bound of the interval (never below 0)
 * @param upper upper bound of the interval
 */
public record Forecast(double mean, double lower, double upper) {
    public Forecast {
        if (Double.isNaN(mean) || Double.isNaN(lower) || Double.isNaN(upper) || lower > mean || mean > upper) {
            throw new IllegalArgumentException("forecast " + lower + " <= " + mean + " <= " + upper + " (expected: ordered, not NaN)");
        }
    }

    /** {@code mean ± q}, with the mean and lower bound clamped at zero (rates are never negative). */
    public static Forecast around(double mean, double q) {
        double m = Math.max(0, mean);
        return new Forecast(m, Math.max(0, m - q), m + q);
    }
}
