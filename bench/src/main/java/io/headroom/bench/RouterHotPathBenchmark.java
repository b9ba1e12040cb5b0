package io.headroom.bench;

import io.headroom.router.balance.Balancer;
import io.headroom.router.balance.RequestContext;
import io.headroom.router.telemetry.RouteTelemetry;
import io.headroom.router.telemetry.TelemetryAggregator;
import io.headroom.router.telemetry.TelemetrySink;
import io.headroom.router.upstream.Backend;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * The per-request work of the router outside the sockets: picking a backend from the snapshot and recording the
 * outcome into the current telemetry window. Both run on every request, from many threads at once.
 */
public class RouterHotPathBenchmark extends NanosBenchmark {
    @Param({"2", "16"})
    int members;

    private Balancer balancer;
    private RouteTelemetry route;
    private TelemetryAggregator aggregator;
    private BenchBackends pool;
    private Backend first;

    @Setup(Level.Trial)
    public void setup() {
        pool = new BenchBackends();
        List<Backend> backends = new ArrayList<>();
        double[] weights = new double[members];
        for (int i = 0; i < members; i++) {
            backends.add(pool.get("127.0.0.1:" + (20_000 + i)));
            weights[i] = 1 + (i % 3);
        }
        first = backends.get(0);
        balancer = Balancer.smoothWeighted(backends, weights);
        aggregator = new TelemetryAggregator("bench", TelemetrySink.DISCARD, Clock.systemUTC(), 1000);
        route = aggregator.route("api", "api");
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
        aggregator.close();
    }

    @Benchmark
    @Threads(2)
    public Backend pickSmoothWeighted() {
        return balancer.pick(RequestContext.NONE);
    }

    @Benchmark
    @Threads(2)
    public void recordResponse() {
        route.response(first, 200, 0, 512, 850_000);
    }
}
