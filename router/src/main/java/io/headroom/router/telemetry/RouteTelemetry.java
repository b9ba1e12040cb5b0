package io.headroom.router.telemetry;

import io.headroom.ingest.model.LatencyHistogram;
import io.headroom.router.upstream.Backend;

import java.util.concurrent.ConcurrentHashMap;

/**
 * The recording side for one route: what the proxy calls once per completed request. Lock-free: a map read (keyed by
 * the interned {@link Backend} object) and a few {@code LongAdder} increments.
 */
public final class RouteTelemetry {
    /** Backend name for requests that never reached a backend. */
    public static final String NO_BACKEND = "-";

    final String route;
    final String pool;
    final ConcurrentHashMap<Backend, Counters> byBackend = new ConcurrentHashMap<>();
    final Counters rejected = new Counters(NO_BACKEND);
    final ConsumerCounts consumers = new ConsumerCounts(TelemetryAggregator.MAX_TOP_K, TelemetryAggregator.MAX_TRACKED_CONSUMERS);

    RouteTelemetry(String route, String pool) {
        this.route = route;
        this.pool = pool;
    }

    public String route() {
        return route;
    }

    private Counters cell(Backend b) {
        Counters c = byBackend.get(b);
        return c != null ? c : byBackend.computeIfAbsent(b, k -> new Counters(k.address()));
    }

    /** A response from the backend (any status, including the backend's own 5xx). */
    public void response(Backend backend, int status, long bytesIn, long bytesOut, long latencyNanos) {
        Counters c = cell(backend);
        if (status < 300) {
            c.s2xx.increment();
        } else if (status < 400) {
            c.s3xx.increment();
        } else if (status < 500) {
            c.s4xx.increment();
        } else {
            c.s5xx.increment();
        }
        finish(c, bytesIn, bytesOut, latencyNanos);
    }

    /** A failure produced by the router while talking to {@code backend} (502 connect/bad response, 504 timeout). */
    public void error(Backend backend, long bytesIn, long bytesOut, long latencyNanos) {
        Counters c = cell(backend);
        c.errors.increment();
        finish(c, bytesIn, bytesOut, latencyNanos);
    }

    /**
     * A request of {@code consumer} that met a rate limit: counted per consumer for the predictor's quota leases, on top
     * of the request's own {@link #response}/{@link #rejection} record. {@code rejected} when the limit refused it.
     */
    public void consumer(String consumer, boolean rejected) {
        consumers.record(consumer, rejected);
    }

    /** A request the router refused without reaching a backend (e.g. 503, no backend). */
    public void rejection(long bytesIn, long bytesOut, long latencyNanos) {
        rejected.rejections.increment();
        finish(rejected, bytesIn, bytesOut, latencyNanos);
    }

    private static void finish(Counters c, long bytesIn, long bytesOut, long latencyNanos) {
        if (bytesIn != 0) {
            c.bytesIn.add(bytesIn);
        }
        if (bytesOut != 0) {
            c.bytesOut.add(bytesOut);
        }
        c.latency.incrementAndGet(LatencyHistogram.bucketOf(Math.max(0, latencyNanos / 1000)));
        c.requests.increment();
    }
}
