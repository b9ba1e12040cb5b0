package io.headroom.router.balance;

import io.headroom.router.upstream.Backend;
import io.headroom.time.ManualTicker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLongArray;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The cheap pick paths give exactly what the plain rules give: the striped {@link Rng} is SplitMix64 of the seed for a
 * single thread, and peak-EWMA's and hot-cold's clock-free latency keys order members as their decayed estimates do.
 */
class PickCostTest {
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;
    private final ManualTicker ticker = new ManualTicker(5_000_000_000L);
    @RegisterExtension
    final TestBackends members = new TestBackends(ticker);

    private List<Backend> backends(int n) {
        List<Backend> out = members.get(n, i -> "10.1.0." + (i + 1) + ":8080");
        out.forEach(b -> b.decay(Duration.ofSeconds(10).toNanos()));
        return out;
    }

    @Test
    void aSingleThreadDrawsExactlySplitMix64OfTheSeed() {
        for (long seed : new long[]{0, 1, 42, -7, Long.MAX_VALUE}) {
            Rng rng = new Rng(seed);
            long state = seed;
            for (int i = 0; i < 1000; i++) {
                state += GOLDEN;
                assertThat(rng.nextLong()).isEqualTo(Rng.mix(state));
            }
        }
    }

    @Test
    void stripesArePowersOfTwoFromEightPerCpuUpTo64() {
        assertThat(Rng.stripes(1)).isEqualTo(8);
        assertThat(Rng.stripes(2)).isEqualTo(16);
        assertThat(Rng.stripes(3)).isEqualTo(32);
        assertThat(Rng.stripes(8)).isEqualTo(64);
        assertThat(Rng.stripes(500)).isEqualTo(64);
    }

    @Test
    void manyThreadsAtOnceDrawUniformly() throws Exception {
        Rng rng = new Rng(3);
        int threads = 8;
        int draws = 100_000;
        AtomicLongArray buckets = new AtomicLongArray(16);
        List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            ts.add(Thread.ofPlatform().start(() -> {
                for (int i = 0; i < draws; i++) {
                    long v = rng.nextLong();
                    buckets.incrementAndGet((int) (((v >>> 33) * 16) >>> 31));
                }
            }));
        }
        for (Thread t : ts) {
            t.join();
        }
        long expected = (long) threads * draws / 16;
        for (int k = 0; k < 16; k++) {
            assertThat(buckets.get(k)).isBetween(expected * 9 / 10, expected * 11 / 10);
        }
    }

    @Test
    void theAliasTableGivesEachMemberExactlyItsShareOfWeight() {
        SplittableRandom r = new SplittableRandom(17);
        for (int round = 0; round < 200; round++) {
            int n = 2 + r.nextInt(40);
            double[] w = new double[n];
            double total = 0;
            for (int i = 0; i < n; i++) {
                w[i] = round % 3 == 0 ? 1 + r.nextInt(5) : 0.01 + r.nextDouble() * 100;
                total += w[i];
            }
            Members m = new Members(backends(n), w);
            if (m.uniform) {
                continue;
            }
            double[] p = new double[n];
            for (int col = 0; col < n; col++) { // a column is drawn with probability 1/n, then keeps itself or its alias
                double keep = m.threshold[col] / 0x1p32;
                p[col] += keep / n;
                p[m.alias[col]] += (1 - keep) / n;
            }
            for (int i = 0; i < n; i++) {
                assertThat(p[i]).as("round %s member %s", round, i).isCloseTo(w[i] / total, org.assertj.core.api.Assertions.within(1e-9));
            }
        }
    }

    @Test
    void latencyKeysOrderMembersAsTheirDecayedEstimatesDoAtAnyInstant() {
        SplittableRandom r = new SplittableRandom(11);
        List<Backend> bs = backends(6);
        for (int round = 0; round < 200; round++) {
            for (Backend b : bs) {
                ticker.advance(Duration.ofMillis(r.nextInt(0, 3000)));
                b.observeLatency(r.nextLong(100_000, 500_000_000), ticker.read());
            }
            for (int look = 0; look < 5; look++) {
                long now = ticker.read() + r.nextLong(0, 60_000_000_000L);
                for (Backend a : bs) {
                    for (Backend c : bs) {
                        double ea = a.latencyEstimate(now);
                        double ec = c.latencyEstimate(now);
                        if (Math.abs(ea - ec) > 1e-9 * Math.max(ea, ec)) {
                            assertThat(a.latencyKey() < c.latencyKey()).isEqualTo(ea < ec);
                        }
                    }
                }
            }
        }
        assertThat(members.get("10.1.9.9:8080").latencyKey()).isEqualTo(Double.NEGATIVE_INFINITY); // no sample
    }

    @Test
    void peakEwmaPicksExactlyAsTheLoadRuleOnTheClockDoes() {
        SplittableRandom r = new SplittableRandom(5);
        List<Backend> bs = backends(7);
        double[] w = {1, 2, 1, 3, 1, 0.5, 2};
        Members m = new Members(bs, w);
        PeakEwma pe = new PeakEwma(m, 21, ticker);
        Rng twin = new Rng(21);
        int checked = 0;
        for (int round = 0; round < 300; round++) {
            // move the world: new samples at different instants, requests starting and finishing
            Backend b = bs.get(r.nextInt(bs.size()));
            ticker.advance(Duration.ofMillis(r.nextInt(0, 2000)));
            if (round == 0 || r.nextInt(4) > 0) {
                b.observeLatency(r.nextLong(1_000_000, 300_000_000), ticker.read());
            }
            Backend c = bs.get(r.nextInt(bs.size()));
            if (r.nextBoolean()) {
                c.started();
            } else if (c.outstanding() > 0) {
                c.finished();
            }
            for (int p = 0; p < 20; p++) {
                int i = m.weightedIndex(twin);
                int j = m.otherIndex(twin, i);
                long now = ticker.read();
                Backend expected = pe.load(j, now) < pe.load(i, now) ? m.backends[j] : m.backends[i];
                assertThat(pe.pick(RequestContext.NONE)).as("round %s pick %s", round, p).isSameAs(expected);
                checked++;
            }
        }
        assertThat(checked).isEqualTo(6000);
    }
}
