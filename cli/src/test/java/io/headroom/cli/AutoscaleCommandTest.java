package io.headroom.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(60)
class AutoscaleCommandTest {

    static Path stepCsv(Path dir) throws Exception {
        StringBuilder b = new StringBuilder("period,count\n");
        Instant t = Instant.parse("2024-01-01T00:00:00Z");
        for (int i = 0; i < 240; i++) {
            b.append(t.plusSeconds(60L * i).toString().replace('T', ' ').replace("Z", "")).append(',').append(i < 120 ? 600 : 6000)
                    .append('\n');
        }
        Path f = dir.resolve("step.csv");
        Files.writeString(f, b);
        return f;
    }

    static String run(String... args) {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            int rc = Headroom.commandLine().execute(args);
            assertThat(rc).as("exit code").isZero();
        } finally {
            System.setOut(old);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }

    @Test
    void evaluateWritesJsonWithThePoliciesObject(@TempDir Path dir) throws Exception {
        String json = run("autoscale", "evaluate", "--dataset", stepCsv(dir).toString(), "--lead-time", "3m", "--format", "json");
        assertThat(json).contains("\"policies\": {", "\"predictive\": {\"underprovisioned_minutes\":",
                "\"reactive\": {\"underprovisioned_minutes\": 3, \"excess_requests\": 15300,",
                "\"static\": {\"underprovisioned_minutes\": 0, \"excess_requests\": 0, \"instance_minutes\": 4800,",
                "\"mean_utilization\"", "\"capacity_per_instance\": 5,");
    }

    @Test
    void evaluateTableAndExplicitCapacity(@TempDir Path dir) throws Exception {
        String table = run("autoscale", "evaluate", "--dataset", stepCsv(dir).toString(), "--lead-time", "2m",
                "--capacity-per-instance", "10", "--from", "2024-01-01T01:00Z", "--to", "2024-01-01T03:00Z");
        assertThat(table).contains("policy", "under-prov. min", "predictive", "reactive", "static", "lead time 2m (2 steps)",
                "10.00 req/s per instance", "static fleet 10", "120 steps");
    }

    @Test
    void sizingOptionsChangeOnlyThePredictiveFleetAndTheBoundIsReported(@TempDir Path dir) throws Exception {
        Path csv = stepCsv(dir);
        String base = run("autoscale", "evaluate", "--dataset", csv.toString(), "--lead-time", "3m", "--format", "json");
        String full = run("autoscale", "evaluate", "--dataset", csv.toString(), "--lead-time", "3m", "--format", "json",
                "--sizing-utilisation", "1.0", "--floor-utilisation", "1.0");
        // 117 minutes at 2 instances, 3 minutes asking for the 20 the step needs, 120 at 20: 2,694 of reactive's
        String bound = "\"perfect_foresight\": {\"instance_minutes\": 2694,";
        assertThat(base).contains(bound, "\"goal_within_bound\": true");
        assertThat(full).contains(bound);
        String reactive = "\"reactive\": {\"underprovisioned_minutes\": 3, \"excess_requests\": 15300,";
        assertThat(base).contains(reactive);
        assertThat(full).contains(reactive);
        // sized at 100 % instead of 80 %, the predictive fleet is smaller: fewer instance-minutes
        assertThat(instanceMinutes(full, "predictive")).isLessThan(instanceMinutes(base, "predictive"));
        int rc = Headroom.commandLine().execute("autoscale", "evaluate", "--dataset", csv.toString(), "--sizing-utilisation", "1.5");
        assertThat(rc).isEqualTo(ExitCodes.USAGE);
    }

    private static double instanceMinutes(String json, String policy) {
        int at = json.indexOf("\"" + policy + "\": {");
        int im = json.indexOf("\"instance_minutes\": ", at) + "\"instance_minutes\": ".length();
        return Double.parseDouble(json.substring(im, json.indexOf(',', im)));
    }

    @Test
    void theScheduleOfEventsReachesThePredictivePolicyAndABadLineIsAUsageError(@TempDir Path dir) throws Exception {
        Path csv = stepCsv(dir);
        Path events = dir.resolve("launch.csv");
        Files.writeString(events, "start,duration,label\n2024-01-01T02:00Z,1h,the launch at the step\n");
        String with = run("autoscale", "evaluate", "--dataset", csv.toString(), "--lead-time", "3m", "--format", "json", "--events",
                events.toString());
        assertThat(with).contains("\"reactive\": {\"underprovisioned_minutes\": 3, \"excess_requests\": 15300,", "\"predictive\": {");
        Files.writeString(events, "start,duration\n2024-01-01T02:00Z,1 hour\n");
        PrintStream old = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int rc = Headroom.commandLine().execute("autoscale", "evaluate", "--dataset", csv.toString(), "--events", events.toString());
            assertThat(rc).isEqualTo(ExitCodes.USAGE);
        } finally {
            System.setErr(old);
        }
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("launch.csv:2", "not a duration");
    }

    @Test
    void badLeadTimeIsAUsageError(@TempDir Path dir) throws Exception {
        int rc = Headroom.commandLine().execute("autoscale", "evaluate", "--dataset", stepCsv(dir).toString(), "--lead-time", "0s");
        assertThat(rc).isEqualTo(ExitCodes.USAGE);
    }
}
