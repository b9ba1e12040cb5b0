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

import java.util.ArrayList;
import java.util.List;

/**
 * {@code pick()} of every balancer type over 2 and 16 weighted members, from two threads at once (the request path
 * calls it from many virtual threads). Hash balancers get a precomputed key hash, as the proxy computes it once per
 * request; least-request and peak-EWMA read live outstanding counts and latency estimates.
 *
 * <pre>java -jar bench/target/benchmarks.jar BalancerPickBenchmark -prof gc</pre>
 */
public class BalancerPickBenchmark extends NanosBenchmark {
    @Param({"SMOOTH_WEIGHTED", "ROUND_ROBIN", "LEAST_REQUEST", "PEAK_EWMA", "RING_HASH", "MAGLEV", "RANDOM", "HOT_COLD"})
    String type;

    @Param({"2", "16"})
    int members;

    private Balancer balancer;
    private BenchBackends pool;
    private RequestContext ctx;

    @Setup(Level.Trial)
    public void setup() {
        pool = new BenchBackends();
        List<Backend> backends = new ArrayList<>();
        double[] weights = new double[members];
        long now = System.nanoTime();
        for (int i = 0; i < members; i++) {
            Backend b = pool.get("127.0.0.1:" + (20_000 + i));
            b.observeLatency(1_000_000L * (1 + i % 4), now);
            backends.add(b);
            weights[i] = 1 + (i % 3);
        }
        balancer = Balancer.of(BalancerConfig.Type.valueOf(type), backends, weights, 42, Ticker.system());
        ctx = RequestContext.hashed("api", "/", "user-12345");
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
    }

    @Benchmark
    @Threads(2)
    public Backend pick() {
        return balancer.pick(ctx);
    }
}
