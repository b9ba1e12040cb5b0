package io.headroom.router.telemetry;

import io.headroom.ingest.model.BackendStats;
import io.headroom.ingest.model.TelemetryWindow;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Per-second windows per route × backend. The proxy records into {@link RouteTelemetry} cells without locks; one
 * background thread closes each window at the second boundary of the injected clock and hands one
 * {@link TelemetryWindow} per route to the {@link TelemetrySink} (also for routes without traffic, so consumers see
 * zeros, not gaps). Tests call {@link #closeWindow(long)} themselves instead of starting the thread.
 *
 * <p>Each window also carries the route's per-consumer counts of rate-limited requests (see
 * {@link RouteTelemetry#consumer}): the {@link #consumerTopK} busiest consumers, the rest summed under
 * {@link io.headroom.ingest.model.ConsumerStats#OTHER}, so a window stays small with any number of consumers.
 *
 * <p>Sequences start at the creation time in epoch milliseconds and increase by one per window, so an instance that
 * restarts under the same id never reuses a sequence number (consumers drop duplicates by (instance, sequence)).
 */
public final class TelemetryAggregator implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(TelemetryAggregator.class.getName());
    /** Default number of consumers a window names ({@code rate-limits.telemetry-top-k}). */
    public static final int DEFAULT_TOP_K = 64;
    /** The most consumers a window may name. */
    public static final int MAX_TOP_K = 1024;
    /** The most consumers one route tracks at once; more count in the {@code (other)} cell. */
    static final int MAX_TRACKED_CONSUMERS = 4096;

    private final String instanceId;
    private final TelemetrySink sink;
    private final Clock clock;
    private final int windowMillis;
    private volatile int topK = DEFAULT_TOP_K;
    private java.util.Set<String> pinned = java.util.Set.of();
    private final Map<String, RouteTelemetry> routes = new LinkedHashMap<>();
    private long windowStart;
    private long nextSequence;
    private Thread thread;
    private volatile boolean running;

    /**
     * @param instanceId   this router instance
     * @param sink         where closed windows go
     * @param clock        wall clock for window alignment
     * @param windowMillis window length (1000 normally)
     */
    public TelemetryAggregator(String instanceId, TelemetrySink sink, Clock clock, int windowMillis) {
        this.instanceId = Objects.requireNonNull(instanceId, "instanceId");
        this.sink = Objects.requireNonNull(sink, "sink");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (windowMillis <= 0) {
            throw new IllegalArgumentException("windowMillis: " + windowMillis + " (expected: > 0)");
        }
        this.windowMillis = windowMillis;
        long now = clock.millis();
        this.windowStart = align(now);
        this.nextSequence = now;
    }

    /**
     * Registers a route × pool (before traffic starts); returns its recording handle. A route that splits its traffic
     * across pools has one handle, and one window a second, per pool.
     */
    public synchronized RouteTelemetry route(String route, String pool) {
        return routes.computeIfAbsent(route + '\n' + pool, k -> {
            RouteTelemetry rt = new RouteTelemetry(route, pool);
            rt.consumers.pin(pinned);
            return rt;
        });
    }

    /**
     * Names {@code consumers} in every window in which they had requests, beyond the top K (the consumers of
     * cluster-wide quotas, whose counts the predictor needs exactly). Bounded by configuration.
     */
    public synchronized void pinConsumers(java.util.Set<String> consumers) {
        pinned = java.util.Set.copyOf(consumers);
        for (RouteTelemetry rt : routes.values()) {
            rt.consumers.pin(pinned);
        }
    }

    /** Every route and pool recorded into so far (they are never removed), for the metrics' cumulative counters. */
    public synchronized List<RouteTelemetry> routeTelemetry() {
        return List.copyOf(routes.values());
    }

    private long align(long millis) {
        return Math.floorDiv(millis, windowMillis) * windowMillis;
    }

    /**
     * Closes the open window if {@code nowMillis} lies past its end: emits one window per route covering
     * {@code [start, aligned(now))} (normally exactly one window length; longer after a stall) and opens the next.
     *
     * @return the windows emitted (empty if the open window has not ended yet)
     */
    public synchronized List<TelemetryWindow> closeWindow(long nowMillis) {
        long end = align(nowMillis);
        if (end <= windowStart) {
            return List.of();
        }
        int length = (int) Math.min(Integer.MAX_VALUE, end - windowStart);
        List<TelemetryWindow> out = new ArrayList<>(routes.size());
        for (RouteTelemetry rt : routes.values()) {
            List<BackendStats> stats = new ArrayList<>();
            for (Counters c : rt.byBackend.values()) {
                BackendStats d = c.delta();
                if (d != null) {
                    stats.add(d);
                }
            }
            BackendStats rej = rt.rejected.delta();
            if (rej != null) {
                stats.add(rej);
            }
            out.add(new TelemetryWindow(instanceId, nextSequence++, windowStart, length, rt.route, rt.pool, stats,
                    rt.consumers.delta(topK)));
        }
        windowStart = end;
        for (TelemetryWindow w : out) {
            try {
                sink.accept(w);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "telemetry sink failed on window of route " + w.route(), e);
            }
        }
        return Collections.unmodifiableList(out);
    }

    /** Starts the closer thread: it wakes at each window boundary of the clock and calls {@link #closeWindow}. */
    public synchronized TelemetryAggregator start() {
        if (thread == null) {
            running = true;
            thread = Thread.ofPlatform().daemon().name("headroom-telemetry-windows").unstarted(this::run);
            thread.start();
        }
        return this;
    }

    private void run() {
        while (running) {
            long now = clock.millis();
            long sleep = align(now) + windowMillis - now;
            LockSupport.parkNanos(Math.max(1, sleep) * 1_000_000L);
            if (!running) {
                break;
            }
            try {
                closeWindow(clock.millis());
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "closing a telemetry window failed", e);
            }
        }
    }

    /** Sets how many consumers each window names, from the next window on (1 to {@value #MAX_TOP_K}). */
    public void consumerTopK(int k) {
        if (k < 1 || k > MAX_TOP_K) {
            throw new IllegalArgumentException("top-k: " + k + " (expected: 1 to " + MAX_TOP_K + ")");
        }
        this.topK = k;
    }

    public int consumerTopK() {
        return topK;
    }

    public String instanceId() {
        return instanceId;
    }

    /** Stops the closer thread (counts of the open window are not emitted). */
    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            running = false;
            t = thread;
            thread = null;
        }
        if (t != null) {
            LockSupport.unpark(t);
            try {
                t.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
