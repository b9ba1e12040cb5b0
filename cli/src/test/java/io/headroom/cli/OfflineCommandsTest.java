package io.headroom.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** The offline subcommands through the real command line: datasets list, forecast evaluate (with --series), config check. */
class OfflineCommandsTest {

    record Result(int rc, String out, String err) {
    }

    static Result run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int rc = Headroom.commandLine().execute(args);
            return new Result(rc, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void datasetsListNamesEveryPublicTraceWithItsChecksums() {
        Result r = run("datasets", "list");
        assertThat(r.rc()).isZero();
        assertThat(r.out()).contains("nasa-http-1995", "worldcup98", "azure-functions-2019-sample1000", "azure-llm-inference-2023")
                .contains("sha256").contains("terms:");
    }

    /** A small Azure-style matrix: two functions, four days of minutes would be too big, so one day of a daily shape. */
    private static Path matrix(Path dir) throws Exception {
        StringBuilder b = new StringBuilder("HashFunction,HashApp,HashOwner");
        for (int m = 1; m <= 1440; m++) {
            b.append(",minute_").append(m);
        }
        b.append('\n');
        Random rnd = new Random(3);
        for (String f : new String[]{"aaaa1111", "bbbb2222"}) {
            b.append(f).append(',').append(f).append(',').append(f);
            for (int m = 0; m < 1440; m++) {
                double level = 200 + 150 * Math.sin(2 * Math.PI * m / 1440.0) + (f.startsWith("b") ? 100 : 0);
                b.append(',').append(Math.max(0, Math.round(level + rnd.nextGaussian() * 10)));
            }
            b.append('\n');
        }
        Path p = dir.resolve("functions_inv.csv");
        Files.writeString(p, b);
        return p;
    }

    @Test
    void forecastEvaluateReportsTheChosenModelAgainstBaselines(@TempDir Path dir) throws Exception {
        Path file = matrix(dir);
        Result json = run("forecast", "evaluate", "--dataset", file.toString(), "--horizons", "5m,15m", "--format", "json");
        assertThat(json.rc()).as(json.err()).isZero();
        assertThat(json.out()).contains("\"horizons\"", "\"horizon\":\"5m\"", "\"horizon\":\"15m\"", "\"chosen\"", "\"best_baseline\"",
                "\"mae_ratio\"");
        Result one = run("forecast", "evaluate", "--dataset", file.toString(), "--series", "bbbb", "--horizons", "5m");
        assertThat(one.rc()).as(one.err()).isZero();
        assertThat(one.out()).contains("last-value");
        Result bad = run("forecast", "evaluate", "--dataset", file.toString(), "--horizons", "90s");
        assertThat(bad.rc()).isEqualTo(ExitCodes.USAGE);
        assertThat(bad.err()).contains("not a whole number");
    }

    @Test
    void forecastEvaluateTakesAScheduleOfEventsAndPointsAtABadLine(@TempDir Path dir) throws Exception {
        Path file = matrix(dir);
        Path events = dir.resolve("events.csv");
        Files.writeString(events, "# two launches (the matrix's day is 1970-01-01)\nstart,duration,series,weight,label\n"
                + "1970-01-01T18:00Z,30m,,1,launch one\n1970-01-01T20:00+00:00,,bbbb2222,2,launch two, with a comma\n");
        Result all = run("forecast", "evaluate", "--dataset", file.toString(), "--horizons", "5m", "--format", "json", "--events",
                events.toString());
        assertThat(all.rc()).as(all.err()).isZero();
        assertThat(all.out()).contains("\"events\":1", "\"mae_ratio\"");
        assertThat(all.err()).contains("events: 1 of 2");
        Result one = run("forecast", "evaluate", "--dataset", file.toString(), "--series", "bbbb2222", "--horizons", "5m", "--format",
                "json", "--events", events.toString());
        assertThat(one.rc()).as(one.err()).isZero();
        assertThat(one.out()).contains("\"events\":2");
        Files.writeString(events, "start,duration,label\n1970-01-01T18:00Z,30m,ok\n1970-01-01T19:00,30m,no zone\n");
        Result bad = run("forecast", "evaluate", "--dataset", file.toString(), "--horizons", "5m", "--events", events.toString());
        assertThat(bad.rc()).isEqualTo(ExitCodes.USAGE);
        assertThat(bad.err()).contains("events.csv:3").contains("has no time zone").contains("1970-01-01T19:00+02:00");
    }

    @Test
    void configCheckPointsAtTheLineAndExitsTwo(@TempDir Path dir) throws Exception {
        Path ok = Path.of("..", "headroom.example.yaml");
        assertThat(run("config", "check", ok.toString()).rc()).isZero();
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, "router:\n  listen: 127.0.0.1:8080\n  pools:\n    api:\n      backends: [127.0.0.1:9001]\n      conect-timeout: 1s\n");
        Result r = run("config", "check", bad.toString());
        assertThat(r.rc()).isEqualTo(ExitCodes.USAGE);
        assertThat(r.err()).contains("bad.yaml:6:7").contains("did you mean 'connect-timeout'");
    }
}
