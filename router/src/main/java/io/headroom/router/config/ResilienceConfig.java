package io.headroom.router.config;

import java.time.Duration;

/**
 * Retries and per-backend circuit breakers of a pool.
 *
 * <pre>
 * retry:   {attempts: 2, budget-percent: 20, budget-min-per-second: 10, backoff: 5ms, max-backoff: 100ms}
 * breaker: {failure-rate: 50, window: 20, minimum-calls: 10, open-for: 10s, half-open-calls: 3}
 * </pre>
 *
 * @param retryAttempts       extra attempts after the first (0 disables retries to another backend)
 * @param budgetPercent       retries may add at most this share of requests ...
 * @param budgetMinPerSecond  ... plus this many per second
 * @param backoff             base of the full-jitter exponential back-off between attempts
 * @param maxBackoff          cap of that back-off
 * @param breakerEnabled      whether a circuit breaker guards each backend
 * @param failureRatePercent  the breaker opens at this failure rate ...
 * @param window              ... over the last this many calls ...
 * @param minimumCalls        ... once it has seen at least this many
 * @param openFor             how long it stays open before letting trial calls through
 * @param halfOpenCalls       trial calls in half-open state
 */
public record ResilienceConfig(int retryAttempts, int budgetPercent, int budgetMinPerSecond, Duration backoff, Duration maxBackoff,
                               boolean breakerEnabled, int failureRatePercent, int window, int minimumCalls, Duration openFor,
                               int halfOpenCalls) {
    public static final ResilienceConfig DEFAULT = new ResilienceConfig(2, 20, 10, Duration.ofMillis(5), Duration.ofMillis(100),
            true, 50, 20, 10, Duration.ofSeconds(10), 3);
}
