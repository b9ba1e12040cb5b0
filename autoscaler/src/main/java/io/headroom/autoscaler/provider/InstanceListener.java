package io.headroom.autoscaler.provider;

import io.headroom.ingest.model.ScalingEvent;

/** Told of every lifecycle step of a provider's instances (STARTING, READY, DRAINING, STOPPED, FAILED). */
@FunctionalInterface
public interface InstanceListener {
    InstanceListener NONE = (instance, action, reason) -> {
    };

    void onEvent(Instance instance, ScalingEvent.Action action, String reason);
}
