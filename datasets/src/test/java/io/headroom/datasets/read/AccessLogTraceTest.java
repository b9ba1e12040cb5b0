package io.headroom.datasets.read;

import io.headroom.datasets.TestFiles;
import io.headroom.datasets.trace.RateBucket;
import io.headroom.datasets.trace.RecordedRequest;
import io.headroom.datasets.trace.TraceReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class AccessLogTraceTest {
    @TempDir
    Path dir;

    @Test
    void commonAndCombinedWithTimeZonesAndMalformedLines() throws Exception {
        Path p = TestFiles.write(dir, "access.log.gz", """
                199.72.81.55 - - [01/Jul/1995:00:00:01 -0400] "GET /history/apollo/ HTTP/1.0" 200 6245
                10.0.0.1 - frank [10/Oct/2000:13:55:36 +0200] "POST /api/items?id=7 HTTP/1.1" 201 2326 "http://ref/" "curl/8.0"
                garbage line here
                host - - [01/Jul/1995:00:00:09 -0400] "GET /shuttle/countdown/" 200 3985
                host - - [31/Foo/1995:00:00:09 -0400] "GET /x HTTP/1.0" 200 1
                host - - [01/Jul/1995:00:00:10 -0400] "\\x16\\x03" 400 -
                h - - [12/Mar/2024:08:15:00 +0000] "head http://example.com/abs?q=1 HTTP/1.1" 304 -
                """);
        try (TraceReader<RecordedRequest> r = AccessLogTrace.of(p).openRequests()) {
            List<RecordedRequest> got = new ArrayList<>();
            r.forEachRemaining(got::add);
            assertThat(got).containsExactly(
                    new RecordedRequest(Instant.parse("1995-07-01T04:00:01Z"), "GET", "/history/apollo/"),
                    new RecordedRequest(Instant.parse("2000-10-10T11:55:36Z"), "POST", "/api/items?id=7"),
                    new RecordedRequest(Instant.parse("1995-07-01T04:00:09Z"), "GET", "/shuttle/countdown/"),
                    new RecordedRequest(Instant.parse("2024-03-12T08:15:00Z"), "HEAD", "/abs?q=1"));
            assertThat(r.report().malformedCount()).isEqualTo(3);
            assertThat(r.report().malformedSamples()).extracting(m -> m.line()).containsExactly(3L, 5L, 6L);
            assertThat(r.report().malformedSamples().get(1).reason()).contains("bad time");
            assertThat(r.report().recordsRead()).isEqualTo(4);
        }
    }

    @Test
    void requestsCountIntoMinuteBuckets() throws Exception {
        Path p = TestFiles.write(dir, "a.log", """
                h - - [01/Jul/1995:00:00:01 -0400] "GET /a HTTP/1.0" 200 1
                h - - [01/Jul/1995:00:00:59 -0400] "GET /b HTTP/1.0" 200 1
                h - - [01/Jul/1995:00:02:00 -0400] "GET /c HTTP/1.0" 200 1
                """);
        List<RateBucket> b = TestFiles.drain(AccessLogTrace.of(p).openBuckets());
        assertThat(b).extracting(RateBucket::count).containsExactly(2L, 0L, 1L);
        assertThat(b.get(0).start()).isEqualTo(Instant.parse("1995-07-01T04:00:00Z"));
    }

    @Test
    void nasaTsvInline() throws Exception {
        Path p = TestFiles.write(dir, "n.tsv", "host\tlogname\ttime\tmethod\turl\tresponse\tbytes\treferer\tuseragent\n"
                + "a.com\t-\t807256800\tGET\t/images/launch-logo.gif\t200\t1713\t\t\n"
                + "b.com\t-\tnoon\tGET\t/x\t200\t1\t\t\n"
                + "c.com\t-\t807256806\n"
                + "d.com\t-\t807256806\tPOST\t/cgi-bin/form\t200\t1\t\t\n");
        try (TraceReader<RecordedRequest> r = RequestTableTrace.of(p).openRequests()) {
            List<RecordedRequest> got = new ArrayList<>();
            r.forEachRemaining(got::add);
            assertThat(got).containsExactly(
                    new RecordedRequest(Instant.ofEpochSecond(807256800), "GET", "/images/launch-logo.gif"),
                    new RecordedRequest(Instant.ofEpochSecond(807256806), "POST", "/cgi-bin/form"));
            assertThat(r.report().malformedSamples()).extracting(m -> m.line()).containsExactly(3L, 4L);
        }
    }

    @Test
    void realNasaTsvRows() throws Exception {
        Path p = TestFiles.shared("nasa-http-1995/nasa_19950801_requests.tsv.gz");
        assumeTrue(p != null, "shared NASA TSV absent");
        long n = 0;
        Instant first = null;
        Instant last = null;
        try (TraceReader<RecordedRequest> r = RequestTableTrace.of(p).openRequests()) {
            while (r.hasNext()) {
                RecordedRequest q = r.next();
                first = first == null ? q.at() : first;
                last = q.at();
                n++;
            }
            assertThat(r.report().malformedCount()).isZero();
        }
        assertThat(n).isEqualTo(30_969);
        assertThat(first).isEqualTo(Instant.ofEpochSecond(807256800));
        assertThat(last).isEqualTo(Instant.ofEpochSecond(807303121));
    }
}
