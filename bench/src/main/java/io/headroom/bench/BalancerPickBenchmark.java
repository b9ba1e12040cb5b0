package io.headroom.bench;

import io.headroom.router.balance.Balancer;
import io.headroom.router.balance.RequestContext;
import io.headroom.router.config.BalancerConfig;
import io.headroom.router.config.HostPort;
import io.headroom.router.upstream.Backend;
import io.headroom.router.upstream.BackendSet;
import io.headroom.router.upstream.ConnectionPool;
import io.headroom.router.upstream.Watchdog;
import io.headroom.time.ManualTicker;
import io.headroom.time.Ticker;
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

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code pick()} of every balancer type over 2 and 16 weighted members, from two threads at once (the request path
 * calls it from many virtual threads). Hash balancers get a precomputed key hash, as the proxy computes it once per
 * request; least-request and peak-EWMA read live outstanding counts and latency estimates.
 *
 * <pre>java -jar bench/target/benchmarks.jar BalancerPickBenchmark -prof gc</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class BalancerPickBenchmark {
    @Param({"SMOOTH_WEIGHTED", "ROUND_ROBIN", "LEAST_REQUEST", "PEAK_EWMA", "RING_HASH", "MAGLEV", "RANDOM", "HOT_COLD"})
    String type;

    @Param({"2", "16"})
    int members;

    private Balancer balancer;
    private Watchdog watchdog;
    private RequestContext ctx;

    @Setup(Level.Trial)
    public void setup() {
        watchdog = new Watchdog(new ManualTicker(), TimeUnit.SECONDS.toNanos(1));
        BackendSet set = new BackendSet(new ConnectionPool.Settings(TimeUnit.SECONDS.toNanos(1), TimeUnit.SECONDS.toNanos(50), 16), watchdog);
        List<Backend> backends = new ArrayList<>();
        double[] weights = new double[members];
        long now = System.nanoTime();
        for (int i = 0; i < members; i++) {
            Backend b = set.get(HostPort.parse("127.0.0.1:" + (20_000 + i)));
            b.observeLatency(1_000_000L * (1 + i % 4), now);
            backends.add(b);
            weights[i] = 1 + (i % 3);
        }
        balancer = Balancer.of(BalancerConfig.Type.valueOf(type), backends, weights, 42, Ticker.system());
        ctx = RequestContext.hashed("api", "/", "user-12345");
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        watchdog.close();
    }

    @Benchmark
    @Threads(2)
    public Backend pick() {
        return balancer.pick(ctx);
    }
}
