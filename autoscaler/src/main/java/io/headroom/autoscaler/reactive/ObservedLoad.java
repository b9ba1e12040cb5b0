package io.headroom.autoscaler.reactive;

import io.headroom.ingest.model.BackendStats;
import io.headroom.ingest.model.TelemetryWindow;

import java.time.Duration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.TreeMap;

/**
 * The load each pool carries now, computed by the autoscaler itself from the routers' telemetry windows: the
 * reactive policy's input when the predictor is silent.
 *
 * <p>Requests are summed per pool and per wall-clock second across every router instance and route (backend
 * {@code "-"}, requests the router refused itself, included: they are demand too). A window is counted once: windows
 * are deduplicated by (instanceId, sequence), so a redelivered or replayed window never counts twice. A window
 * longer than a second (a router that stalled) is spread evenly over the seconds it covers.
 *
 * <p>{@link #rate} is the mean of the per-second totals over the seconds of the last {@code window} that ended at
 * least {@code settle} ago (so that every router's window for a second has arrived) and that have data. Routers
 * send a window per route every second, even an empty one, so a second without data means no router reported,
 * not zero load: with no data in the window the rate is unknown (empty), and the caller keeps what runs rather
 * than scale down on silence.
 *
 * <p>Time is an argument; nothing reads a clock. Thread-safe.
 */
public final class ObservedLoad {
    /** Default span averaged by {@link #rate}. */
    public static final Duration DEFAULT_WINDOW = Duration.ofSeconds(5);
    /** Default age a second must reach before it counts: every router's window for it has had time to arrive. */
    public static final Duration DEFAULT_SETTLE = Duration.ofSeconds(1);

    private final long windowMillis;
    private final long settleMillis;
    /** Seconds older than this before the newest evaluation are forgotten (and their windows are never re-counted). */
    private final long retentionMillis;
    private final Map<String, TreeMap<Long, double[]>> perPool = new HashMap<>(); // pool -> second -> {requests}
    private final Map<String, TreeMap<Long, Long>> seen = new HashMap<>(); // instance -> sequence -> window start
    private long horizonMillis = Long.MIN_VALUE; // only moves forward: nothing older is counted or remembered
    private long prunedAtSecond = Long.MIN_VALUE;
    private long accepted;
    private long duplicates;
    private long tooOld;

    public ObservedLoad(Duration window, Duration settle) {
        Objects.requireNonNull(window, "window");
        Objects.requireNonNull(settle, "settle");
        if (window.toMillis() < 1000) {
            throw new IllegalArgumentException("window: " + window + " (expected: >= 1s)");
        }
        if (settle.isNegative()) {
            throw new IllegalArgumentException("settle: " + settle + " (expected: >= 0)");
        }
        this.windowMillis = window.toMillis();
        this.settleMillis = settle.toMillis();
        this.retentionMillis = windowMillis + settleMillis + 60_000;
    }

    public ObservedLoad() {
        this(DEFAULT_WINDOW, DEFAULT_SETTLE);
    }

    /**
     * Counts one window, unless it was seen already or is older than the retention before {@code nowMillis}.
     *
     * @return true if it was counted
     */
    public synchronized boolean accept(TelemetryWindow w, long nowMillis) {
        advance(nowMillis);
        if (w.startMillis() < horizonMillis) {
            tooOld++;
            return false;
        }
        TreeMap<Long, Long> sequences = seen.computeIfAbsent(w.instanceId(), k -> new TreeMap<>());
        if (sequences.putIfAbsent(w.sequence(), w.startMillis()) != null) {
            duplicates++;
            return false;
        }
        long requests = 0;
        for (BackendStats b : w.backends()) {
            requests += b.requests();
        }
        TreeMap<Long, double[]> seconds = perPool.computeIfAbsent(w.pool(), k -> new TreeMap<>());
        long first = Math.floorDiv(w.startMillis(), 1000);
        long last = Math.max(first, Math.floorDiv(w.startMillis() + Math.max(1, w.windowMillis()) - 1, 1000));
        double share = (double) requests / (last - first + 1);
        for (long s = first; s <= last; s++) {
            seconds.computeIfAbsent(s, k -> new double[1])[0] += share;
        }
        accepted++;
        return true;
    }

    /**
     * Requests per second {@code pool} carries at {@code nowMillis}, over the last window; empty when no router
     * reported in it.
     */
    public synchronized OptionalDouble rate(String pool, long nowMillis) {
        advance(nowMillis);
        TreeMap<Long, double[]> seconds = perPool.get(pool);
        if (seconds == null) {
            return OptionalDouble.empty();
        }
        long end = nowMillis - settleMillis; // seconds ending at or before this have settled
        long toSecond = Math.floorDiv(end, 1000) - 1; // last whole second ending by 'end'
        long fromSecond = toSecond - (windowMillis / 1000) + 1;
        double sum = 0;
        int n = 0;
        for (double[] v : seconds.subMap(fromSecond, true, toSecond, true).values()) {
            sum += v[0];
            n++;
        }
        return n == 0 ? OptionalDouble.empty() : OptionalDouble.of(sum / n);
    }

    /** Moves the horizon to {@code nowMillis - retention} (never back) and forgets what lies before it, once a second. */
    private void advance(long nowMillis) {
        long horizon = nowMillis - retentionMillis;
        if (horizon > horizonMillis) {
            horizonMillis = horizon;
        }
        long second = Math.floorDiv(horizonMillis, 1000);
        if (second == prunedAtSecond) {
            return;
        }
        prunedAtSecond = second;
        // A sequence is forgotten only once its window starts before the horizon, where accept() refuses it anyway.
        long horizonSecond = Math.floorDiv(horizonMillis, 1000);
        for (TreeMap<Long, double[]> seconds : perPool.values()) {
            seconds.headMap(horizonSecond).clear();
        }
        for (Iterator<TreeMap<Long, Long>> it = seen.values().iterator(); it.hasNext(); ) {
            TreeMap<Long, Long> sequences = it.next();
            sequences.values().removeIf(start -> start < horizonMillis);
            if (sequences.isEmpty()) {
                it.remove();
            }
        }
    }

    /** Windows counted, duplicates dropped, windows too old to count. */
    public synchronized Stats stats() {
        return new Stats(accepted, duplicates, tooOld);
    }

    public record Stats(long accepted, long duplicates, long tooOld) {
    }
}
