package io.headroom.predictor.plan;

import io.headroom.ingest.model.ScalingIntent;
import io.headroom.predictor.forecast.Forecast;

import java.util.Locale;

/** Turns a pool's forecast into a {@link ScalingIntent}: size on the upper bound, at the target utilisation. */
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

    public static ScalingIntent intent(PoolSettings pool, long nowMillis, int leadTimeSeconds, double observedRate, Forecast f,
                                       String model, String why) {
        int desired = desiredInstances(f.upper(), pool);
        String reason = String.format(Locale.ROOT,
                "upper %.1f req/s in %ds / (%.1f x %.2f) per instance = %d; observed %.1f req/s; %s",
                f.upper(), leadTimeSeconds, pool.capacityPerInstance(), pool.targetUtilisation(), desired, observedRate, why);
        return new ScalingIntent(pool.name(), nowMillis, desired, leadTimeSeconds, observedRate, f.mean(), f.lower(), f.upper(),
                pool.plannedPerInstance(), model, reason);
    }
}
