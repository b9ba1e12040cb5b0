package io.headroom.autoscaler.backend;

import io.headroom.time.Ticker;

import java.time.Duration;

/**
 * How a simulated backend behaves under load: requests admitted over a sliding 1-s window (ten 100-ms buckets)
 * up to {@code capacity}; the latency of an admitted request grows as {@code base / (1 - u)} with the window's
 * utilisation {@code u}, capped at {@link #MAX_SLOWDOWN} times the base; past capacity a request is rejected.
 *
 * <p>Time comes from the injected {@link Ticker}, so tests drive it by hand. Thread-safe (one monitor: the
 * backend is a test fixture, not the request path of the router).
 */
public final class OverloadModel {
    /** Latency never exceeds base × this. */
    public static final double MAX_SLOWDOWN = 20;
    private static final int BUCKETS = 10;
    private static final long BUCKET_NANOS = 100_000_000L;

    /** The outcome for one request: admitted with a latency, or rejected. */
    public record Admission(boolean admitted, Duration latency, double utilisation) {
    }

    private final double capacity;
    private final Duration base;
    private final Ticker ticker;
    private final long[] counts = new long[BUCKETS];
    private long currentBucket;
    private long inWindow;

    public OverloadModel(double capacity, Duration base, Ticker ticker) {
        if (!(capacity > 0)) {
            throw new IllegalArgumentException("capacity: " + capacity + " (expected: > 0)");
        }
        this.capacity = capacity;
        this.base = base;
        this.ticker = ticker;
        this.currentBucket = Math.floorDiv(ticker.read(), BUCKET_NANOS);
    }

    /** Decides for one arriving request and counts it if admitted. */
    public synchronized Admission admit() {
        roll();
        if (inWindow + 1 > capacity) {
            return new Admission(false, Duration.ZERO, inWindow / capacity);
        }
        inWindow++;
        counts[Math.floorMod(currentBucket, BUCKETS)]++;
        double u = inWindow / capacity;
        return new Admission(true, latencyAt(base, u), u);
    }

    /** Latency at utilisation {@code u}: base / (1 - u), capped at base × {@link #MAX_SLOWDOWN}. */
    static Duration latencyAt(Duration base, double u) {
        double factor = u >= 1 ? MAX_SLOWDOWN : Math.min(MAX_SLOWDOWN, 1 / (1 - u));
        return Duration.ofNanos(Math.round(base.toNanos() * factor));
    }

    /** Requests admitted within the last second. */
    public synchronized long inWindow() {
        roll();
        return inWindow;
    }

    private void roll() {
        long now = Math.floorDiv(ticker.read(), BUCKET_NANOS);
        if (now <= currentBucket) {
            return;
        }
        long steps = Math.min(BUCKETS, now - currentBucket);
        for (long i = 1; i <= steps; i++) {
            int idx = (int) Math.floorMod(currentBucket + i, (long) BUCKETS);
            inWindow -= counts[idx];
            counts[idx] = 0;
        }
        currentBucket = now;
    }
}
