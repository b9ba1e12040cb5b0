package io.headroom.datasets.synthetic;

import io.headroom.datasets.trace.AbstractTraceReader;
import io.headroom.datasets.trace.RateBucket;
import io.headroom.datasets.trace.ReadReport;
import io.headroom.datasets.trace.RecordedRequest;
import io.headroom.datasets.trace.Trace;
import io.headroom.datasets.trace.TraceReader;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * A generated (synthetic, not recorded) workload for when the real traces are absent: a daily cycle
 * (cosine peaking at {@code peakTime} UTC), a flash crowd (linear ramp to {@code flashMultiplier}× over
 * {@code flashRamp}, then exponential decay with {@code flashDecay} as time constant) and Poisson noise,
 * in buckets (default one minute). Deterministic for a seed: every {@link #openBuckets()} yields the same series.
 */
public final class SyntheticWorkload implements Trace {
    private final long seed;
    private final Instant start;
    private final Duration length;
    private final Duration bucket;
    private final double meanPerBucket;
    private final double dailyAmplitude;
    private final LocalTime peakTime;
    private final Duration flashAt;
    private final double flashMultiplier;
    private final Duration flashRamp;
    private final Duration flashDecay;

    private SyntheticWorkload(Builder b) {
        this.seed = b.seed;
        this.start = b.start;
        this.length = b.length;
        this.bucket = b.bucket;
        this.meanPerBucket = b.meanPerBucket;
        this.dailyAmplitude = b.dailyAmplitude;
        this.peakTime = b.peakTime;
        this.flashAt = b.flashAt;
        this.flashMultiplier = b.flashMultiplier;
        this.flashRamp = b.flashRamp;
        this.flashDecay = b.flashDecay;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Defaults: one day from 2024-01-01T00:00Z, 600/min mean, ±60 % daily cycle peaking 15:00, 6× flash crowd at 09:45. */
    public static SyntheticWorkload defaults(long seed) {
        return builder().seed(seed).build();
    }

    @Override
    public String name() {
        return "synthetic-daily-flash-seed" + seed;
    }

    @Override
    public String description() {
        return "SYNTHETIC workload (generated, not recorded): seed " + seed + ", " + length + " from " + start
                + ", mean " + meanPerBucket + " per " + bucket + ", daily amplitude " + dailyAmplitude
                + " peaking " + peakTime + " UTC, flash crowd " + flashMultiplier + "x at +" + flashAt
                + " (ramp " + flashRamp + ", decay " + flashDecay + "), Poisson noise";
    }

    @Override
    public boolean synthetic() {
        return true;
    }

    @Override
    public Kind kind() {
        return Kind.RATE;
    }

    public Instant start() {
        return start;
    }

    /** Instant the flash crowd starts ramping. */
    public Instant flashStart() {
        return start.plus(flashAt);
    }

    /** The noise-free rate (requests per bucket) at {@code t}. */
    public double expected(Instant t) {
        double secOfDay = t.getEpochSecond() % 86_400 + t.getNano() / 1e9;
        double phase = 2 * Math.PI * (secOfDay - peakTime.toSecondOfDay()) / 86_400.0;
        double base = meanPerBucket * (1 + dailyAmplitude * Math.cos(phase));
        double dt = Duration.between(flashStart(), t).toNanos() / 1e9;
        double shape = 0;
        if (dt >= 0) {
            double ramp = flashRamp.toNanos() / 1e9;
            shape = dt < ramp ? dt / ramp : Math.exp(-(dt - ramp) / (flashDecay.toNanos() / 1e9));
        }
        return Math.max(0, base * (1 + (flashMultiplier - 1) * shape));
    }

    @Override
    public TraceReader<RateBucket> openBuckets() {
        ReadReport report = new ReadReport(name());
        long n = length.toNanos() / bucket.toNanos();
        SplittableRandom random = new SplittableRandom(seed);
        return new AbstractTraceReader<>() {
            private long i;

            @Override
            protected RateBucket computeNext() {
                if (i >= n) {
                    return null;
                }
                Instant t = start.plus(bucket.multipliedBy(i++));
                double lambda = expected(t.plus(bucket.dividedBy(2)));
                report.line();
                report.record();
                return new RateBucket(t, bucket, poisson(random, lambda), false);
            }

            @Override
            public ReadReport report() {
                return report;
            }

            @Override
            public void close() {
            }
        };
    }

    @Override
    public TraceReader<RecordedRequest> openRequests() {
        throw new UnsupportedOperationException(name() + " is a rate trace; use Arrivals.poisson(openBuckets(), ...)");
    }

    /**
     * Poisson sample: Knuth's product method for small means; for large means the normal approximation
     * (rounded, clamped at 0), whose error is far below the noise a replay cares about.
     */
    static long poisson(SplittableRandom r, double lambda) {
        if (lambda <= 0) {
            return 0;
        }
        if (lambda < 30) {
            double l = Math.exp(-lambda);
            long k = 0;
            double p = r.nextDouble();
            while (p > l) {
                k++;
                p *= r.nextDouble();
            }
            return k;
        }
        // Box-Muller from the seeded source (no hidden ThreadLocalRandom)
        double u1 = 1 - r.nextDouble();
        double u2 = r.nextDouble();
        double z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
        return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * z));
    }

    @Override
    public String toString() {
        return description();
    }

    /** Options, checked eagerly. */
    public static final class Builder {
        private long seed = 42;
        private Instant start = Instant.parse("2024-01-01T00:00:00Z");
        private Duration length = Duration.ofDays(1);
        private Duration bucket = Duration.ofMinutes(1);
        private double meanPerBucket = 600;
        private double dailyAmplitude = 0.6;
        private LocalTime peakTime = LocalTime.of(15, 0);
        private Duration flashAt = Duration.ofHours(9).plusMinutes(45);
        private double flashMultiplier = 6;
        private Duration flashRamp = Duration.ofMinutes(5);
        private Duration flashDecay = Duration.ofMinutes(20);

        private Builder() {
        }

        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        public Builder start(Instant start) {
            this.start = Objects.requireNonNull(start, "start");
            return this;
        }

        public Builder length(Duration length) {
            this.length = positive("length", length);
            return this;
        }

        public Builder bucket(Duration bucket) {
            this.bucket = positive("bucket", bucket);
            return this;
        }

        /** Mean requests per bucket before the daily cycle and the flash crowd. */
        public Builder meanPerBucket(double mean) {
            if (!(mean >= 0)) {
                throw new IllegalArgumentException("meanPerBucket: " + mean + " (expected: >= 0)");
            }
            this.meanPerBucket = mean;
            return this;
        }

        public Builder dailyAmplitude(double amplitude) {
            if (!(amplitude >= 0 && amplitude <= 1)) {
                throw new IllegalArgumentException("dailyAmplitude: " + amplitude + " (expected: 0..1)");
            }
            this.dailyAmplitude = amplitude;
            return this;
        }

        public Builder peakTime(LocalTime peakUtc) {
            this.peakTime = Objects.requireNonNull(peakUtc, "peakTime");
            return this;
        }

        /** Flash crowd start, as an offset from {@link #start}. */
        public Builder flashAt(Duration offset) {
            if (offset.isNegative()) {
                throw new IllegalArgumentException("flashAt: " + offset + " (expected: >= 0)");
            }
            this.flashAt = offset;
            return this;
        }

        public Builder flashMultiplier(double multiplier) {
            if (!(multiplier >= 1)) {
                throw new IllegalArgumentException("flashMultiplier: " + multiplier + " (expected: >= 1)");
            }
            this.flashMultiplier = multiplier;
            return this;
        }

        public Builder flashRamp(Duration ramp) {
            this.flashRamp = positive("flashRamp", ramp);
            return this;
        }

        public Builder flashDecay(Duration decay) {
            this.flashDecay = positive("flashDecay", decay);
            return this;
        }

        public SyntheticWorkload build() {
            if (bucket.compareTo(length) > 0) {
                throw new IllegalArgumentException("bucket: " + bucket + " (expected: <= length " + length + ")");
            }
            return new SyntheticWorkload(this);
        }

        private static Duration positive(String what, Duration d) {
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(what + ": " + d + " (expected: > 0)");
            }
            return d;
        }
    }
}
