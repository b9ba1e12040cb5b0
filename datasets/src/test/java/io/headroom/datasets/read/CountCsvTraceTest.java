package io.headroom.datasets.read;

import io.headroom.datasets.TestFiles;
import io.headroom.datasets.trace.RateBucket;
import io.headroom.datasets.trace.TraceReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class CountCsvTraceTest {
    @TempDir
    Path dir;

    @Test
    void nasaLayoutUsesEpochAndOutageFlag() throws Exception {
        Path p = TestFiles.write(dir, "nasa.csv.gz", """
                minute_start_local,epoch_s,requests,outage
                1995-08-01T14:52-04:00,807303120,12,0
                1995-08-01T14:53-04:00,807303180,0,1
                """);
        List<RateBucket> b = TestFiles.drain(CountCsvTrace.of(p).openBuckets());
        assertThat(b).containsExactly(
                new RateBucket(Instant.ofEpochSecond(807303120), Duration.ofMinutes(1), 12, false),
                new RateBucket(Instant.ofEpochSecond(807303180), Duration.ofMinutes(1), 0, true));
    }

    @Test
    void worldCupLayoutIsGmtAndMalformedRowsAreCountedWithLineNumbers() throws Exception {
        Path p = TestFiles.write(dir, "wc.csv", """
                period,count
                1998-04-30 21:30:00,2
                1998-04-30 21:31:00,eleven
                not-a-date,5

                1998-04-30 21:33:00
                1998-04-30 21:34:00,-1
                1998-04-30 21:35:00,7
                """);
        try (TraceReader<RateBucket> r = CountCsvTrace.of(p).openBuckets()) {
            List<RateBucket> b = new ArrayList<>();
            r.forEachRemaining(b::add);
            assertThat(b).extracting(RateBucket::start).containsExactly(
                    Instant.parse("1998-04-30T21:30:00Z"), Instant.parse("1998-04-30T21:35:00Z"));
            assertThat(b).extracting(RateBucket::count).containsExactly(2L, 7L);
            assertThat(r.report().malformedCount()).isEqualTo(4);
            assertThat(r.report().malformedSamples()).extracting(m -> m.line()).containsExactly(3L, 4L, 6L, 7L);
            assertThat(r.report().toString()).contains("line 3", "eleven");
        }
    }

    @Test
    void explicitColumnsAndZone() throws Exception {
        Path p = TestFiles.write(dir, "x.csv", "when;hits;other\n2024-03-10 01:00;5;z\n");
        List<RateBucket> b = TestFiles.drain(CountCsvTrace.builder(p).separator(';').timeColumn("when").countColumn("hits")
                .zone(ZoneId.of("America/New_York")).bucket(Duration.ofMinutes(5)).build().openBuckets());
        assertThat(b).containsExactly(new RateBucket(Instant.parse("2024-03-10T06:00:00Z"), Duration.ofMinutes(5), 5, false));
    }

    @Test
    void missingColumnSaysWhatToDo() throws Exception {
        Path p = TestFiles.write(dir, "y.csv", "a,b\n1,2\n");
        assertThatThrownBy(() -> CountCsvTrace.of(p).openBuckets())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("y.csv:1").hasMessageContaining("timeColumn");
    }

    @Test
    void realNasaPerMinuteTotal() throws Exception {
        Path p = TestFiles.shared("nasa-http-1995/nasa_1995_per_minute_derived.csv.gz");
        assumeTrue(p != null, "shared NASA per-minute file absent");
        long total = 0;
        long rows = 0;
        long gaps = 0;
        try (TraceReader<RateBucket> r = CountCsvTrace.of(p).openBuckets()) {
            while (r.hasNext()) {
                RateBucket b = r.next();
                total += b.count();
                rows++;
                gaps += b.gap() ? 1 : 0;
            }
            assertThat(r.report().malformedCount()).isZero();
        }
        assertThat(rows).isEqualTo(84_333);
        assertThat(total).isEqualTo(3_461_612L);
        assertThat(gaps).isPositive();
    }

    @Test
    void realWorldCupTotal() throws Exception {
        Path p = TestFiles.shared("worldcup98/wc98_requests_per_minute.csv.gz");
        assumeTrue(p != null, "shared WorldCup98 file absent");
        long total = 0;
        long rows = 0;
        RateBucket first = null;
        try (TraceReader<RateBucket> r = CountCsvTrace.of(p).openBuckets()) {
            while (r.hasNext()) {
                RateBucket b = r.next();
                first = first == null ? b : first;
                total += b.count();
                rows++;
            }
            assertThat(r.report().malformedCount()).isZero();
        }
        assertThat(rows).isEqualTo(125_300);
        assertThat(total).isEqualTo(1_352_804_107L);
        assertThat(first.start()).isEqualTo(Instant.parse("1998-04-30T21:30:00Z"));
    }
}
