package io.headroom.autoscaler.core;

import io.headroom.autoscaler.provider.Instance;
import io.headroom.ingest.model.ScalingEvent;

import java.util.List;

/**
 * What one pool looks like now, for display.
 *
 * @param pool         pool name
 * @param desired      the bounded recommendation of the last decision (-1 before the first)
 * @param target       the target of the last decision (-1 before the first)
 * @param current      instances starting or ready
 * @param ready        ready instances (pool members)
 * @param instances    every instance the provider manages
 * @param actionInFlight whether a start or drain is running
 * @param dryRun       forecast-only pool
 * @param killSwitch   actions stopped
 * @param lastReason   reason of the last decision
 * @param recentEvents the last few events, oldest first
 * @param mode         which policy sized the pool at the last tick: predictive, or reactive while the predictor is silent
 */
public record PoolStatus(String pool, int desired, int target, int current, int ready, List<Instance> instances, boolean actionInFlight,
                         boolean dryRun, boolean killSwitch, String lastReason, List<ScalingEvent> recentEvents, Mode mode) {
    public PoolStatus {
        instances = List.copyOf(instances);
        recentEvents = List.copyOf(recentEvents);
        java.util.Objects.requireNonNull(mode, "mode");
    }

    /** A status in {@link Mode#PREDICTIVE} mode (the shape before the reactive fallback existed). */
    public PoolStatus(String pool, int desired, int target, int current, int ready, List<Instance> instances, boolean actionInFlight,
                      boolean dryRun, boolean killSwitch, String lastReason, List<ScalingEvent> recentEvents) {
        this(pool, desired, target, current, ready, instances, actionInFlight, dryRun, killSwitch, lastReason, recentEvents,
                Mode.PREDICTIVE);
    }
}
