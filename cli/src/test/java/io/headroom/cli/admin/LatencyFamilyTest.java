package io.headroom.cli.admin;

import io.headroom.ingest.model.BackendStats;
import io.headroom.ingest.model.LatencyHistogram;
import io.headroom.ingest.model.TelemetryWindow;
import io.micrometer.core.instrument.MockClock;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static io.headroom.cli.admin.AdminServerTest.counter;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LatencyFamilyTest {
    private static final double[] BOUNDS = {0.001, 0.01, 0.1, 1, 10};

    @Test
    void aValueIsCountedInTheFirstBucketWhoseBoundHoldsIt() {
        LatencyFamily f = new LatencyFamily("t_seconds", "t", BOUNDS, new MockClock(), "route");
        assertThat(f.bucketOf(0.0005)).isZero();
        assertThat(f.bucketOf(0.001)).as("a value on a bound is in that bucket (le)").isZero();
        assertThat(f.bucketOf(0.0011)).isEqualTo(1);
        assertThat(f.bucketOf(0.05)).isEqualTo(2);
        assertThat(f.bucketOf(10)).isEqualTo(4);
        assertThat(f.bucketOf(10.5)).as("+Inf").isEqualTo(5);
        assertThat(f.bucketOf(Double.NaN)).isEqualTo(5);
    }

    @Test
    void subSecondValuesStayInSubSecondBucketsAndCountsAddInOneStep() {
        PrometheusMeterRegistry r = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        LatencyFamily f = LatencyFamily.register(r, "t_request_duration_seconds", "Request latency", BOUNDS, "route", "pool");
        f.add(0.0005, 3, "api", "p");
        f.add(0.05, 5_000_000_000L, "api", "p"); // five billion: one step, not one per observation
        f.add(2, 1, "api", "p");
        String m = r.scrape();
        assertThat(m).contains("# TYPE t_request_duration_seconds histogram").contains("# HELP t_request_duration_seconds Request latency")
                .contains("# TYPE t_request_duration_seconds_max gauge");
        assertThat(counter(m, "t_request_duration_seconds_bucket", "le=\"0.001\"")).isEqualTo(3.0);
        assertThat(counter(m, "t_request_duration_seconds_bucket", "le=\"0.01\"")).isEqualTo(3.0);
        assertThat(counter(m, "t_request_duration_seconds_bucket", "le=\"0.1\"")).isEqualTo(5_000_000_003.0);
        assertThat(counter(m, "t_request_duration_seconds_bucket", "le=\"1.0\"")).isEqualTo(5_000_000_003.0);
        assertThat(counter(m, "t_request_duration_seconds_bucket", "le=\"10.0\"")).isEqualTo(5_000_000_004.0);
        assertThat(counter(m, "t_request_duration_seconds_bucket", "le=\"+Inf\"")).isEqualTo(5_000_000_004.0);
        assertThat(counter(m, "t_request_duration_seconds_count", "route=\"api\"")).isEqualTo(5_000_000_004.0);
        assertThat(counter(m, "t_request_duration_seconds_sum", "pool=\"p\"")).isCloseTo(0.0015 + 2.5e8 + 2, org.assertj.core.data.Offset.offset(1e-3));
        assertThat(counter(m, "t_request_duration_seconds_max", "route=\"api\"")).isEqualTo(2.0);
        assertThat(m).contains("t_request_duration_seconds_bucket{pool=\"p\",route=\"api\",le=\"0.001\"} 3");
    }

    @Test
    void aTouchedSeriesIsExportedAtZeroAndSeriesAreKeptApart() {
        PrometheusMeterRegistry r = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        LatencyFamily f = LatencyFamily.register(r, "t_seconds", "t", BOUNDS, "consumer");
        f.touch("alice");
        f.add(0.2, 2, "bob");
        f.add(0.2, 0, "carol"); // a count of 0 only makes the series
        assertThat(f.has("alice")).isTrue();
        assertThat(f.has("dave")).isFalse();
        assertThat(f.size()).isEqualTo(3);
        String m = r.scrape();
        assertThat(counter(m, "t_seconds_count", "consumer=\"alice\"")).isZero();
        assertThat(m).contains("t_seconds_count{consumer=\"alice\"} 0").contains("t_seconds_count{consumer=\"carol\"} 0");
        assertThat(counter(m, "t_seconds_bucket", "consumer=\"bob\",le=\"1.0\"")).isEqualTo(2.0);
        assertThat(counter(m, "t_seconds_bucket", "consumer=\"bob\",le=\"0.1\"")).isZero();
    }

    @Test
    void theMaxCoversTheLastTwoMinutes() {
        MockClock clock = new MockClock();
        LatencyFamily f = new LatencyFamily("t_seconds", "t", BOUNDS, clock, "route");
        f.add(0.5, 1, "api");
        f.add(0.02, 10, "api");
        assertThat(max(f)).isEqualTo(0.5);
        clock.add(Duration.ofSeconds(150));
        f.add(0.003, 1, "api");
        assertThat(max(f)).as("0.5 is older than two minutes").isEqualTo(0.003);
    }

    @Test
    void badArgumentsAreRefusedWithWhatWasWrong() {
        assertThatThrownBy(() -> new LatencyFamily("t_seconds", "t", new double[] {0.1, 0.1}, new MockClock(), "route"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ascend");
        LatencyFamily f = new LatencyFamily("t_seconds", "t", BOUNDS, new MockClock(), "route", "pool");
        assertThatThrownBy(() -> f.add(0.1, 1, "api")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("t_seconds takes 2 label values, not 1");
        assertThatThrownBy(() -> f.add(0.1, -1, "api", "p")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("negative");
    }

    @Test
    void aWindowFoldsIntoTheRequestHistogramsBucketByBucket() {
        long[] counts = new long[LatencyHistogram.BUCKETS];
        counts[LatencyHistogram.bucketOf(2_000)] = 1_000; // 2 ms
        counts[LatencyHistogram.bucketOf(300_000)] = 3; // 300 ms
        LatencyHistogram h = LatencyHistogram.of(counts);
        BackendStats b = new BackendStats("10.0.0.1:80", 1_003, 1_003, 0, 0, 0, 0, 0, 0, 0, h);
        try (HeadroomMetrics metrics = new HeadroomMetrics()) {
            metrics.onWindow(new TelemetryWindow("i", 1, 0, 1000, "api", "p", List.of(b)));
            metrics.onWindow(new TelemetryWindow("i", 2, 1000, 1000, "api", "p", List.of(b)));
            String m = metrics.scrape();
            for (String name : List.of("headroom_request_duration_seconds", "headroom_backend_request_duration_seconds")) {
                assertThat(counter(m, name + "_count", "route=\"api\"")).as(name).isEqualTo(2_006.0);
                assertThat(counter(m, name + "_bucket", "le=\"0.001\"")).as(name).isZero();
                assertThat(counter(m, name + "_bucket", "le=\"0.0025\"")).as(name + ": the 2 ms requests").isEqualTo(2_000.0);
                assertThat(counter(m, name + "_bucket", "le=\"0.25\"")).as(name).isEqualTo(2_000.0);
                assertThat(counter(m, name + "_bucket", "le=\"0.5\"")).as(name + ": and the 300 ms ones").isEqualTo(2_006.0);
                assertThat(counter(m, name + "_sum", "route=\"api\"")).as(name).isPositive();
            }
            assertThat(m).contains("backend=\"10.0.0.1:80\"");
        }
    }

    private static double max(LatencyFamily f) {
        return f.collect().stream().filter(s -> s.getMetadata().getPrometheusName().equals("t_seconds_max"))
                .flatMap(s -> s.getDataPoints().stream()).mapToDouble(p -> ((io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot) p).getValue())
                .findFirst().orElseThrow();
    }
}
