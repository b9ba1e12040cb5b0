package io.headroom.router.resilience;

import io.headroom.router.config.ConcurrencyLimitConfig;
import io.headroom.time.Ticker;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * A pool's adaptive concurrency limit: admits a request while fewer than {@link #limit()} are in flight and refuses it
 * otherwise (the proxy answers 503 with Retry-After; nothing waits). Round-trip samples are averaged over a window of
 * at least {@code update-interval} and {@code min-samples}, then {@link Gradient2Limit} moves the limit, as Netflix's
 * {@code WindowedLimit} and Envoy's adaptive concurrency filter do.
 *
 * <p>Admission is a CAS on one counter; a sample takes a short lock (a few additions, and the limit update once per
 * window). Nothing allocates. Time comes from the injected {@link Ticker}, so tests drive windows by hand.
 */
public final class ConcurrencyLimiter {
    private final Ticker ticker;
    private final long intervalNanos;
    private final int minSamples;
    private final Gradient2Limit algorithm;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final LongAdder rejected = new LongAdder();
    private volatile int limit;
    // the current window, guarded by this
    private long windowStart;
    private double rttSum;
    private int samples;
    private int maxInFlight;
    private long updates;

    public ConcurrencyLimiter(ConcurrencyLimitConfig config, Ticker ticker) {
        this.ticker = ticker;
        this.intervalNanos = config.updateInterval().toNanos();
        this.minSamples = config.minSamples();
        this.algorithm = new Gradient2Limit(config);
        this.limit = algorithm.limit();
        this.windowStart = ticker.read();
    }

    /** Takes a slot if fewer than the limit are in flight; false (and counted as a rejection) otherwise. */
    public boolean tryAcquire() {
        while (true) {
            int n = inFlight.get();
            if (n >= limit) {
                rejected.increment();
                return false;
            }
            if (inFlight.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    /** Gives back a slot taken by {@link #tryAcquire()}; call it once, in a finally block. */
    public void release() {
        inFlight.decrementAndGet();
    }

    /**
     * One round-trip time (request sent to response head) of a request admitted by this limiter. Callers pass answers
     * that say something about the backend's queue: successes, the backend's own errors and timeouts (the time waited),
     * not shedding answers (429, 503 with Retry-After) nor connect failures.
     */
    public void sample(long rttNanos) {
        int now = inFlight.get();
        long t = ticker.read();
        synchronized (this) {
            rttSum += rttNanos;
            samples++;
            maxInFlight = Math.max(maxInFlight, now);
            if (samples >= minSamples && t - windowStart >= intervalNanos) {
                limit = algorithm.update(rttSum / samples, maxInFlight);
                updates++;
                windowStart = t;
                rttSum = 0;
                samples = 0;
                maxInFlight = 0;
            }
        }
    }

    /** The current limit. */
    public int limit() {
        return limit;
    }

    /** Requests admitted and not yet released. */
    public int inFlight() {
        return inFlight.get();
    }

    /** Requests refused since start. */
    public long rejected() {
        return rejected.sum();
    }

    /** What the admin API shows. */
    public synchronized Status status() {
        return new Status(limit, inFlight.get(), rejected.sum(), algorithm.lastRttNanos() / 1e6, algorithm.longRttNanos() / 1e6,
                updates);
    }

    /**
     * @param limit       the current limit
     * @param inFlight    admitted requests not finished yet
     * @param rejected    requests refused with 503 since start
     * @param lastRttMs   the last window's average round-trip time (0 before the first update)
     * @param longRttMs   the long-term round-trip time the last window was compared with
     * @param updates     limit updates so far
     */
    public record Status(int limit, int inFlight, long rejected, double lastRttMs, double longRttMs, long updates) {
    }
}
