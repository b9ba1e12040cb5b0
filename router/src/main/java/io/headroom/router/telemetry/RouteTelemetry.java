package io.headroom.router.telemetry;

import io.headroom.ingest.model.LatencyHistogram;
import io.headroom.router.upstream.Backend;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

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
    private final LongAdder[] refusals = new LongAdder[Refusal.values().length];

    /** Why the router answered a request itself without reaching a backend (the metrics' {@code reason} label). */
    public enum Refusal {
        /** 401 or 403: authentication failed or was missing. */
        AUTH("auth"),
        /** 429: a rate limit or quota of the route refused it. */
        RATE_LIMITED("rate_limited"),
        /** 503: the pool was at its adaptive concurrency limit (shed). */
        CONCURRENCY_LIMIT("concurrency_limit"),
        /** 503: no member of the pool was available. */
        NO_BACKEND("no_backend"),
        /** Anything else (a failed call of an aggregate route). */
        OTHER("other");

        private final String label;

        Refusal(String label) {
            this.label = label;
        }

        /** The label value: {@code auth}, {@code rate_limited}, {@code concurrency_limit}, {@code no_backend}, {@code other}. */
        public String label() {
            return label;
        }
    }

    RouteTelemetry(String route, String pool) {
        this.route = route;
        this.pool = pool;
        for (int i = 0; i < refusals.length; i++) {
            refusals[i] = new LongAdder();
        }
    }

    public String pool() {
        return pool;
    }

    /** Requests refused for {@code why} since this route and pool were first used (cumulative, never reset). */
    public long refusals(Refusal why) {
        return refusals[why.ordinal()].sum();
    }

    /** Requests that reached a backend (any outcome) since this route and pool were first used. */
    public long forwarded() {
        long n = 0;
        for (Counters c : byBackend.values()) {
            n += c.requests.sum();
        }
        return n;
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

    /** A request the router refused without reaching a backend, for a reason counted as {@link Refusal#OTHER}. */
    public void rejection(long bytesIn, long bytesOut, long latencyNanos) {
        rejection(Refusal.OTHER, bytesIn, bytesOut, latencyNanos);
    }

    /** A request the router refused without reaching a backend (429 limited, 503 shed or no backend, 401...). */
    public void rejection(Refusal why, long bytesIn, long bytesOut, long latencyNanos) {
        refusals[why.ordinal()].increment();
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
