package io.headroom.router.telemetry;

import io.headroom.ingest.model.BackendStats;
import io.headroom.ingest.model.LatencyHistogram;

import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * Cumulative, lock-free counters for one route × backend. They never reset: the window closer subtracts what it saw
 * at the previous close, so a request recorded while a window closes lands in the next window instead of being lost.
 * {@code requests} is incremented last and read first, so a window never counts a request whose status lands only in
 * a later window (the reverse can happen at a window edge; totals over consecutive windows are exact).
 */
final class Counters {
    final String backend;
    final LongAdder requests = new LongAdder();
    final LongAdder s2xx = new LongAdder();
    final LongAdder s3xx = new LongAdder();
    final LongAdder s4xx = new LongAdder();
    final LongAdder s5xx = new LongAdder();
    final LongAdder errors = new LongAdder();
    final LongAdder rejections = new LongAdder();
    final LongAdder bytesIn = new LongAdder();
    final LongAdder bytesOut = new LongAdder();
    final AtomicLongArray latency = new AtomicLongArray(LatencyHistogram.BUCKETS);

    // What the closer saw last time (closer thread only).
    private final long[] seen = new long[9];
    private final long[] seenLatency = new long[LatencyHistogram.BUCKETS];

    Counters(String backend) {
        this.backend = backend;
    }

    /** The change since the previous call, or null when nothing happened. Closer thread only. */
    BackendStats delta() {
        long[] now = {requests.sum(), s2xx.sum(), s3xx.sum(), s4xx.sum(), s5xx.sum(), errors.sum(), rejections.sum(),
                bytesIn.sum(), bytesOut.sum()};
        long[] d = new long[now.length];
        boolean any = false;
        for (int i = 0; i < now.length; i++) {
            d[i] = now[i] - seen[i];
            seen[i] = now[i];
            any |= d[i] != 0;
        }
        long[] lat = new long[LatencyHistogram.BUCKETS];
        for (int i = 0; i < lat.length; i++) {
            long v = latency.get(i);
            lat[i] = v - seenLatency[i];
            seenLatency[i] = v;
            any |= lat[i] != 0;
        }
        if (!any) {
            return null;
        }
        return new BackendStats(backend, d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8], LatencyHistogram.of(lat));
    }
}
