package io.headroom.router.resilience;

import io.headroom.router.config.ConcurrencyLimitConfig;

/**
 * Netflix concurrency-limits' Gradient2 algorithm, without a clock: each call of {@link #update} is one aggregated
 * sample (an average round-trip time and the most requests that were in flight meanwhile) and returns the new limit.
 *
 * <pre>
 * long    = exponential average of the samples (the first 10 averaged plainly), factor 2 / (longWindow + 1);
 *           when long / rtt > 2 (load is over and latency is back to normal) it is cut by 5 % to catch up faster
 * if inflight &lt; limit / 2: no change (the pool is not using its limit, so the sample says nothing about it)
 * gradient = clamp(tolerance × long / rtt, 0.5, 1)
 * limit    = limit × (1 - smoothing) + (limit × gradient + queueSize) × smoothing, clamped to [min, max]
 * </pre>
 *
 * A latency within {@code tolerance} of the long-term one lets the limit grow by {@code queueSize × smoothing} per
 * update; a higher one shrinks it (at most halving the estimate in one update, so one outlier cannot shed everything).
 * Not thread-safe: {@link ConcurrencyLimiter} calls it under its lock.
 */
public final class Gradient2Limit {
    static final int WARMUP = 10;

    private final int minLimit;
    private final int maxLimit;
    private final double smoothing;
    private final double tolerance;
    private final double queueSize;
    private final double factor;
    private double limit;
    private double longRtt;
    private int longCount;
    private double lastRtt;

    public Gradient2Limit(ConcurrencyLimitConfig c) {
        this.minLimit = c.minLimit();
        this.maxLimit = c.maxLimit();
        this.smoothing = c.smoothing();
        this.tolerance = c.tolerance();
        this.queueSize = c.queueSize();
        this.factor = 2.0 / (c.longWindow() + 1);
        this.limit = c.initialLimit();
    }

    /**
     * One aggregated sample.
     *
     * @param rttNanos average round-trip time of the window, > 0 (other values are ignored)
     * @param inflight the most requests in flight during the window
     * @return the new limit (the estimate rounded down)
     */
    public int update(double rttNanos, int inflight) {
        if (!(rttNanos > 0) || Double.isInfinite(rttNanos)) {
            return limit();
        }
        lastRtt = rttNanos;
        if (longCount < WARMUP) {
            longRtt = (longRtt * longCount + rttNanos) / (longCount + 1);
            longCount++;
        } else {
            longRtt = longRtt * (1 - factor) + rttNanos * factor;
        }
        if (longRtt / rttNanos > 2) {
            longRtt *= 0.95;
        }
        if (inflight < limit / 2) {
            return limit();
        }
        double gradient = Math.max(0.5, Math.min(1.0, tolerance * longRtt / rttNanos));
        double next = limit * gradient + queueSize;
        next = limit * (1 - smoothing) + next * smoothing;
        limit = Math.max(minLimit, Math.min(maxLimit, next));
        return limit();
    }

    /** The current limit (the estimate rounded down). */
    public int limit() {
        return (int) limit;
    }

    /** The unrounded estimate. */
    public double estimate() {
        return limit;
    }

    /** The long-term RTT, nanoseconds (0 before the first sample). */
    public double longRttNanos() {
        return longRtt;
    }

    /** The last sample's RTT, nanoseconds (0 before the first sample). */
    public double lastRttNanos() {
        return lastRtt;
    }
}
