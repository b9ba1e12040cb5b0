package io.headroom.cli.admin;

import io.micrometer.core.instrument.Clock;
import io.micrometer.core.instrument.distribution.TimeWindowMax;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A Prometheus latency histogram family fed with counts: {@link #add} puts {@code count} observations of one value
 * into a series in one step, so folding a closed telemetry window costs one call per latency bucket, not one per
 * request as a Micrometer {@code DistributionSummary} (which has no call that records a value n times) did.
 *
 * <p>It also gets the buckets right: Micrometer 1.17's {@code DistributionSummary} rounds each recorded value up to a
 * whole number before bucketing it, so with buckets in seconds every request under one second landed in
 * {@code le="1.0"} and the sub-second buckets stayed at 0, which made {@code histogram_quantile} useless. Here a value
 * is counted in the first bucket whose upper bound is at least the value, as Prometheus defines it.
 *
 * <p>The exposition is what the summaries gave: a histogram {@code NAME} ({@code _bucket}, {@code _count},
 * {@code _sum}) and a gauge {@code NAME_max}, the largest value of the last two minutes (Micrometer's
 * {@link TimeWindowMax}, as its summaries keep it). Series are created on first use and kept; the callers bound
 * their number (routes, pools and backends from configuration; consumers capped by name). Writers and scrapes may
 * run at once: each series is updated and read under its own lock, so a scrape sees whole folds.
 */
final class LatencyFamily implements MultiCollector {
    private static final Duration MAX_EXPIRY = Duration.ofMinutes(2);
    private static final int MAX_BUFFERS = 3;

    private final String name;
    private final String help;
    private final String[] labelNames;
    private final double[] bounds;
    private final Clock clock;
    private final Map<List<String>, Series> series = new ConcurrentHashMap<>();

    /**
     * @param name       the Prometheus name, in base units ({@code headroom_request_duration_seconds})
     * @param help       the {@code # HELP} text
     * @param bounds     the buckets' upper bounds, ascending, without {@code +Inf} (which is added)
     * @param clock      the clock of the two-minute maximum
     * @param labelNames the series' label names, in the order {@link #add} takes their values
     */
    LatencyFamily(String name, String help, double[] bounds, Clock clock, String... labelNames) {
        for (int i = 1; i < bounds.length; i++) {
            if (!(bounds[i] > bounds[i - 1])) {
                throw new IllegalArgumentException("bucket bounds must ascend: " + Arrays.toString(bounds));
            }
        }
        this.name = name;
        this.help = help;
        this.bounds = Arrays.copyOf(bounds, bounds.length + 1);
        this.bounds[bounds.length] = Double.POSITIVE_INFINITY;
        this.clock = clock;
        this.labelNames = labelNames.clone();
    }

    /** Creates the family and registers it with the Prometheus registry behind {@code registry}. */
    static LatencyFamily register(PrometheusMeterRegistry registry, String name, String help, double[] bounds, String... labelNames) {
        LatencyFamily f = new LatencyFamily(name, help, bounds, registry.config().clock(), labelNames);
        registry.getPrometheusRegistry().register(f);
        return f;
    }

    /**
     * Adds {@code count} observations of {@code value} to the series with these label values (created on first use).
     *
     * @param value       the observed value, in the family's base unit
     * @param count       how many times it was observed; 0 only makes sure the series exists
     * @param labelValues one per label name, in the constructor's order
     */
    void add(double value, long count, String... labelValues) {
        if (count < 0) {
            throw new IllegalArgumentException("count must not be negative: " + count);
        }
        Series s = series(labelValues);
        if (count > 0) {
            s.add(bucketOf(value), value, count);
        }
    }

    /** Makes sure the series exists (all zeros until something is added), as a registered summary would. */
    void touch(String... labelValues) {
        series(labelValues);
    }

    /** Whether the series with these label values exists. */
    boolean has(String... labelValues) {
        return series.containsKey(List.of(labelValues));
    }

    /** How many series the family has. */
    int size() {
        return series.size();
    }

    private Series series(String... labelValues) {
        if (labelValues.length != labelNames.length) {
            throw new IllegalArgumentException(name + " takes " + labelNames.length + " label values, not " + labelValues.length);
        }
        return series.computeIfAbsent(List.of(labelValues), k -> new Series(new TimeWindowMax(clock, MAX_EXPIRY.toMillis() / MAX_BUFFERS, MAX_BUFFERS)));
    }

    /** The index of the first bucket whose upper bound is at least {@code value} ({@code +Inf} for the rest, NaN too). */
    int bucketOf(double value) {
        for (int i = 0; i < bounds.length - 1; i++) {
            if (value <= bounds[i]) {
                return i;
            }
        }
        return bounds.length - 1;
    }

    @Override
    public MetricSnapshots collect() {
        HistogramSnapshot.Builder h = HistogramSnapshot.builder().name(name).help(help);
        GaugeSnapshot.Builder max = GaugeSnapshot.builder().name(name + "_max").help(help);
        for (Map.Entry<List<String>, Series> e : series.entrySet()) {
            Labels labels = labels(e.getKey());
            Series s = e.getValue();
            long[] counts;
            double sum;
            double m;
            synchronized (s) {
                counts = s.counts.clone();
                sum = s.sum;
                m = s.max.poll();
            }
            h.dataPoint(HistogramSnapshot.HistogramDataPointSnapshot.builder()
                    .classicHistogramBuckets(ClassicHistogramBuckets.of(bounds, counts)).sum(sum).labels(labels).build());
            max.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().value(m).labels(labels).build());
        }
        return MetricSnapshots.of(h.build(), max.build());
    }

    @Override
    public List<String> getPrometheusNames() {
        return List.of(name, name + "_max");
    }

    private Labels labels(List<String> values) {
        return Labels.of(labelNames, values.toArray(String[]::new));
    }

    private final class Series {
        final long[] counts = new long[bounds.length];
        final TimeWindowMax max;
        double sum;

        Series(TimeWindowMax max) {
            this.max = max;
        }

        synchronized void add(int bucket, double value, long count) {
            counts[bucket] += count;
            sum += value * count;
            max.record(value);
        }
    }
}
