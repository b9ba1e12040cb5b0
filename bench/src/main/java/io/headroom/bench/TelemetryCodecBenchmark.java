package io.headroom.bench;

import io.headroom.ingest.codec.Codecs;
import io.headroom.ingest.model.BackendStats;
import io.headroom.ingest.model.LatencyHistogram;
import io.headroom.ingest.model.TelemetryWindow;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Setup;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Cost of the telemetry hot spots: recording a latency (bucket lookup, on every request) and encoding /
 * decoding one window (once a second per route, and per record on the predictor).
 */
public class TelemetryCodecBenchmark extends NanosBenchmark {
    private TelemetryWindow window;
    private byte[] encoded;
    private long[] latencies;
    private int i;

    @Setup
    public void setup() {
        Random rnd = new Random(1);
        List<BackendStats> backends = new ArrayList<>();
        for (int b = 0; b < 8; b++) {
            long[] buckets = new long[LatencyHistogram.BUCKETS];
            for (int k = 0; k < 500; k++) {
                buckets[LatencyHistogram.bucketOf((long) Math.exp(6 + rnd.nextGaussian()))]++;
            }
            backends.add(new BackendStats("10.0.0." + b + ":8080", 500, 480, 5, 10, 5, 0, 0, 50_000, 2_000_000,
                    LatencyHistogram.of(buckets)));
        }
        window = new TelemetryWindow("router-1", 1234, 1_700_000_000_000L, 1000, "api", "api", backends);
        encoded = Codecs.TELEMETRY.encode(window);
        latencies = new long[1024];
        for (int k = 0; k < latencies.length; k++) {
            latencies[k] = (long) Math.exp(4 + 3 * rnd.nextDouble());
        }
    }

    @Benchmark
    public int bucketOf() {
        return LatencyHistogram.bucketOf(latencies[i++ & 1023]);
    }

    @Benchmark
    public byte[] encodeWindowOf8Backends() {
        return Codecs.TELEMETRY.encode(window);
    }

    @Benchmark
    public TelemetryWindow decodeWindowOf8Backends() {
        return Codecs.TELEMETRY.decode(encoded);
    }
}
