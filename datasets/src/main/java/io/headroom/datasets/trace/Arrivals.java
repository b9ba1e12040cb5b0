package io.headroom.datasets.trace;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.SplittableRandom;

/** Turns rate buckets into individual request arrivals, and requests back into buckets. */
public final class Arrivals {
    private Arrivals() {
    }

    /**
     * Poisson arrivals: each bucket's exact count spread over the bucket as a Poisson process
     * conditioned on that count (sorted uniform points), so totals match the trace exactly.
     * Streams in O(1) memory per bucket: the k-th smallest of n uniforms is drawn incrementally
     * ({@code x += (1 - x) * (1 - U^(1/remaining))}). Deterministic for a seed.
     */
    public static TraceReader<RecordedRequest> poisson(TraceReader<RateBucket> buckets, long seed,
                                                       String method, String path) {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(path, "path");
        SplittableRandom random = new SplittableRandom(seed);
        return new AbstractTraceReader<>() {
            private RateBucket bucket;
            private long remaining;
            private double x;

            @Override
            protected RecordedRequest computeNext() {
                while (remaining == 0) {
                    if (!buckets.hasNext()) {
                        return null;
                    }
                    bucket = buckets.next();
                    remaining = bucket.gap() ? 0 : bucket.count();
                    x = 0;
                }
                double u = random.nextDouble();
                x += (1 - x) * (1 - Math.pow(1 - u, 1.0 / remaining));
                remaining--;
                long nanos = (long) (x * bucket.duration().toNanos());
                return new RecordedRequest(bucket.start().plusNanos(nanos), method, path);
            }

            @Override
            public ReadReport report() {
                return buckets.report();
            }

            @Override
            public void close() {
                buckets.close();
            }
        };
    }

    /**
     * Counts requests into fixed buckets aligned to the epoch. A request earlier than the current
     * bucket (out of order) is counted into the current bucket rather than dropped.
     */
    public static TraceReader<RateBucket> bucketize(TraceReader<RecordedRequest> requests, Duration width) {
        long w = width.toNanos();
        if (w <= 0) {
            throw new IllegalArgumentException("width: " + width + " (expected: > 0)");
        }
        return new AbstractTraceReader<>() {
            private RecordedRequest pending;
            private Instant current;
            private long count;
            private boolean ended;

            @Override
            protected RateBucket computeNext() {
                if (ended) {
                    return null;
                }
                while (true) {
                    RecordedRequest r = pending != null ? pending : (requests.hasNext() ? requests.next() : null);
                    pending = null;
                    if (r == null) {
                        ended = true;
                        return current == null ? null : new RateBucket(current, width, count, false);
                    }
                    Instant start = align(r.at(), w);
                    if (current == null) {
                        current = start;
                    }
                    if (start.isAfter(current)) {
                        RateBucket done = new RateBucket(current, width, count, false);
                        current = current.plus(width);
                        count = 0;
                        pending = r;
                        return done; // empty buckets in between come out as zero-count buckets
                    }
                    count++;
                }
            }

            @Override
            public ReadReport report() {
                return requests.report();
            }

            @Override
            public void close() {
                requests.close();
            }
        };
    }

    static Instant align(Instant t, long widthNanos) {
        if (widthNanos % 1_000_000_000L == 0) {
            long ws = widthNanos / 1_000_000_000L;
            return Instant.ofEpochSecond(Math.floorDiv(t.getEpochSecond(), ws) * ws);
        }
        long total = Math.addExact(Math.multiplyExact(t.getEpochSecond(), 1_000_000_000L), t.getNano());
        return Instant.ofEpochSecond(0, Math.floorDiv(total, widthNanos) * widthNanos);
    }
}
