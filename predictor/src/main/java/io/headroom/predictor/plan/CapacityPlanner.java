package io.headroom.predictor.plan;

import io.headroom.ingest.model.ScalingIntent;
import io.headroom.predictor.forecast.Forecast;

import java.util.Locale;

/**
 * Turns a pool's forecast into a {@link ScalingIntent}: size on the upper bound, at the target utilisation, never below
 * the reactive floor of the current load.
 */
public final class CapacityPlanner {
    private CapacityPlanner() {
    }

    /** {@code max(1, ceil(upper / (capacity × utilisation)))}. */
    public static int desiredInstances(double upper, PoolSettings pool) {
        if (Double.isNaN(upper) || upper <= 0) {
            return 1;
        }
        // A hair of tolerance so 400.0000000001 / 100 does not ask for a fifth instance.
        return Math.max(1, (int) Math.ceil(upper / pool.plannedPerInstance() - 1e-9));
    }

    /**
     * The reactive floor: instances the current load needs at the target utilisation,
     * {@code ceil(observed / (capacity × utilisation))}; 0 without a positive observed rate.
     */
    public static int reactiveFloor(double observedRate, PoolSettings pool) {
        if (!(observedRate > 0) || Double.isInfinite(observedRate)) {
            return 0;
        }
        return (int) Math.min(Integer.MAX_VALUE, Math.ceil(observedRate / pool.plannedPerInstance() - 1e-9));
    }

    /**
     * The intent at the provisioning lead time: sized on the forecast's upper bound, never below the
     * {@link #reactiveFloor} of the observed rate (a forecast of a drop must not shed capacity the current load needs).
     */
    public static ScalingIntent intent(PoolSettings pool, long nowMillis, int leadTimeSeconds, double observedRate, Forecast f,
                                       String model, String why) {
        int fromUpper = desiredInstances(f.upper(), pool);
        int floor = reactiveFloor(observedRate, pool);
        int desired = Math.max(fromUpper, floor);
        String reason = String.format(Locale.ROOT,
                "upper %.1f req/s in %ds / (%.1f x %.2f) per instance = %d%s; observed %.1f req/s; %s",
                f.upper(), leadTimeSeconds, pool.capacityPerInstance(), pool.targetUtilisation(), fromUpper,
                floor > fromUpper ? "; reactive floor of the observed rate = " + floor : "", observedRate, why);
        return new ScalingIntent(pool.name(), nowMillis, desired, leadTimeSeconds, observedRate, f.mean(), f.lower(), f.upper(),
                pool.plannedPerInstance(), model, reason);
    }
}
