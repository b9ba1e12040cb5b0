package io.headroom.router.telemetry;

import io.headroom.ingest.model.TelemetryWindow;

/** Receives closed telemetry windows on the aggregator's thread. Must not block for long. */
@FunctionalInterface
public interface TelemetrySink {
    void accept(TelemetryWindow window);

    /** Drops every window. */
    TelemetrySink DISCARD = w -> {
    };
}
