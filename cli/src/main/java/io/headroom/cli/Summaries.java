package io.headroom.cli;

import io.headroom.datasets.replay.ReplayResult;

import java.util.Locale;

/** Plain-text summaries printed at the end of a run. */
final class Summaries {
    private Summaries() {
    }

    static String replay(ReplayResult r) {
        ReplayResult.Latency c = r.corrected();
        ReplayResult.Latency u = r.uncorrected();
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "replay: %d scheduled, %d sent, %d completed, %d skipped at the in-flight cap, %d sent late%n",
                r.scheduled(), r.sent(), r.completed(), r.skipped(), r.lateSends()));
        sb.append(String.format(Locale.ROOT, "  status: 2xx %d, 3xx %d, 4xx %d, 5xx %d, transport errors %d%n",
                r.status(2), r.status(3), r.status(4), r.status(5), r.errors()));
        sb.append(String.format(Locale.ROOT, "  rate: scheduled %.1f req/s, achieved %.1f req/s%s%n", r.scheduledRate(), r.achievedRate(),
                r.fellBehind() ? "  (FELL BEHIND: the target or this client could not keep up)" : ""));
        sb.append(String.format(Locale.ROOT, "  latency ms      p50      p90      p99    p99.9      max%n"));
        sb.append(String.format(Locale.ROOT, "  corrected  %8.2f %8.2f %8.2f %8.2f %8.2f%n", c.p50(), c.p90(), c.p99(), c.p999(), c.max()));
        sb.append(String.format(Locale.ROOT, "  uncorrected%8.2f %8.2f %8.2f %8.2f %8.2f", u.p50(), u.p90(), u.p99(), u.p999(), u.max()));
        return sb.toString();
    }
}
