package io.headroom.datasets.read;

import io.headroom.datasets.TestFiles;
import io.headroom.datasets.Traces;
import io.headroom.datasets.trace.MultiSeriesTrace;
import io.headroom.datasets.trace.RateBucket;
import io.headroom.datasets.trace.ReadReport;
import io.headroom.datasets.trace.Trace;
import io.headroom.datasets.trace.TraceReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class AzureFunctionsTraceTest {
    @TempDir
    Path dir;

    private Path sample() throws Exception {
        return TestFiles.write(dir, "inv.csv.gz", """
                HashFunction,HashApp,HashOwner,minute_1,minute_2,minute_3
                aaa111,app,own,1,0,5
                bbb222,app,own,10,20,30
                ccc333,app,own,1,2
                bbb999,app,own,x,1,1
                abc444,app,own,100,-1,0
                abc555,app,own,0,0,7
                """);
    }

    @Test
    void aggregateSumsWellFormedRowsAndReportsTheOthersByLine() throws Exception {
        Trace t = Traces.open(sample());
        assertThat(t).isInstanceOf(AzureFunctionsTrace.class);
        assertThat(t.kind()).isEqualTo(Trace.Kind.RATE);
        assertThat(t.description()).contains("sum over all functions", "day not recorded");
        try (TraceReader<RateBucket> r = t.openBuckets()) {
            List<RateBucket> b = new java.util.ArrayList<>();
            r.forEachRemaining(b::add);
            assertThat(b).extracting(RateBucket::count).containsExactly(11L, 20L, 42L);
            assertThat(b).extracting(RateBucket::start).containsExactly(Instant.EPOCH, Instant.ofEpochSecond(60),
                    Instant.ofEpochSecond(120));
            ReadReport rep = r.report();
            assertThat(rep.recordsRead()).isEqualTo(3);
            assertThat(rep.malformedSamples()).extracting(ReadReport.Malformed::line).containsExactly(4L, 5L, 6L);
            assertThat(rep.malformedSamples().get(0).reason()).isEqualTo("expected 6 fields, found 5");
            assertThat(rep.malformedSamples().get(1).reason()).contains("minute_1", "'x'");
            assertThat(rep.malformedSamples().get(2).reason()).contains("minute_2", "'-1'");
        }
    }

    @Test
    void oneFunctionByNameOrUniquePrefix() throws Exception {
        MultiSeriesTrace t = AzureFunctionsTrace.of(sample(), Instant.parse("2019-07-15T00:00:00Z"));
        assertThat(t.seriesNames()).containsExactly("aaa111", "bbb222", "bbb999", "abc444", "abc555");
        Trace a = t.series("AAA");
        assertThat(a.name()).endsWith("#aaa111");
        List<RateBucket> b = TestFiles.drain(a.openBuckets());
        assertThat(b).extracting(RateBucket::count).containsExactly(1L, 0L, 5L);
        assertThat(b.getFirst().start()).isEqualTo(Instant.parse("2019-07-15T00:00:00Z"));
        assertThat(TestFiles.drain(t.series("abc555").openBuckets())).extracting(RateBucket::count).containsExactly(0L, 0L, 7L);
        assertThat(t.series("all")).isSameAs(t);
        assertThatThrownBy(() -> t.series("ab")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("matches 2 functions", "abc444", "abc555");
        assertThatThrownBy(() -> t.series("zzz")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no function named or starting with 'zzz'", "'all'");
        // a function whose only row is malformed yields no buckets, and the report says why
        try (TraceReader<RateBucket> r = t.series("bbb9").openBuckets()) {
            assertThat(r.hasNext()).isFalse();
            assertThat(r.report().malformedSamples()).extracting(ReadReport.Malformed::line).contains(5L);
        }
    }

    @Test
    void originalAzureLayoutWithTriggerAndNumberedMinutes() throws Exception {
        Path p = TestFiles.write(dir, "invocations_per_function_md.anon.d01.csv",
                "HashOwner,HashApp,HashFunction,Trigger,1,2\no,a,f1,http,3,4\no,a,f2,timer,1,0\n");
        Trace t = Traces.open(p);
        assertThat(t).isInstanceOf(AzureFunctionsTrace.class);
        assertThat(TestFiles.drain(t.openBuckets())).extracting(RateBucket::count).containsExactly(4L, 4L);
        assertThat(TestFiles.drain(((MultiSeriesTrace) t).series("f2").openBuckets()))
                .extracting(RateBucket::count).containsExactly(1L, 0L);
    }

    @Test
    void durationAndMemoryFilesAreNotTakenForTheMatrix() {
        assertThat(AzureFunctionsTrace.looksLike("HashFunction,HashApp,HashOwner,Count,Average,Minimum")).isFalse();
        assertThat(AzureFunctionsTrace.looksLike("period,count")).isFalse();
    }

    @Test
    void realSampleTotalsMatchTheReadme() throws Exception {
        Path p = TestFiles.shared("azure-functions-2019-sample1000/azure2019_sample1000_inv.csv.gz");
        assumeTrue(p != null, "shared Azure Functions sample absent");
        MultiSeriesTrace t = (MultiSeriesTrace) Traces.open(p);
        long total = 0;
        long min = Long.MAX_VALUE;
        long max = 0;
        int argMax = -1;
        int n = 0;
        try (TraceReader<RateBucket> r = t.openBuckets()) {
            while (r.hasNext()) {
                long c = r.next().count();
                total += c;
                min = Math.min(min, c);
                if (c > max) {
                    max = c;
                    argMax = n;
                }
                n++;
            }
            assertThat(r.report().malformedCount()).isZero();
            assertThat(r.report().recordsRead()).isEqualTo(1_000);
        }
        assertThat(n).isEqualTo(1_440);
        assertThat(total).isEqualTo(11_639_447L);
        assertThat(min).isEqualTo(4_098);
        assertThat(max).isEqualTo(45_514);
        assertThat(argMax).isEqualTo(1108);
        assertThat(t.seriesNames()).hasSize(1_000);
        long top = TestFiles.drain(t.series("95dc325a").openBuckets()).stream().mapToLong(RateBucket::count).sum();
        assertThat(top).isEqualTo(1_209_537L); // the busiest function, per the README
    }
}
