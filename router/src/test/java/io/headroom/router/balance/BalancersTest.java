package io.headroom.router.balance;

import io.headroom.router.config.BalancerConfig.Type;
import io.headroom.router.upstream.Backend;
import io.headroom.time.ManualTicker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class BalancersTest {
    private final ManualTicker ticker = new ManualTicker();
    @RegisterExtension
    final TestBackends members = new TestBackends(ticker);

    private List<Backend> backends(int n) {
        return members.get(n, i -> "10.0.0." + (i + 1) + ":8080");
    }

    private static double[] ones(int n) {
        double[] w = new double[n];
        java.util.Arrays.fill(w, 1);
        return w;
    }

    private static Map<Backend, Integer> count(Balancer b, int picks, RequestContext ctx) {
        Map<Backend, Integer> c = new IdentityHashMap<>();
        for (int i = 0; i < picks; i++) {
            c.merge(b.pick(ctx), 1, Integer::sum);
        }
        return c;
    }

    @Test
    void roundRobinCyclesAndSkipsZeroWeight() {
        List<Backend> bs = backends(3);
        Balancer rr = Balancer.of(Type.ROUND_ROBIN, bs, new double[]{1, 0, 5}, 0, ticker);
        assertThat(rr.members()).containsExactly(bs.get(0), bs.get(2));
        List<Backend> seq = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            seq.add(rr.pick(RequestContext.NONE));
        }
        assertThat(seq).containsExactly(bs.get(0), bs.get(2), bs.get(0), bs.get(2));
    }

    @Test
    void randomIsSeededAndWeighted() {
        List<Backend> bs = backends(3);
        double[] w = {1, 2, 7};
        Balancer a = Balancer.of(Type.RANDOM, bs, w, 42, ticker);
        Balancer b = Balancer.of(Type.RANDOM, bs, w, 42, ticker);
        for (int i = 0; i < 100; i++) {
            assertThat(a.pick(RequestContext.NONE)).isSameAs(b.pick(RequestContext.NONE));
        }
        Map<Backend, Integer> c = count(Balancer.of(Type.RANDOM, bs, w, 7, ticker), 100_000, RequestContext.NONE);
        assertThat(c.get(bs.get(0)) / 100_000.0).isCloseTo(0.1, within(0.01));
        assertThat(c.get(bs.get(1)) / 100_000.0).isCloseTo(0.2, within(0.01));
        assertThat(c.get(bs.get(2)) / 100_000.0).isCloseTo(0.7, within(0.01));
    }

    @Test
    void leastRequestAvoidsTheBusyMember() {
        List<Backend> bs = backends(2);
        Balancer lr = Balancer.of(Type.LEAST_REQUEST, bs, ones(2), 1, ticker);
        for (int i = 0; i < 3; i++) {
            bs.get(0).started();
        }
        // with two members P2C always compares both: the idle one wins every time
        assertThat(count(lr, 1000, RequestContext.NONE)).containsOnlyKeys(bs.get(1));
        for (int i = 0; i < 3; i++) {
            bs.get(0).finished();
        }
        Map<Backend, Integer> even = count(lr, 1000, RequestContext.NONE);
        assertThat(even).containsKeys(bs.get(0), bs.get(1));
    }

    @Test
    void leastRequestSpreadsLoadUnderASimulatedServer() {
        // each pick holds a request; the heavier-weighted member may hold more at once
        List<Backend> bs = backends(4);
        Balancer lr = Balancer.of(Type.LEAST_REQUEST, bs, ones(4), 3, ticker);
        for (int i = 0; i < 40; i++) {
            lr.pick(RequestContext.NONE).started();
        }
        for (Backend b : bs) {
            assertThat(b.outstanding()).isBetween(8, 12);
        }
    }

    @Test
    void peakEwmaPrefersTheFasterMemberAndIgnoresFastErrors() {
        List<Backend> bs = backends(2);
        Backend fast = bs.get(0);
        Backend slow = bs.get(1);
        fast.observeLatency(Duration.ofMillis(5).toNanos(), ticker.read());
        slow.observeLatency(Duration.ofMillis(50).toNanos(), ticker.read());
        Balancer pe = Balancer.of(Type.PEAK_EWMA, bs, ones(2), 9, ticker);
        assertThat(count(pe, 100, RequestContext.NONE)).containsOnlyKeys(fast);
        // load = latency × (outstanding + 1): 5 ms × 10 in flight (50 ms) loses to 50 ms × 1 only once it is worse
        for (int i = 0; i < 10; i++) {
            fast.started();
        }
        assertThat(pe.pick(RequestContext.NONE)).isSameAs(slow);
    }

    @Test
    void peakEwmaTakesPeaksAtOnceAndDecaysThem() {
        Backend b = backends(1).get(0);
        b.decay(Duration.ofSeconds(10).toNanos());
        long t = ticker.read();
        b.observeLatency(10_000_000, t);
        assertThat(b.latencyEstimate(t)).isEqualTo(10_000_000);
        b.observeLatency(100_000_000, t); // a peak replaces the estimate at once
        assertThat(b.latencyEstimate(t)).isEqualTo(100_000_000);
        ticker.advance(Duration.ofSeconds(10));
        // read decays towards 0 by e^-1 after one decay time
        assertThat(b.latencyEstimate(ticker.read())).isCloseTo(100_000_000 * Math.exp(-1), within(1.0));
        b.observeLatency(10_000_000, ticker.read()); // lower sample: weighted in, 1 - e^-1 of it
        double expect = 100_000_000 * Math.exp(-1) + 10_000_000 * (1 - Math.exp(-1));
        assertThat(b.latencyEstimate(ticker.read())).isCloseTo(expect, within(1.0));
    }

    @Test
    void unmeasuredBusyMemberIsPenalised() {
        List<Backend> bs = backends(2);
        bs.get(1).observeLatency(1_000_000_000L, ticker.read()); // 1 s, slow but known
        Balancer pe = Balancer.of(Type.PEAK_EWMA, bs, ones(2), 9, ticker);
        assertThat(pe.pick(RequestContext.NONE)).isSameAs(bs.get(0)); // unmeasured and idle: cost 0
        bs.get(0).started();
        assertThat(pe.pick(RequestContext.NONE)).isSameAs(bs.get(1));
    }

    @Test
    void ringHashIsStickyAndRemapsAboutOneNth() {
        churn(Type.RING_HASH, true);
    }

    @Test
    void maglevIsStickyAndRemapsAboutOneNth() {
        churn(Type.MAGLEV, false);
    }

    private void churn(Type type, boolean onlyRemovedKeysMove) {
        int n = 10;
        List<Backend> bs = backends(n);
        Balancer before = Balancer.of(type, bs, ones(n), 1, ticker);
        int keys = 20_000;
        Map<Backend, Integer> load = new IdentityHashMap<>();
        Backend[] owner = new Backend[keys];
        for (int k = 0; k < keys; k++) {
            RequestContext ctx = RequestContext.hashed("r", "/", "user-" + k);
            owner[k] = before.pick(ctx);
            assertThat(before.pick(ctx)).isSameAs(owner[k]); // sticky
            load.merge(owner[k], 1, Integer::sum);
        }
        for (Backend b : bs) { // balanced within ±30% of the mean
            assertThat(load.get(b)).isBetween(keys / n * 7 / 10, keys / n * 13 / 10);
        }
        Backend removed = bs.get(3);
        List<Backend> rest = new ArrayList<>(bs);
        rest.remove(removed);
        Balancer after = Balancer.of(type, rest, ones(n - 1), 1, ticker);
        int moved = 0;
        int movedFromSurvivors = 0;
        for (int k = 0; k < keys; k++) {
            Backend now = after.pick(RequestContext.hashed("r", "/", "user-" + k));
            if (now != owner[k]) {
                moved++;
                if (owner[k] != removed) {
                    movedFromSurvivors++;
                }
            }
        }
        double share = moved / (double) keys;
        assertThat(share).isBetween(0.5 / n, 1.6 / n);
        if (onlyRemovedKeysMove) {
            assertThat(movedFromSurvivors).isZero();
        } else {
            assertThat(movedFromSurvivors / (double) keys).isLessThan(0.03);
        }
    }

    @Test
    void hashBalancersHonourWeights() {
        List<Backend> bs = backends(2);
        for (Type t : List.of(Type.RING_HASH, Type.MAGLEV)) {
            Balancer b = Balancer.of(t, bs, new double[]{1, 3}, 1, ticker);
            Map<Backend, Integer> c = new HashMap<>();
            for (int k = 0; k < 20_000; k++) {
                c.merge(b.pick(RequestContext.hashed("r", "/", "k" + k)), 1, Integer::sum);
            }
            assertThat(c.get(bs.get(1)) / 20_000.0).as(t.name()).isCloseTo(0.75, within(0.05));
        }
    }

    @Test
    void hashBalancersWithoutAKeyPickAtRandom() {
        List<Backend> bs = backends(3);
        Balancer m = Balancer.of(Type.MAGLEV, bs, ones(3), 5, ticker);
        assertThat(count(m, 3000, RequestContext.NONE)).hasSize(3);
    }

    @Test
    void everyTypeHandlesEmptyAndSingleMemberPools() {
        Backend one = backends(1).get(0);
        for (Type t : Type.values()) {
            assertThat(Balancer.of(t, List.of(), new double[0], 1, ticker).pick(RequestContext.NONE)).as(t.name()).isNull();
            Balancer b = Balancer.of(t, List.of(one), new double[]{1}, 1, ticker);
            assertThat(b.pick(RequestContext.hashed("r", "/", "x"))).as(t.name()).isSameAs(one);
            assertThat(b.members()).containsExactly(one);
        }
    }
}
