package io.headroom.cli.evaluate;

import io.headroom.datasets.trace.RateBucket;
import io.headroom.datasets.trace.Trace;
import io.headroom.datasets.trace.TraceReader;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;

/**
 * A trace as demand per simulation step: requests counted in each step of a fixed grid from {@code start}, with
 * {@code NaN} for steps the recording has no data for (an outage, a hole between files). A gap is unknown demand, not
 * zero demand: the evaluation neither scores nor decides on it.
 *
 * @param name        the trace's short name
 * @param description the trace's one-line description
 * @param synthetic   true for a generated workload
 * @param start       start of step 0
 * @param step        length of one step
 * @param counts      requests per step, {@code NaN} = gap
 */
public record DemandSeries(String name, String description, boolean synthetic, Instant start, Duration step, double[] counts) {
    public DemandSeries {
        Objects.requireNonNull(start, "start");
        Objects.requireNonNull(step, "step");
        if (step.isNegative() || step.isZero()) {
            throw new IllegalArgumentException("step: " + step + " (expected: > 0)");
        }
    }

    /**
     * Reads {@code trace} into steps of {@code step} (null: the trace's own bucket length, raised to one minute when
     * shorter). The step must be a whole multiple of the trace's bucket length. A step is a gap when any bucket in it
     * is a gap or no bucket falls in it.
     */
    public static DemandSeries read(Trace trace, Duration step) throws IOException {
        double[] counts = new double[1024];
        boolean[] gap = new boolean[1024];
        boolean[] seen = new boolean[1024];
        Instant start = null;
        Duration s = step;
        int n = 0;
        try (TraceReader<RateBucket> r = trace.openBuckets()) {
            while (r.hasNext()) {
                RateBucket b = r.next();
                if (start == null) {
                    Duration bucket = b.duration();
                    if (s == null) {
                        s = bucket.compareTo(Duration.ofMinutes(1)) < 0 ? Duration.ofMinutes(1) : bucket;
                    }
                    if (s.toMillis() % bucket.toMillis() != 0) {
                        throw new IllegalArgumentException("--step " + s + " is not a whole multiple of the trace's " + bucket
                                + " buckets: use a multiple of " + bucket);
                    }
                    long stepMs = s.toMillis();
                    start = Instant.ofEpochMilli(Math.floorDiv(b.start().toEpochMilli(), stepMs) * stepMs);
                }
                long i = Math.floorDiv(Duration.between(start, b.start()).toMillis(), s.toMillis());
                if (i < 0) {
                    continue; // slightly out of order at the very start: ignore, as a slice would
                }
                if (i >= Integer.MAX_VALUE - 16) {
                    throw new IllegalArgumentException(trace.name() + ": more steps than fit in memory at step " + s);
                }
                int k = (int) i;
                if (k >= counts.length) {
                    int len = Math.max(k + 1, counts.length * 2);
                    counts = Arrays.copyOf(counts, len);
                    gap = Arrays.copyOf(gap, len);
                    seen = Arrays.copyOf(seen, len);
                }
                counts[k] += b.count();
                gap[k] |= b.gap();
                seen[k] = true;
                n = Math.max(n, k + 1);
            }
        }
        if (start == null) {
            throw new IllegalArgumentException(trace.name() + ": the trace (or the slice of it) has no data");
        }
        double[] out = Arrays.copyOf(counts, n);
        for (int i = 0; i < n; i++) {
            if (gap[i] || !seen[i]) {
                out[i] = Double.NaN;
            }
        }
        return new DemandSeries(trace.name(), trace.description(), trace.synthetic(), start, s, out);
    }

    /** A series from literal counts (tests, generated shapes). */
    public static DemandSeries of(String name, Instant start, Duration step, double... counts) {
        return new DemandSeries(name, name, true, start, step, counts.clone());
    }

    public int length() {
        return counts.length;
    }

    public double stepSeconds() {
        return step.toMillis() / 1000.0;
    }

    public boolean isGap(int i) {
        return Double.isNaN(counts[i]);
    }

    /** Requests per second during step {@code i} (NaN for a gap). */
    public double rate(int i) {
        return counts[i] / stepSeconds();
    }

    public Instant timeOf(int i) {
        return start.plus(step.multipliedBy(i));
    }

    /** Highest rate of any recorded step, in req/s (0 when all are gaps). */
    public double peakRate() {
        double m = 0;
        for (double c : counts) {
            if (!Double.isNaN(c)) {
                m = Math.max(m, c);
            }
        }
        return m / stepSeconds();
    }

    /** Index of the busiest recorded step (0 when all are gaps). */
    public int peakIndex() {
        int best = 0;
        for (int i = 0; i < counts.length; i++) {
            if (!Double.isNaN(counts[i]) && (Double.isNaN(counts[best]) || counts[i] > counts[best])) {
                best = i;
            }
        }
        return best;
    }

    public int recordedSteps() {
        int k = 0;
        for (double c : counts) {
            k += Double.isNaN(c) ? 0 : 1;
        }
        return k;
    }
}
