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
 */
public record PoolStatus(String pool, int desired, int target, int current, int ready, List<Instance> instances, boolean actionInFlight,
                         boolean dryRun, boolean killSwitch, String lastReason, List<ScalingEvent> recentEvents) {
    public PoolStatus {
        instances = List.copyOf(instances);
        recentEvents = List.copyOf(recentEvents);
    }
}
