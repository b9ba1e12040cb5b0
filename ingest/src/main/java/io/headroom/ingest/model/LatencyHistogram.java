package io.headroom.ingest.model;

import java.util.Arrays;

/**
 * An immutable latency histogram with fixed log-spaced buckets, mergeable across router instances.
 *
 * <p>Bucket {@code i} counts latencies in {@code (bound(i-1), bound(i)]} microseconds, where bounds grow by
 * a factor of 2^(1/4) (about 19%) from 50 µs; the last bucket is open-ended (about 6 minutes and more).
 * A fixed layout keeps the wire form small (sparse) and merge a plain element-wise sum.
 */
public final class LatencyHistogram {
    /** Number of buckets; part of the wire format version. */
    public static final int BUCKETS = 96;
    private static final double FIRST_BOUND_MICROS = 50.0;
    private static final double GROWTH = Math.pow(2.0, 0.25);
    private static final long[] BOUNDS = new long[BUCKETS];

    static {
        for (int i = 0; i < BUCKETS; i++) {
            BOUNDS[i] = Math.round(FIRST_BOUND_MICROS * Math.pow(GROWTH, i));
        }
    }

    public static final LatencyHistogram EMPTY = new LatencyHistogram(new long[BUCKETS]);

    private final long[] counts;
    private final long total;

    private LatencyHistogram(long[] counts) {
        this.counts = counts;
        long t = 0;
        for (long c : counts) {
            t += c;
        }
        this.total = t;
    }

    /** Wraps a copy of {@code counts}, which must have {@link #BUCKETS} non-negative entries. */
    public static LatencyHistogram of(long[] counts) {
        if (counts.length != BUCKETS) {
            throw new IllegalArgumentException("counts.length: " + counts.length + " (expected: " + BUCKETS + ")");
        }
        for (long c : counts) {
            if (c < 0) {
                throw new IllegalArgumentException("negative bucket count: " + c);
            }
        }
        return new LatencyHistogram(counts.clone());
    }

    /** The bucket a latency falls into. */
    public static int bucketOf(long micros) {
        if (micros <= BOUNDS[0]) {
            return 0;
        }
        int idx = Arrays.binarySearch(BOUNDS, micros);
        if (idx >= 0) {
            return idx;
        }
        int insertion = -idx - 1;
        return Math.min(insertion, BUCKETS - 1);
    }

    /** Upper bound of bucket {@code i} in microseconds. */
    public static long upperBoundMicros(int i) {
        return BOUNDS[i];
    }

    public long count(int bucket) {
        return counts[bucket];
    }

    public long totalCount() {
        return total;
    }

    public long[] toArray() {
        return counts.clone();
    }

    /** The upper bound (µs) of the bucket holding quantile {@code q} in [0,1]; 0 when empty. */
    public long quantileMicros(double q) {
        if (total == 0) {
            return 0;
        }
        long rank = (long) Math.ceil(q * total);
        if (rank < 1) {
            rank = 1;
        }
        long seen = 0;
        for (int i = 0; i < BUCKETS; i++) {
            seen += counts[i];
            if (seen >= rank) {
                return BOUNDS[i];
            }
        }
        return BOUNDS[BUCKETS - 1];
    }

    /** Approximate mean in µs, taking each bucket at its upper bound. */
    public double meanMicros() {
        if (total == 0) {
            return 0;
        }
        double sum = 0;
        for (int i = 0; i < BUCKETS; i++) {
            sum += (double) counts[i] * BOUNDS[i];
        }
        return sum / total;
    }

    public LatencyHistogram merge(LatencyHistogram other) {
        long[] sum = counts.clone();
        for (int i = 0; i < BUCKETS; i++) {
            sum[i] += other.counts[i];
        }
        return new LatencyHistogram(sum);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LatencyHistogram h && Arrays.equals(counts, h.counts);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(counts);
    }

    @Override
    public String toString() {
        return "LatencyHistogram[n=" + total + ", p50=" + quantileMicros(0.5) + "us, p99=" + quantileMicros(0.99) + "us]";
    }
}
