package io.headroom.predictor.core;

import java.util.List;

/**
 * The latest forecast of one pool, for display and reports.
 *
 * @param pool           pool name
 * @param atMillis       tick time it was computed at
 * @param horizonSeconds lead time the forecast looks ahead
 * @param observed       observed req/s (mean of the last complete seconds)
 * @param mean           point forecast, req/s
 * @param lower          interval lower bound
 * @param upper          interval upper bound
 * @param desired        instances wanted now
 * @param model          model that produced it
 * @param backtest       the selection's backtest summary
 * @param ahead          forecasts at the longer horizons ({@code predictor.horizons}), shortest first
 */
public record PoolForecast(String pool, long atMillis, int horizonSeconds, double observed, double mean, double lower, double upper,
                           int desired, String model, String backtest, List<Ahead> ahead) {

    /**
     * A forecast at a longer horizon, made on the pool's per-minute series.
     *
     * @param horizonSeconds how far ahead of the last complete minute
     * @param mean           point forecast, req/s
     * @param lower          interval lower bound, req/s
     * @param upper          interval upper bound, req/s
     * @param desired        instances the upper bound needs at the pool's target utilisation
     * @param model          model that produced it
     */
    public record Ahead(int horizonSeconds, double mean, double lower, double upper, int desired, String model) {
    }

    public PoolForecast {
        ahead = List.copyOf(ahead);
    }

    /** Without longer horizons. */
    public PoolForecast(String pool, long atMillis, int horizonSeconds, double observed, double mean, double lower, double upper,
                        int desired, String model, String backtest) {
        this(pool, atMillis, horizonSeconds, observed, mean, lower, upper, desired, model, backtest, List.of());
    }
}
