package io.headroom.router.balance;

import io.headroom.router.config.BalancerConfig;
import io.headroom.router.upstream.Backend;
import io.headroom.time.ManualTicker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Prequal's hot-cold rule: each pick checked against the rule applied by hand to the same seeded draws. */
class HotColdTest {
    private static final long MS = 1_000_000L;
    private final ManualTicker ticker = new ManualTicker(5_000 * MS);
    @RegisterExtension
    final TestBackends members = new TestBackends(ticker);

    private List<Backend> backends(int n) {
        List<Backend> out = members.get(n, i -> "10.0." + (i / 250) + "." + (i % 250 + 1) + ":8080");
        out.forEach(b -> b.decay(Duration.ofSeconds(10).toNanos()));
        return out;
    }

    private static double[] ones(int n) {
        double[] w = new double[n];
        Arrays.fill(w, 1);
        return w;
    }

    private static void load(Backend b, int inFlight) {
        for (int i = 0; i < inFlight; i++) {
            b.started();
        }
    }

    private void latency(Backend b, long millis) {
        b.observeLatency(millis * MS, ticker.read());
    }

    @Test
    void amongColdCandidatesTheLowestLatencyWins() {
        List<Backend> bs = backends(2);
        latency(bs.get(0), 50);
        latency(bs.get(1), 5);
        Balancer hc = new HotCold(new Members(bs, ones(2)), 1, ticker, 2, 0.5);
        for (int i = 0; i < 100; i++) {
            assertThat(hc.pick(RequestContext.NONE)).isSameAs(bs.get(1)); // two members, d = 2: both are always candidates
        }
    }

    @Test
    void aHotCandidateLosesToAColdSlowerOne() {
        List<Backend> bs = backends(2);
        latency(bs.get(0), 50);
        latency(bs.get(1), 5);
        load(bs.get(1), 3); // one member of two has fewer in flight: above the median, hot
        Balancer hc = new HotCold(new Members(bs, ones(2)), 1, ticker, 2, 0.5);
        assertThat(hc.pick(RequestContext.NONE)).isSameAs(bs.get(0));
        load(bs.get(0), 3); // equal: nobody has fewer, both cold again, latency decides
        assertThat(hc.pick(RequestContext.NONE)).isSameAs(bs.get(1));
        // q = 1: nothing is ever above the maximum, so latency alone decides
        bs.get(0).finished();
        Balancer latencyOnly = new HotCold(new Members(bs, ones(2)), 1, ticker, 2, 1.0);
        assertThat(latencyOnly.pick(RequestContext.NONE)).isSameAs(bs.get(1));
    }

    @Test
    void everyPickFollowsTheRuleOnTheSameSeededDraws() {
        List<Backend> bs = backends(8);
        int[] rif = {0, 5, 3, 7, 1, 1, 9, 2};
        long[] lat = {40, 10, 5, 1, 20, 30, 2, 15};
        for (int i = 0; i < 8; i++) {
            load(bs.get(i), rif[i]);
            latency(bs.get(i), lat[i]);
        }
        double[] w = {1, 2, 1, 3, 1, 1, 2, 1};
        for (double q : new double[]{0.0, 0.25, 0.5, 0.75, 1.0}) {
            for (int d : new int[]{1, 2, 3, 5}) {
                Members m = new Members(bs, w);
                Balancer hc = new HotCold(m, 77, ticker, d, q);
                Rng twin = new Rng(77);
                int rank = Math.max(1, (int) Math.ceil(q * 8 - 1e-9));
                for (int p = 0; p < 500; p++) {
                    int best = -1;
                    boolean bestCold = false;
                    int first = -1;
                    for (int c = 0; c < d; c++) {
                        int i = c == 0 ? (first = m.weightedIndex(twin)) : c == 1 ? m.otherIndex(twin, first) : m.weightedIndex(twin);
                        int below = 0;
                        for (int r : rif) {
                            below += r < rif[i] ? 1 : 0;
                        }
                        boolean cold = below < rank;
                        if (best < 0 || (cold && !bestCold) || (cold && bestCold && lat[i] < lat[best])
                                || (!cold && !bestCold && rif[i] < rif[best])) {
                            best = i;
                            bestCold = cold;
                        }
                    }
                    assertThat(hc.pick(RequestContext.NONE)).as("q=%s d=%s pick %s", q, d, p).isSameAs(bs.get(best));
                }
            }
        }
    }

    @Test
    void theSameSeedGivesTheSamePicks() {
        List<Backend> bs = backends(16);
        for (int i = 0; i < 16; i++) {
            load(bs.get(i), i % 4);
            latency(bs.get(i), 1 + i % 5);
        }
        Balancer a = new HotCold(new Members(bs, ones(16)), 9, ticker, 3, 0.75);
        Balancer b = new HotCold(new Members(bs, ones(16)), 9, ticker, 3, 0.75);
        for (int i = 0; i < 1000; i++) {
            assertThat(a.pick(RequestContext.NONE)).isSameAs(b.pick(RequestContext.NONE));
        }
    }

    @Test
    void spreadsLoadUnderASimulatedServer() {
        // each pick holds a request; equal latencies: the hot rule keeps every member near the mean
        List<Backend> bs = backends(4);
        for (Backend b : bs) {
            latency(b, 10);
        }
        Balancer hc = Balancer.of(new BalancerConfig(BalancerConfig.Type.HOT_COLD, null, Duration.ofSeconds(10), 2, 0.5), bs, ones(4), 3,
                ticker);
        for (int i = 0; i < 40; i++) {
            hc.pick(RequestContext.NONE).started();
        }
        for (Backend b : bs) {
            assertThat(b.outstanding()).isBetween(8, 12);
        }
    }

    @Test
    void largePoolsCountOverAWindowOfSixtyFourMembers() {
        List<Backend> bs = backends(100);
        for (int i = 0; i < 100; i++) {
            latency(bs.get(i), 10);
            if (i % 10 == 0) {
                load(bs.get(i), 5); // 10 loaded members: any 64-member window has >= 54 idle ones, so they are always hot
                latency(bs.get(i), 1);
            }
        }
        Balancer hc = new HotCold(new Members(bs, ones(100)), 5, ticker, 3, 0.5);
        Map<Backend, Integer> c = new IdentityHashMap<>();
        int picks = 20_000;
        for (int i = 0; i < picks; i++) {
            c.merge(hc.pick(RequestContext.NONE), 1, Integer::sum);
        }
        int loaded = 0;
        for (int i = 0; i < 100; i += 10) {
            loaded += c.getOrDefault(bs.get(i), 0);
        }
        // only when all three draws are loaded (about 0.1 %) does a loaded member win, though it is the fastest
        assertThat(loaded).isLessThan(picks / 100);
        assertThat(c.size()).isGreaterThan(85);
    }

    @Test
    void badSettingsAreRefused() {
        List<Backend> bs = backends(2);
        assertThatThrownBy(() -> new HotCold(new Members(bs, ones(2)), 1, ticker, 0, 0.5)).hasMessageContaining("choices");
        assertThatThrownBy(() -> new HotCold(new Members(bs, ones(2)), 1, ticker, 2, 1.5)).hasMessageContaining("quantile");
    }
}
