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

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code pick()} of the Prequal-style hot-cold balancer over pools of 2 to 256 members with mixed requests in flight
 * (a quarter of the members busy) and latency estimates, {@code choices} candidates per pick, from two threads.
 * The RIF quantile test scans the pool (at most 64 members) for each busy candidate, so the cost grows with the pool.
 *
 * <pre>java -jar bench/target/benchmarks.jar HotColdPickBenchmark -prof gc</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class HotColdPickBenchmark {
    @Param({"2", "16", "64", "256"})
    int members;

    @Param({"2", "3"})
    int choices;

    private Balancer balancer;
    private Watchdog watchdog;

    @Setup(Level.Trial)
    public void setup() {
        watchdog = new Watchdog(new ManualTicker(), TimeUnit.SECONDS.toNanos(1));
        BackendSet set = new BackendSet(new ConnectionPool.Settings(TimeUnit.SECONDS.toNanos(1), TimeUnit.SECONDS.toNanos(50), 16), watchdog);
        List<Backend> backends = new ArrayList<>();
        double[] weights = new double[members];
        long now = System.nanoTime();
        for (int i = 0; i < members; i++) {
            Backend b = set.get(HostPort.parse("127.0." + (i / 250) + "." + (i % 250 + 1) + ":20000"));
            b.observeLatency(1_000_000L * (1 + i % 4), now);
            for (int k = 0; k < (i % 4 == 0 ? 3 : 0); k++) {
                b.started(); // a quarter of the pool is busy
            }
            backends.add(b);
            weights[i] = 1;
        }
        BalancerConfig config = new BalancerConfig(BalancerConfig.Type.HOT_COLD, null, Duration.ofSeconds(10), choices, 0.75);
        balancer = Balancer.of(config, backends, weights, 42, Ticker.system());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        watchdog.close();
    }

    @Benchmark
    @Threads(2)
    public Backend pick() {
        return balancer.pick(RequestContext.NONE);
    }
}
