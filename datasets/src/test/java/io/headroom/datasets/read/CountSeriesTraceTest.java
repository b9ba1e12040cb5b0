package io.headroom.datasets.read;

import io.headroom.datasets.TestFiles;
import io.headroom.datasets.trace.RateBucket;
import io.headroom.datasets.trace.TraceReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class CountSeriesTraceTest {
    @TempDir
    Path dir;

    private static final Instant T0 = Instant.parse("2024-05-01T10:00:00Z");

    @Test
    void onePerLineWithConfiguredStart() throws Exception {
        Path p = TestFiles.write(dir, "counts.txt", "3\n0\n7\n");
        List<RateBucket> b = TestFiles.drain(CountSeriesTrace.perSecond(p, T0).openBuckets());
        assertThat(b).containsExactly(
                new RateBucket(T0, Duration.ofSeconds(1), 3, false),
                new RateBucket(T0.plusSeconds(1), Duration.ofSeconds(1), 0, false),
                new RateBucket(T0.plusSeconds(2), Duration.ofSeconds(1), 7, false));
    }

    @Test
    void spaceSeparatedGzipWithMalformedValuesKeepsTheirSlotsAsGaps() throws Exception {
        Path p = TestFiles.write(dir, "counts.txt.gz", "1 2 x 4\n5 -6 7\n");
        try (TraceReader<RateBucket> r = CountSeriesTrace.perSecond(p, T0).openBuckets()) {
            List<RateBucket> b = new java.util.ArrayList<>();
            r.forEachRemaining(b::add);
            assertThat(b).extracting(RateBucket::count).containsExactly(1L, 2L, 0L, 4L, 5L, 0L, 7L);
            assertThat(b).extracting(RateBucket::gap).containsExactly(false, false, true, false, false, true, false);
            assertThat(b.get(6).start()).isEqualTo(T0.plusSeconds(6));
            assertThat(r.report().malformedCount()).isEqualTo(2);
            assertThat(r.report().recordsRead()).isEqualTo(5);
            assertThat(r.report().malformedSamples()).extracting(m -> m.line()).containsExactly(1L, 2L);
            assertThat(r.report().malformedSamples().get(0).reason()).contains("value #3");
            assertThat(r.report().malformedSamples().get(1).reason()).contains("value #2");
            assertThat(r.report().malformedSamples().get(0).text()).isEqualTo("x");
        }
    }

    @Test
    void segmentsRestartTimeForConcatenatedRecordings() throws Exception {
        Path p = TestFiles.write(dir, "c.txt", "1 1 1 1");
        Instant later = T0.plus(Duration.ofDays(3));
        List<RateBucket> b = TestFiles.drain(CountSeriesTrace.builder(p).start(T0).segment(2, later).build().openBuckets());
        assertThat(b).extracting(RateBucket::start).containsExactly(T0, T0.plusSeconds(1), later, later.plusSeconds(1));
    }

    @Test
    void nasaPerSecondRealFileMapsTimesAndSums() throws Exception {
        Path p = TestFiles.shared("nasa-http-1995/nasa_1995_per_second_counts.txt.gz");
        assumeTrue(p != null, "shared NASA per-second file absent");
        long sum = 0;
        long n = 0;
        RateBucket aug = null;
        try (TraceReader<RateBucket> r = CountSeriesTrace.nasa1995(p).openBuckets()) {
            while (r.hasNext()) {
                RateBucket b = r.next();
                if (n == CountSeriesTrace.NASA_1995_AUGUST_INDEX) {
                    aug = b;
                }
                sum += b.count();
                n++;
            }
            assertThat(r.report().malformedCount()).isZero();
        }
        assertThat(n).isEqualTo(5_059_950L);
        assertThat(sum).isEqualTo(3_461_610L);
        assertThat(aug.start()).isEqualTo(OffsetDateTime.parse("1995-08-01T00:00:01-04:00").toInstant());
    }
}
