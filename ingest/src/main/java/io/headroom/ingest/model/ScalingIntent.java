package io.headroom.ingest.model;

import java.util.Objects;

/**
 * The predictor's request for capacity in one pool.
 *
 * @param pool                  pool name (the Kafka key)
 * @param issuedAtMillis        when it was computed (epoch ms; simulated time in offline replay)
 * @param desiredNow            instances wanted now so that capacity is ready at the lead time
 * @param horizonSeconds        how far ahead the forecast looks (the provisioning lead time)
 * @param observedRate          request rate observed over the last window(s), req/s
 * @param forecastRate          point forecast at the horizon, req/s
 * @param forecastLower         lower bound of the forecast interval
 * @param forecastUpper         upper bound of the forecast interval (what capacity is sized on)
 * @param perInstanceCapacity   req/s one instance serves at the target utilisation
 * @param model                 which model produced the forecast
 * @param reason                human-readable why
 */
public record ScalingIntent(
        String pool,
        long issuedAtMillis,
        int desiredNow,
        int horizonSeconds,
        double observedRate,
        double forecastRate,
        double forecastLower,
        double forecastUpper,
        double perInstanceCapacity,
        String model,
        String reason) {

    public ScalingIntent {
        Objects.requireNonNull(pool, "pool");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(reason, "reason");
        if (desiredNow < 0) {
            throw new IllegalArgumentException("desiredNow: " + desiredNow + " (expected: >= 0)");
        }
        if (horizonSeconds < 0) {
            throw new IllegalArgumentException("horizonSeconds: " + horizonSeconds + " (expected: >= 0)");
        }
        if (!(perInstanceCapacity > 0)) {
            throw new IllegalArgumentException("perInstanceCapacity: " + perInstanceCapacity + " (expected: > 0)");
        }
    }
}
