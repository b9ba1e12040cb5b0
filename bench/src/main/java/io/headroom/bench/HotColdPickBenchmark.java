package io.headroom.bench;

import io.headroom.router.balance.Balancer;
import io.headroom.router.balance.RequestContext;
import io.headroom.router.config.BalancerConfig;
import io.headroom.router.upstream.Backend;
import io.headroom.time.Ticker;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code pick()} of the Prequal-style hot-cold balancer over pools of 2 to 256 members with mixed requests in flight
 * (a quarter of the members busy) and latency estimates, {@code choices} candidates per pick, from two threads.
 * The RIF quantile test scans the pool (at most 64 members) for each busy candidate, so the cost grows with the pool.
 *
 * <pre>java -jar bench/target/benchmarks.jar HotColdPickBenchmark -prof gc</pre>
 */
public class HotColdPickBenchmark extends NanosBenchmark {
    @Param({"2", "16", "64", "256"})
    int members;

    @Param({"2", "3"})
    int choices;

    private Balancer balancer;
    private BenchBackends pool;

    @Setup(Level.Trial)
    public void setup() {
        pool = new BenchBackends();
        List<Backend> backends = new ArrayList<>();
        double[] weights = new double[members];
        long now = System.nanoTime();
        for (int i = 0; i < members; i++) {
            Backend b = pool.get("127.0." + (i / 250) + "." + (i % 250 + 1) + ":20000");
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
        pool.close();
    }

    @Benchmark
    @Threads(2)
    public Backend pick() {
        return balancer.pick(RequestContext.NONE);
    }
}
