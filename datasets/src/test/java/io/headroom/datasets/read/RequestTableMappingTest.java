package io.headroom.datasets.read;

import io.headroom.datasets.TestFiles;
import io.headroom.datasets.trace.ReadReport;
import io.headroom.datasets.trace.RecordedRequest;
import io.headroom.datasets.trace.TraceReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RequestTableMappingTest {
    @TempDir
    Path dir;

    @Test
    void csvWithAPatternTimeFormatAndRenamedColumns() throws Exception {
        Path p = TestFiles.write(dir, "edge.csv", """
                client,when,verb,uri,status
                1.2.3.4,12/Mar/2024:08:15:00 +0100,get,/a?x=1,200
                1.2.3.4,"12/Mar/2024:08:15:01 +0100",POST,"/b,c",201
                1.2.3.4,yesterday,GET,/c,200
                1.2.3.4,12/Mar/2024:08:15:02 +0100,GET,not-a-path,200
                1.2.3.4,12/Mar/2024:08:15:03 +0100
                """);
        RequestTableTrace t = RequestTableTrace.builder(p)
                .mapping("time=when, format=dd/MMM/yyyy:HH:mm:ss Z, method=verb, path=uri").build();
        assertThat(t.description()).contains("time when as dd/MMM/yyyy:HH:mm:ss Z", "method verb", "path uri");
        try (TraceReader<RecordedRequest> r = t.openRequests()) {
            List<RecordedRequest> got = new java.util.ArrayList<>();
            r.forEachRemaining(got::add);
            assertThat(got).containsExactly(
                    new RecordedRequest(Instant.parse("2024-03-12T07:15:00Z"), "GET", "/a?x=1"),
                    new RecordedRequest(Instant.parse("2024-03-12T07:15:01Z"), "POST", "/b,c"));
            assertThat(r.report().malformedSamples()).extracting(ReadReport.Malformed::line).containsExactly(4L, 5L, 6L);
            assertThat(r.report().malformedSamples().getFirst().reason())
                    .isEqualTo("column 'when': bad timestamp 'yesterday' (expected: dd/MMM/yyyy:HH:mm:ss Z)");
            assertThat(r.report().malformedSamples().get(1).reason()).isEqualTo("column 'uri': 'not-a-path' is not a path");
        }
    }

    @Test
    void epochMillisLocalTimesSeparatorsAndNoMethodColumn() throws Exception {
        Path ms = TestFiles.write(dir, "ms.txt", "ts;path\n1700000000123;/x\n");
        assertThat(TestFiles.drain(RequestTableTrace.builder(ms).mapping("time=ts,format=epoch_ms,method=-,sep=semicolon")
                .build().openRequests()))
                .containsExactly(new RecordedRequest(Instant.ofEpochMilli(1_700_000_000_123L), "GET", "/x"));
        Path local = TestFiles.write(dir, "local.tsv", "at\tm\tp\n2024-07-01 12:00:00.5\tput\t/y\n");
        assertThat(TestFiles.drain(RequestTableTrace.builder(local).mapping("time=at,format=iso,method=m,path=p,zone=Europe/Paris")
                .build().openRequests()))
                .containsExactly(new RecordedRequest(Instant.parse("2024-07-01T10:00:00.5Z"), "PUT", "/y"));
        Path pattern = TestFiles.write(dir, "p.csv", "d,u\n01.07.2024 12:00,/z\n");
        assertThat(TestFiles.drain(RequestTableTrace.builder(pattern).timeColumn("d").timeFormat(TimeFormat.of("dd.MM.yyyy HH:mm"))
                .zone(ZoneId.of("-04:00")).methodColumn(null).pathColumn("u").build().openRequests()))
                .containsExactly(new RecordedRequest(Instant.parse("2024-07-01T16:00:00Z"), "GET", "/z"));
    }

    @Test
    void badMappingsSayWhatIsWrong() throws Exception {
        Path p = TestFiles.write(dir, "x.csv", "a,b\n1,/\n");
        assertThatThrownBy(() -> RequestTableTrace.builder(p).mapping("tim=a"))
                .hasMessageContaining("'tim=a'", "time, format, method, path, sep, zone");
        assertThatThrownBy(() -> RequestTableTrace.builder(p).mapping("time=a,format=qqqq-bad-{"))
                .hasMessageContaining("time format 'qqqq-bad-{'");
        assertThatThrownBy(() -> RequestTableTrace.builder(p).mapping("sep=::")).hasMessageContaining("sep '::'");
        assertThatThrownBy(() -> RequestTableTrace.builder(p).mapping("zone=Mars/Base")).hasMessageContaining("zone 'Mars/Base'");
        assertThatThrownBy(() -> RequestTableTrace.builder(p).mapping("time=zz,path=b").build().openRequests())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(":1: header [a, b] has no column 'zz'");
    }
}
