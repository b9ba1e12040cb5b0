package io.headroom.datasets;

import io.headroom.datasets.read.AccessLogTrace;
import io.headroom.datasets.read.CountCsvTrace;
import io.headroom.datasets.read.CountSeriesTrace;
import io.headroom.datasets.read.RequestTableTrace;
import io.headroom.datasets.trace.RateBucket;
import io.headroom.datasets.trace.RecordedRequest;
import io.headroom.datasets.trace.Trace;
import io.headroom.datasets.trace.TraceReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class TracesTest {
    @TempDir
    Path dir;

    @Test
    void countSeriesOfAThousandsOfValuesOnOneLineIsDetectedWithoutRecursion() throws Exception {
        // the NASA per-second file is one line of 5 million values: detection once overflowed the stack in a regex
        String line = "1 0 2".repeat(1) + " 3 -".repeat(200_000);
        assertThat(Traces.isCountSeriesLine(line)).isTrue();
        assertThat(Traces.isCountSeriesLine("1 2 x")).isFalse();
        assertThat(Traces.isCountSeriesLine("1  2\t3")).isTrue();
        assertThat(Traces.isCountSeriesLine("")).isFalse();
        assertThat(Traces.isCountSeriesLine("- 1")).isFalse();
        assertThat(Traces.isCountSeriesLine("1 ")).isFalse();
        assertThat(Traces.open(TestFiles.write(dir, "long.txt", line))).isInstanceOf(CountSeriesTrace.class);
    }

    @Test
    void detectsEachFormat() throws Exception {
        assertThat(Traces.open(TestFiles.write(dir, "s.txt.gz", "1 2 3"))).isInstanceOf(CountSeriesTrace.class);
        assertThat(Traces.open(TestFiles.write(dir, "wc.csv", "period,count\n1998-04-30 21:30:00,2\n")))
                .isInstanceOf(CountCsvTrace.class);
        assertThat(Traces.open(TestFiles.write(dir, "r.tsv.gz", "host\ttime\tmethod\turl\nh\t1\tGET\t/\n")))
                .isInstanceOf(RequestTableTrace.class);
        Trace log = Traces.open(TestFiles.write(dir, "access.log",
                "h - - [01/Jul/1995:00:00:01 -0400] \"GET / HTTP/1.0\" 200 1\n"));
        assertThat(log).isInstanceOf(AccessLogTrace.class);
        assertThat(log.kind()).isEqualTo(Trace.Kind.REQUESTS);
        assertThat(log.synthetic()).isFalse();
        assertThatThrownBy(() -> Traces.open(TestFiles.write(dir, "what.bin", "{\"json\": true}\n")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unrecognised trace format");
    }

    @Test
    void timestampPerRowCsvIsARequestTrace() throws Exception {
        Path p = TestFiles.write(dir, "llm.csv", "TIMESTAMP,ContextTokens,GeneratedTokens\n"
                + "2023-11-16 18:17:03.9799600,4808,10\nbad,1,2\n2023-11-16 18:17:04.0319600,3180,8\n");
        Trace t = Traces.open(p);
        assertThat(t.kind()).isEqualTo(Trace.Kind.REQUESTS);
        try (TraceReader<RecordedRequest> r = t.openRequests()) {
            List<RecordedRequest> got = new java.util.ArrayList<>();
            r.forEachRemaining(got::add);
            assertThat(got).containsExactly(
                    new RecordedRequest(Instant.parse("2023-11-16T18:17:03.97996Z"), "GET", "/"),
                    new RecordedRequest(Instant.parse("2023-11-16T18:17:04.03196Z"), "GET", "/"));
            assertThat(r.report().malformedSamples()).extracting(m -> m.line()).containsExactly(3L);
        }
    }

    @Test
    void realAzureLlmTraceRows() throws Exception {
        Path p = TestFiles.shared("azure-llm-inference-2023/AzureLLMInferenceTrace_code.csv.gz");
        assumeTrue(p != null, "shared Azure LLM trace absent");
        try (TraceReader<RecordedRequest> r = Traces.open(p).openRequests()) {
            long n = 0;
            while (r.hasNext()) {
                r.next();
                n++;
            }
            assertThat(n).isEqualTo(8_819);
            assertThat(r.report().malformedCount()).isZero();
        }
    }

    @Test
    void sliceAndWindow() throws Exception {
        Instant t0 = Instant.parse("2024-01-01T00:00:00Z");
        Path p = TestFiles.write(dir, "c.txt", "0 1 2 3 4 5 6 7 8 9");
        Trace t = CountSeriesTrace.perSecond(p, t0);
        List<RateBucket> s = TestFiles.drain(t.slice(t0.plusSeconds(3), t0.plusSeconds(6)).openBuckets());
        assertThat(s).extracting(RateBucket::count).containsExactly(3L, 4L, 5L);
        List<RateBucket> w = TestFiles.drain(t.window(Duration.ofSeconds(7), null).openBuckets());
        assertThat(w).extracting(RateBucket::count).containsExactly(7L, 8L, 9L);
        List<RateBucket> w2 = TestFiles.drain(t.window(Duration.ofSeconds(1), Duration.ofSeconds(2)).openBuckets());
        assertThat(w2).extracting(RateBucket::count).containsExactly(1L, 2L);
    }

    @Test
    void requestSliceKeepsOnlyTheWindow() throws Exception {
        Path p = TestFiles.write(dir, "a.log", """
                h - - [01/Jul/1995:00:00:01 -0400] "GET /a HTTP/1.0" 200 1
                h - - [01/Jul/1995:00:00:05 -0400] "GET /b HTTP/1.0" 200 1
                h - - [01/Jul/1995:00:00:04 -0400] "GET /c HTTP/1.0" 200 1
                h - - [01/Jul/1995:00:00:09 -0400] "GET /d HTTP/1.0" 200 1
                """);
        Instant from = OffsetDateTime.parse("1995-07-01T00:00:03-04:00").toInstant();
        List<RecordedRequest> r = TestFiles.drain(Traces.open(p).slice(from, from.plusSeconds(3)).openRequests());
        assertThat(r).extracting(RecordedRequest::path).containsExactly("/b", "/c");
    }

    @Test
    void realNasaLaunchDayWindow() throws Exception {
        Path p = TestFiles.shared("nasa-http-1995/nasa_1995_per_minute_derived.csv.gz");
        assumeTrue(p != null, "shared NASA per-minute file absent");
        Trace t = Traces.open(p).slice(OffsetDateTime.parse("1995-07-13T07:30-04:00").toInstant(),
                OffsetDateTime.parse("1995-07-13T11:00-04:00").toInstant());
        assertThat(t.description()).contains("NASA", "real");
        long peak = 0;
        long n = 0;
        try (TraceReader<RateBucket> r = t.openBuckets()) {
            while (r.hasNext()) {
                peak = Math.max(peak, r.next().count());
                n++;
            }
        }
        assertThat(n).isEqualTo(210);
        assertThat(peak).isEqualTo(405);
    }
}
