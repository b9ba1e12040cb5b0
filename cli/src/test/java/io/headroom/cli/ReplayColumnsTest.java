package io.headroom.cli;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code --columns} on replay and report: a user's own per-request table read through the command line. */
@Timeout(120)
class ReplayColumnsTest {

    @TempDir
    Path dir;

    /** A CSV in the user's own layout: epoch milliseconds, a verb column, a url column, a status column not used. */
    private Path table(int badLine) throws Exception {
        StringBuilder b = new StringBuilder("ts,verb,url,code\n");
        long t0 = Instant.parse("2024-05-01T10:00:00Z").toEpochMilli();
        String[] verbs = {"GET", "POST", "DELETE"};
        for (int i = 0; i < 30; i++) {
            int line = i + 2;
            String ts = line == badLine ? "soon" : Long.toString(t0 + 50L * i);
            b.append(ts).append(',').append(verbs[i % 3]).append(",/items/").append(i).append("?page=").append(i % 4).append(",200\n");
        }
        Path f = dir.resolve("requests.csv");
        Files.writeString(f, b);
        return f;
    }

    @Test
    void replayReadsTheMappedColumnsAndReportsTheMalformedLine() throws Exception {
        ConcurrentLinkedQueue<String> seen = new ConcurrentLinkedQueue<>();
        HttpServer target = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        target.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        target.createContext("/", ex -> {
            seen.add(ex.getRequestMethod() + " " + ex.getRequestURI());
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        target.start();
        try {
            Path csv = table(7);
            Path json = dir.resolve("replay.json");
            OfflineCommandsTest.Result r = OfflineCommandsTest.run("replay", "--dataset", csv.toString(),
                    "--columns", "time=ts,method=verb,path=url", "--time-format", "epoch_ms", "--speedup", "10",
                    "--target", "http://127.0.0.1:" + target.getAddress().getPort(), "--json", json.toString());
            assertThat(r.rc()).as(r.err()).isZero();
            List<String> expected = new ArrayList<>();
            String[] verbs = {"GET", "POST", "DELETE"};
            for (int i = 0; i < 30; i++) {
                if (i != 5) { // line 7 holds request 5, whose time is 'soon'
                    expected.add(verbs[i % 3] + " /items/" + i + "?page=" + (i % 4));
                }
            }
            assertThat(seen).containsExactlyInAnyOrderElementsOf(expected);
            assertThat(r.out()).contains("29 sent").contains("input: 31 lines, 29 requests, 1 malformed (skipped):")
                    .contains("line 7: column 'ts': bad timestamp 'soon' (expected: epoch_ms)");
            assertThat(Files.readString(json)).contains("\"malformedInput\":1");
            assertThat(r.err()).contains("time ts as epoch_ms, method verb, path url");
        } finally {
            target.stop(0);
        }
    }

    @Test
    void mappingErrorsNameTheColumnAndTheLine() throws Exception {
        Path csv = table(-1);
        String target = "http://127.0.0.1:9"; // never reached: every case fails before sending

        OfflineCommandsTest.Result noColumn = OfflineCommandsTest.run("replay", "--dataset", csv.toString(),
                "--columns", "time=ts,method=verbx,path=url", "--target", target);
        assertThat(noColumn.rc()).isEqualTo(ExitCodes.USAGE);
        assertThat(noColumn.err()).contains(csv + ":1: header [ts, verb, url, code] has no column 'verbx'");

        OfflineCommandsTest.Result badKey = OfflineCommandsTest.run("replay", "--dataset", csv.toString(),
                "--columns", "time=ts,status=code", "--target", target);
        assertThat(badKey.rc()).isEqualTo(ExitCodes.USAGE);
        assertThat(badKey.err()).contains("--columns time=ts,status=code").contains("'status=code'")
                .contains("key one of time, format, method, path, sep, zone");

        OfflineCommandsTest.Result badFormat = OfflineCommandsTest.run("replay", "--dataset", csv.toString(),
                "--columns", "time=ts,method=verb,path=url", "--time-format", "yyyy-MM-dd HH:mm:ss", "--target", target);
        assertThat(badFormat.rc()).isEqualTo(ExitCodes.USAGE);
        assertThat(badFormat.err()).contains("no request could be read with --columns time=ts,method=verb,path=url")
                .contains("line 2: column 'ts': bad timestamp '1714557600000' (expected: yyyy-MM-dd HH:mm:ss)")
                .contains("line 6: column 'ts'").contains("fix: ");

        OfflineCommandsTest.Result badPattern = OfflineCommandsTest.run("replay", "--dataset", csv.toString(),
                "--columns", "time=ts", "--time-format", "yyyy-MM-dd{", "--target", target);
        assertThat(badPattern.rc()).isEqualTo(ExitCodes.USAGE);
        assertThat(badPattern.err()).contains("time format 'yyyy-MM-dd{'");

        OfflineCommandsTest.Result formatAlone = OfflineCommandsTest.run("replay", "--dataset", csv.toString(),
                "--time-format", "epoch_ms", "--target", target);
        assertThat(formatAlone.rc()).isEqualTo(ExitCodes.USAGE);
        assertThat(formatAlone.err()).contains("--time-format applies to a CSV/TSV read with --columns");

        OfflineCommandsTest.Result missing = OfflineCommandsTest.run("replay", "--dataset", dir.resolve("nope.csv").toString(),
                "--columns", "time=ts", "--target", target);
        assertThat(missing.rc()).isEqualTo(ExitCodes.ENVIRONMENT);
    }

    @Test
    void reportReadsAMappedTabSeparatedTableWithLocalTimes() throws Exception {
        // Four hours, one row per request: 5 a minute, then 40 a minute; local times in Paris, no offset written.
        StringBuilder b = new StringBuilder("when\tclient\tpage\n");
        Random rnd = new Random(7);
        java.time.LocalDateTime start = java.time.LocalDateTime.parse("2024-05-01T08:00:00");
        for (int m = 0; m < 240; m++) {
            int n = m < 120 ? 5 : 40;
            for (int k = 0; k < n; k++) {
                b.append(start.plusMinutes(m).plusSeconds(rnd.nextInt(60)).toString().replace('T', ' ')).append("\tc")
                        .append(k).append("\t/p/").append(k).append('\n');
            }
        }
        Path tsv = dir.resolve("mine.tsv");
        Files.writeString(tsv, b, StandardCharsets.UTF_8);
        Path out = dir.resolve("report");
        OfflineCommandsTest.Result r = OfflineCommandsTest.run("report", "--dataset", tsv.toString(), "--columns",
                "time=when,method=-,path=page", "--time-format", "yyyy-MM-dd HH:mm:ss", "--zone", "Europe/Paris",
                "--out", out.toString(), "--lead-time", "3m");
        assertThat(r.rc()).as(r.err()).isZero();
        assertThat(r.out()).contains("report written to");
        String html = Files.readString(out.resolve("index.html"));
        // 08:00 in Paris in May is 06:00 UTC.
        assertThat(html).contains("2024-05-01");
        assertThat(out.resolve("instances-reactive.png")).exists();
    }
}
