package io.headroom.cli.demo;

import io.headroom.datasets.trace.RateBucket;
import io.headroom.datasets.trace.Trace;
import io.headroom.datasets.trace.TraceReader;
import io.headroom.ingest.model.BackendStats;
import io.headroom.ingest.model.LatencyHistogram;
import io.headroom.ingest.model.TelemetryWindow;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns the recorded history that precedes the live part of a trace into telemetry windows, time-warped by the same
 * speed-up as the live replay and ending where the live replay begins, so the predictor starts with the days before
 * the spike in its history (as a predictor restarted on a real telemetry topic would).
 */
final class Backfill {
    private Backfill() {
    }

    /**
     * @param history     the recorded part before the live replay (rate buckets)
     * @param traceStart  trace time at which {@code history} starts
     * @param traceEnd    trace time at which the live replay starts
     * @param speedup     trace seconds per real second
     * @param realEndMillis real time (epoch ms, whole second) at which the live replay starts
     * @return one window per real second, oldest first; seconds whose buckets are all gaps are left out (masked)
     */
    static List<TelemetryWindow> windows(Trace history, Instant traceStart, Instant traceEnd, double speedup, long realEndMillis,
                                         String instanceId, String route, String pool) throws IOException {
        double traceSpan = (traceEnd.toEpochMilli() - traceStart.toEpochMilli()) / 1000.0;
        int n = (int) Math.floor(traceSpan / speedup);
        double[] counts = new double[n];
        boolean[] seen = new boolean[n];
        try (TraceReader<RateBucket> r = history.openBuckets()) {
            while (r.hasNext()) {
                RateBucket b = r.next();
                if (b.gap()) {
                    continue;
                }
                double from = (b.start().toEpochMilli() - traceStart.toEpochMilli()) / 1000.0 / speedup;
                double to = (b.end().toEpochMilli() - traceStart.toEpochMilli()) / 1000.0 / speedup;
                // Spread the bucket's count evenly over the real seconds it covers.
                for (int s = (int) Math.floor(from); s < Math.ceil(to) && s < n; s++) {
                    if (s < 0) {
                        continue;
                    }
                    double overlap = Math.min(to, s + 1) - Math.max(from, s);
                    if (overlap > 0) {
                        counts[s] += b.count() * overlap / (to - from);
                        seen[s] = true;
                    }
                }
            }
        }
        List<TelemetryWindow> out = new ArrayList<>(n);
        long startMillis = realEndMillis - n * 1000L;
        double carry = 0;
        for (int s = 0; s < n; s++) {
            if (!seen[s]) {
                continue;
            }
            double exact = counts[s] + carry;
            long c = Math.round(exact);
            carry = exact - c;
            c = Math.max(0, c);
            BackendStats stats = new BackendStats("recorded", c, c, 0, 0, 0, 0, 0, 0, 0, LatencyHistogram.EMPTY);
            out.add(new TelemetryWindow(instanceId, s, startMillis + s * 1000L, 1000, route, pool, List.of(stats)));
        }
        return out;
    }
}
