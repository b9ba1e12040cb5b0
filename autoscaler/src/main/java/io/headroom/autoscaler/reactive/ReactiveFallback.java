package io.headroom.autoscaler.reactive;

import io.headroom.ingest.model.ScalingIntent;

import java.time.Duration;
import java.util.Objects;

/**
 * When and how one pool falls back to the reactive policy: once the latest scaling intent is older than
 * {@code intentTtl} (or none came within {@code intentTtl} of the first tick), the pool is sized on the load it
 * carries now, read from {@code load}.
 *
 * @param intentTtl            an intent older than this means the predictor is silent
 * @param capacityPerInstance  requests per second one instance can serve; 0 = not configured (see {@link #perInstance})
 * @param targetUtilisation    share of that capacity to plan for, in (0, 1]
 * @param defaultCapacity      capacity per instance when neither the configuration nor an intent gives one (the local
 *                             provider's capacity)
 * @param load                 the pool's observed load
 */
public record ReactiveFallback(Duration intentTtl, double capacityPerInstance, double targetUtilisation, double defaultCapacity,
                               PoolLoad load) {
    public ReactiveFallback {
        Objects.requireNonNull(intentTtl, "intentTtl");
        Objects.requireNonNull(load, "load");
        if (intentTtl.isNegative() || intentTtl.isZero()) {
            throw new IllegalArgumentException("intentTtl: " + intentTtl + " (expected: > 0)");
        }
        if (!(capacityPerInstance >= 0) || Double.isInfinite(capacityPerInstance)) {
            throw new IllegalArgumentException("capacityPerInstance: " + capacityPerInstance + " (expected: >= 0, 0 = not set)");
        }
        if (!(targetUtilisation > 0 && targetUtilisation <= 1)) {
            throw new IllegalArgumentException("targetUtilisation: " + targetUtilisation + " (expected: in (0, 1])");
        }
        if (!(defaultCapacity > 0) || Double.isInfinite(defaultCapacity)) {
            throw new IllegalArgumentException("defaultCapacity: " + defaultCapacity + " (expected: > 0)");
        }
    }

    /**
     * Requests per second to plan per instance: the configured capacity × target utilisation; else what the last
     * intent planned per instance (the predictor's own capacity × utilisation), so both policies size alike; else the
     * default capacity × target utilisation.
     */
    public double perInstance(ScalingIntent lastIntent) {
        if (capacityPerInstance > 0) {
            return capacityPerInstance * targetUtilisation;
        }
        if (lastIntent != null && lastIntent.perInstanceCapacity() > 0 && !Double.isInfinite(lastIntent.perInstanceCapacity())) {
            return lastIntent.perInstanceCapacity();
        }
        return defaultCapacity * targetUtilisation;
    }
}
