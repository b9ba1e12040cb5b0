package io.headroom.bench;

import io.headroom.router.balance.Balancer;
import io.headroom.router.balance.RequestContext;
import io.headroom.router.config.HostPort;
import io.headroom.router.telemetry.RouteTelemetry;
import io.headroom.router.telemetry.TelemetryAggregator;
import io.headroom.router.telemetry.TelemetrySink;
import io.headroom.router.upstream.Backend;
import io.headroom.router.upstream.BackendSet;
import io.headroom.router.upstream.ConnectionPool;
import io.headroom.router.upstream.Watchdog;
import io.headroom.time.ManualTicker;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The per-request work of the router outside the sockets: picking a backend from the snapshot and recording the
 * outcome into the current telemetry window. Both run on every request, from many threads at once.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RouterHotPathBenchmark {
    @Param({"2", "16"})
    int members;

    private Balancer balancer;
    private RouteTelemetry route;
    private TelemetryAggregator aggregator;
    private Watchdog watchdog;
    private Backend first;

    @Setup(Level.Trial)
    public void setup() {
        watchdog = new Watchdog(new ManualTicker(), TimeUnit.SECONDS.toNanos(1));
        BackendSet set = new BackendSet(new ConnectionPool.Settings(TimeUnit.SECONDS.toNanos(1), TimeUnit.SECONDS.toNanos(50), 16), watchdog);
        List<Backend> backends = new ArrayList<>();
        double[] weights = new double[members];
        for (int i = 0; i < members; i++) {
            backends.add(set.get(HostPort.parse("127.0.0.1:" + (20_000 + i))));
            weights[i] = 1 + (i % 3);
        }
        first = backends.get(0);
        balancer = Balancer.smoothWeighted(backends, weights);
        aggregator = new TelemetryAggregator("bench", TelemetrySink.DISCARD, Clock.systemUTC(), 1000);
        route = aggregator.route("api", "api");
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        watchdog.close();
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
