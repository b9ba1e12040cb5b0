package io.headroom.ingest.model;

import java.util.List;
import java.util.Objects;

/**
 * One closed telemetry window (normally 1 s) for one route, from one router instance.
 *
 * <p>{@code (instanceId, sequence)} identifies a window uniquely: the sequence increases by one for every
 * window an instance publishes, so a consumer drops redelivered duplicates (telemetry is at-least-once).
 *
 * @param instanceId   the router instance that observed the traffic
 * @param sequence     per-instance sequence number, strictly increasing
 * @param startMillis  window start, epoch milliseconds, aligned to {@code windowMillis}
 * @param windowMillis window length in milliseconds
 * @param route        route name (the Kafka key)
 * @param pool         pool the route forwards to
 * @param backends     one entry per backend that saw traffic (plus {@code "-"} for rejected requests)
 * @param consumers    per-consumer counts of the requests that met a rate limit, busiest first, bounded by the router
 *                     ({@code telemetry.consumers.top-k}) with the rest summed under {@link ConsumerStats#OTHER};
 *                     empty from routers without limits (and in version-1 records)
 */
public record TelemetryWindow(
        String instanceId,
        long sequence,
        long startMillis,
        int windowMillis,
        String route,
        String pool,
        List<BackendStats> backends,
        List<ConsumerStats> consumers) {

    public TelemetryWindow {
        Objects.requireNonNull(instanceId, "instanceId");
        Objects.requireNonNull(route, "route");
        Objects.requireNonNull(pool, "pool");
        if (windowMillis <= 0) {
            throw new IllegalArgumentException("windowMillis: " + windowMillis + " (expected: > 0)");
        }
        backends = List.copyOf(backends);
        consumers = List.copyOf(consumers);
    }

    /** A window without per-consumer counts. */
    public TelemetryWindow(String instanceId, long sequence, long startMillis, int windowMillis, String route, String pool,
                           List<BackendStats> backends) {
        this(instanceId, sequence, startMillis, windowMillis, route, pool, backends, List.of());
    }

    public long totalRequests() {
        long n = 0;
        for (BackendStats b : backends) {
            n += b.requests();
        }
        return n;
    }

    /** Requests per second over the window. */
    public double requestRate() {
        return totalRequests() * 1000.0 / windowMillis;
    }

    public LatencyHistogram latency() {
        LatencyHistogram h = LatencyHistogram.EMPTY;
        for (BackendStats b : backends) {
            h = h.merge(b.latency());
        }
        return h;
    }
}
