package io.headroom.autoscaler.core;

import java.util.Locale;

/** Which policy sizes a pool now. */
public enum Mode {
    /** Sized on the predictor's latest intent (forecast, with the observed load as a floor). */
    PREDICTIVE,
    /** The predictor is silent: sized on the load the autoscaler observes itself in the telemetry. */
    REACTIVE;

    /** {@code predictive} or {@code reactive}, as shown in logs, events and the admin API. */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
        return key();
    }
}
