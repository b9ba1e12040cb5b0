package io.headroom.router.config;

import java.time.Duration;
import java.util.Objects;

/**
 * An adaptive concurrency limit for a pool (Netflix concurrency-limits' Gradient2, windowed as Envoy's adaptive
 * concurrency filter samples): {@code concurrency-limit: {enabled: true, initial-limit: 20, min-limit: 4,
 * max-limit: 200, smoothing: 0.2, tolerance: 1.5, queue-size: 4, long-window: 600, update-interval: 100ms,
 * min-samples: 10}}. When the pool has {@code limit} requests in flight, a new one is answered 503 with Retry-After at
 * once; nothing queues.
 *
 * @param enabled        off by default
 * @param initialLimit   the limit before the first update
 * @param minLimit       the limit never goes below this ...
 * @param maxLimit       ... nor above this
 * @param smoothing      weight of a new estimate against the old limit, in (0, 1]
 * @param tolerance      how much the short-term RTT may exceed the long-term one before the limit shrinks (>= 1)
 * @param queueSize      requests allowed to queue at the backend on top of the gradient: the limit's growth per update
 * @param longWindow     the long-term RTT is an exponential average over about this many updates
 * @param updateInterval samples are averaged over at least this much time before the limit is updated ...
 * @param minSamples     ... and at least this many samples
 */
public record ConcurrencyLimitConfig(boolean enabled, int initialLimit, int minLimit, int maxLimit, double smoothing,
                                     double tolerance, int queueSize, int longWindow, Duration updateInterval, int minSamples) {

    public static final ConcurrencyLimitConfig OFF = new ConcurrencyLimitConfig(false, 20, 4, 200, 0.2, 1.5, 4, 600,
            Duration.ofMillis(100), 10);

    public ConcurrencyLimitConfig {
        Objects.requireNonNull(updateInterval, "updateInterval");
        if (minLimit < 1 || initialLimit < minLimit || maxLimit < initialLimit) {
            throw new IllegalArgumentException("limits: min " + minLimit + ", initial " + initialLimit + ", max " + maxLimit
                    + " (expected: 1 <= min <= initial <= max)");
        }
        if (!(smoothing > 0 && smoothing <= 1)) {
            throw new IllegalArgumentException("smoothing: " + smoothing + " (expected: 0 < smoothing <= 1)");
        }
        if (!(tolerance >= 1)) {
            throw new IllegalArgumentException("tolerance: " + tolerance + " (expected: >= 1)");
        }
        if (queueSize < 0 || longWindow < 1 || minSamples < 1 || updateInterval.isNegative()) {
            throw new IllegalArgumentException("queueSize: " + queueSize + ", longWindow: " + longWindow + ", minSamples: "
                    + minSamples + ", updateInterval: " + updateInterval + " (expected: >= 0, >= 1, >= 1, >= 0)");
        }
    }
}
