package io.headroom.predictor.history;

import io.headroom.ingest.model.BackendStats;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Healthy throughput (2xx + 3xx + 4xx responses per second), success ratio and mean latency of each backend of one
 * pool, over a short ring of recent seconds, smoothed with exponentially decaying weights.
 *
 * <p>A second in which the pool reported nothing is a gap and is skipped; a second in which the pool reported
 * traffic but a backend served nothing healthy counts as zero for that backend. The router's own rejections
 * (backend {@code "-"}) are not a backend. Not thread-safe.
 */
public final class BackendThroughput {
    /** The router's pseudo-backend for requests that never reached one. */
    public static final String NO_BACKEND = "-";

    private final int capacity;
    private final long[] poolSecond;
    private final Map<String, Ring> backends = new HashMap<>();

    private static final class Ring {
        final long[] second;
        final double[] healthy;
        final double[] requests;
        /** Sum of the response latencies (µs, each at its histogram bucket's upper bound) and how many there were. */
        final double[] latencySum;
        final double[] latencySamples;

        Ring(int n) {
            second = new long[n];
            healthy = new double[n];
            requests = new double[n];
            latencySum = new double[n];
            latencySamples = new double[n];
            Arrays.fill(second, Long.MIN_VALUE);
        }
    }

    public BackendThroughput(int capacitySeconds) {
        if (capacitySeconds <= 0) {
            throw new IllegalArgumentException("capacitySeconds: " + capacitySeconds + " (expected: > 0)");
        }
        this.capacity = capacitySeconds;
        this.poolSecond = new long[capacitySeconds];
        Arrays.fill(poolSecond, Long.MIN_VALUE);
    }

    /** Adds one backend's stats for the second starting at {@code epochSecond}. */
    public void add(long epochSecond, BackendStats stats) {
        int slot = (int) Math.floorMod(epochSecond, (long) capacity);
        poolSecond[slot] = epochSecond;
        if (NO_BACKEND.equals(stats.backend())) {
            return;
        }
        Ring r = backends.computeIfAbsent(stats.backend(), k -> new Ring(capacity));
        if (r.second[slot] != epochSecond) {
            r.second[slot] = epochSecond;
            r.healthy[slot] = 0;
            r.requests[slot] = 0;
            r.latencySum[slot] = 0;
            r.latencySamples[slot] = 0;
        }
        r.healthy[slot] += stats.healthyResponses();
        r.requests[slot] += stats.requests();
        long n = stats.latency().totalCount();
        if (n > 0) {
            r.latencySum[slot] += stats.latency().meanMicros() * n;
            r.latencySamples[slot] += n;
        }
    }

    /**
     * Smoothed mean response latency (µs) per backend, each second weighted by {@code 0.5^(age / halfLifeSeconds)} and
     * by its number of responses. Backends with fewer than {@code minSamples} (weighted) latency samples in the ring
     * are left out. Sorted by backend name.
     */
    public Map<String, Double> meanLatencies(long lastSecond, double halfLifeSeconds, double minSamples) {
        // a second without latency samples has a zero latency sum too, so it adds nothing to either sum
        return weightedRatios(lastSecond, halfLifeSeconds, r -> r.latencySum, r -> r.latencySamples,
                (sum, samples) -> samples >= minSamples && samples > 0 ? sum / samples : null);
    }

    /**
     * Smoothed healthy req/s per backend over seconds up to {@code lastSecond} (inclusive): a weighted mean with
     * weight {@code 0.5^(age / halfLifeSeconds)} over the seconds in which the pool reported anything. Backends
     * not seen in the ring any more are forgotten. Sorted by backend name.
     */
    public Map<String, Double> smoothed(long lastSecond, double halfLifeSeconds) {
        Map<String, Double> out = new TreeMap<>();
        double totalWeight = 0;
        double[] weights = new double[capacity];
        for (int age = 0; age < capacity; age++) {
            long s = lastSecond - age;
            int slot = (int) Math.floorMod(s, (long) capacity);
            if (poolSecond[slot] == s) {
                weights[age] = Math.pow(0.5, age / halfLifeSeconds);
                totalWeight += weights[age];
            }
        }
        for (Iterator<Map.Entry<String, Ring>> it = backends.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Ring> e = it.next();
            Ring r = e.getValue();
            double acc = 0;
            boolean seen = false;
            for (int age = 0; age < capacity; age++) {
                long s = lastSecond - age;
                int slot = (int) Math.floorMod(s, (long) capacity);
                if (r.second[slot] == s) {
                    seen = true;
                    acc += weights[age] * r.healthy[slot];
                }
            }
            boolean anyNewer = false;
            for (long sec : r.second) {
                anyNewer |= sec > lastSecond - capacity;
            }
            if (!anyNewer) {
                it.remove();
                continue;
            }
            out.put(e.getKey(), totalWeight > 0 && seen ? acc / totalWeight : 0.0);
        }
        return out;
    }

    /**
     * Smoothed success ratio per backend: healthy responses over requests sent to it, each second weighted by
     * {@code 0.5^(age / halfLifeSeconds)}. Unlike throughput it does not depend on how much traffic the balancer chose
     * to send, so it moves traffic away from failing backends without starving new or recovered ones. Backends with
     * fewer than {@code minRequests} (weighted) requests in the ring are left out: too little evidence to judge.
     */
    public Map<String, Double> successRatios(long lastSecond, double halfLifeSeconds, double minRequests) {
        return weightedRatios(lastSecond, halfLifeSeconds, r -> r.healthy, r -> r.requests,
                (healthy, requests) -> requests >= minRequests ? Math.min(1.0, healthy / requests) : null);
    }

    /** What a backend's weighted sums give: its value, or null to leave the backend out. */
    @FunctionalInterface
    private interface Ratio {
        Double of(double numerator, double denominator);
    }

    /**
     * Per backend (sorted by name), {@code ratio} of its two series summed over the ring's seconds up to
     * {@code lastSecond}, each second weighted by {@code 0.5^(age / halfLifeSeconds)}.
     */
    private Map<String, Double> weightedRatios(long lastSecond, double halfLifeSeconds, Function<Ring, double[]> numerator,
                                               Function<Ring, double[]> denominator, Ratio ratio) {
        Map<String, Double> out = new TreeMap<>();
        for (Map.Entry<String, Ring> e : backends.entrySet()) {
            Ring r = e.getValue();
            double[] num = numerator.apply(r);
            double[] den = denominator.apply(r);
            double n = 0;
            double d = 0;
            for (int age = 0; age < capacity; age++) {
                long s = lastSecond - age;
                int slot = (int) Math.floorMod(s, (long) capacity);
                if (r.second[slot] == s) {
                    double w = Math.pow(0.5, age / halfLifeSeconds);
                    n += w * num[slot];
                    d += w * den[slot];
                }
            }
            Double v = ratio.of(n, d);
            if (v != null) {
                out.put(e.getKey(), v);
            }
        }
        return out;
    }
}
