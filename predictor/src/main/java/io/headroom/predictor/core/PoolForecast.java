package io.headroom.predictor.core;

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
 */
public record PoolForecast(String pool, long atMillis, int horizonSeconds, double observed, double mean, double lower, double upper,
                           int desired, String model, String backtest) {
}
