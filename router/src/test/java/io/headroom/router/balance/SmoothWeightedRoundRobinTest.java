package io.headroom.router.balance;

import io.headroom.router.config.HostPort;
import io.headroom.router.upstream.Backend;
import io.headroom.router.upstream.BackendSet;
import io.headroom.router.upstream.ConnectionPool;
import io.headroom.router.upstream.Watchdog;
import io.headroom.time.ManualTicker;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

class SmoothWeightedRoundRobinTest {
    private final BackendSet set = new BackendSet(new ConnectionPool.Settings(1_000_000_000L, 50_000_000_000L, 8),
            new Watchdog(new ManualTicker(), 1_000_000L));

    private List<Backend> backends(String... names) {
        List<Backend> out = new ArrayList<>();
        for (int i = 0; i < names.length; i++) {
            out.add(set.get(new HostPort(names[i], 1000 + i)));
        }
        return out;
    }

    private static String sequence(Balancer b, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append(b.pick(RequestContext.NONE).hostPort().host());
        }
        return sb.toString();
    }

    @Test
    void nginxSequenceForWeights511() {
        Balancer b = Balancer.smoothWeighted(backends("a", "b", "c"), new double[]{5, 1, 1});
        assertThat(sequence(b, 7)).isEqualTo("aabacaa");
        assertThat(sequence(b, 7)).isEqualTo("aabacaa");
    }

    @Test
    void equalWeightsAlternate() {
        Balancer b = Balancer.smoothWeighted(backends("a", "b"), new double[]{1, 1});
        assertThat(sequence(b, 6)).isEqualTo("ababab");
    }

    @Test
    void fractionalWeightsScaleToTheSameSchedule() {
        Balancer b = Balancer.smoothWeighted(backends("a", "b", "c"), new double[]{0.5, 0.1, 0.1});
        assertThat(sequence(b, 7)).isEqualTo("aabacaa");
        assertThat(SmoothWeightedRoundRobin.integerWeights(new double[]{0.3, 0.7})).containsExactly(3, 7);
        assertThat(SmoothWeightedRoundRobin.integerWeights(new double[]{2.0, 2.0})).containsExactly(1, 1);
        assertThat(SmoothWeightedRoundRobin.integerWeights(new double[]{1000, 1})).containsExactly(1000, 1);
        // Weights that are not short decimals keep 1% resolution relative to the heaviest member.
        assertThat(SmoothWeightedRoundRobin.integerWeights(new double[]{1.0 / 3, 2.0 / 3})).containsExactly(1, 2);
        // A tiny positive weight still gets a slot.
        assertThat(SmoothWeightedRoundRobin.integerWeights(new double[]{1e6, 1})).containsExactly(100, 1);
    }

    @Test
    void zeroWeightExcludesAndAllZeroMeansEqual() {
        Balancer b = Balancer.smoothWeighted(backends("a", "b", "c"), new double[]{1, 0, 1});
        assertThat(sequence(b, 4)).isEqualTo("acac");
        assertThat(b.members()).extracting(m -> m.hostPort().host()).containsExactly("a", "c");
        Balancer all0 = Balancer.smoothWeighted(backends("a", "b"), new double[]{0, 0});
        assertThat(sequence(all0, 4)).isEqualTo("abab");
    }

    @Test
    void emptyPicksNull() {
        assertThat(Balancer.empty().pick(RequestContext.NONE)).isNull();
    }

    @Test
    void concurrentPicksKeepExactProportions() throws Exception {
        Balancer b = Balancer.smoothWeighted(backends("a", "b", "c"), new double[]{3, 2, 1});
        Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            threads.add(Thread.ofVirtual().start(() -> {
                for (int i = 0; i < 6000; i++) {
                    counts.computeIfAbsent(b.pick(RequestContext.NONE).hostPort().host(), k -> new AtomicInteger()).incrementAndGet();
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        assertThat(counts.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().get())))
                .containsEntry("a", 12000).containsEntry("b", 8000).containsEntry("c", 4000);
    }
}
