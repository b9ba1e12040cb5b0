package io.headroom.router.control;

import io.headroom.config.ConfigNode;
import io.headroom.router.balance.Balancer;
import io.headroom.router.balance.RequestContext;
import io.headroom.router.config.RouterConfig;
import io.headroom.router.upstream.Backend;
import io.headroom.router.upstream.PauseLog;
import io.headroom.router.upstream.Watchdog;
import io.headroom.time.ManualTicker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Outlier ejection, the ejection cap and back-off, slow start, and circuit breakers on a hand-moved clock. */
class PoolHealthTest {
    private final ManualTicker ticker = new ManualTicker();
    private final Watchdog watchdog = new Watchdog(ticker, TimeUnit.SECONDS.toNanos(1));
    private ControlPlanStore store;

    @AfterEach
    void close() {
        if (store != null) {
            store.close();
        }
        watchdog.close();
    }

    private PoolState pool(String extra) {
        String yaml = """
                router:
                  pools:
                    api:
                      backends: [10.0.0.1:80, 10.0.0.2:80, 10.0.0.3:80, 10.0.0.4:80]
                %s
                  routes: [{name: api, path-prefix: /, pool: api}]
                """.formatted(extra.indent(6).stripTrailing());
        RouterConfig cfg = RouterConfig.from(ConfigNode.parse("t.yaml", yaml));
        store = new ControlPlanStore(cfg.pools(), watchdog, Clock.systemUTC(), ticker, 1);
        return store.pool("api");
    }

    private static Backend member(PoolState p, int i) {
        return p.backends().get(io.headroom.router.config.HostPort.parse("10.0.0." + i + ":80"));
    }

    private static void fail(PoolState p, Backend b, int times) {
        for (int i = 0; i < times; i++) {
            p.failed(b, "connect failed", 1000);
        }
    }

    @Test
    void consecutiveFailuresEjectWithBackOffAndACap() {
        PoolState p = pool("""
                outlier: {consecutive-failures: 3, base-ejection-time: 10s, max-ejection-time: 25s, max-ejection-percent: 50}
                breaker: {enabled: false}""");
        Backend b1 = member(p, 1);
        Backend b2 = member(p, 2);
        Backend b3 = member(p, 3);

        fail(p, b1, 2);
        p.succeeded(b1, 200, 1000, ticker.read()); // a success breaks the streak
        fail(p, b1, 2);
        assertThat(p.snapshot().balancer().members()).contains(b1);
        fail(p, b1, 1);
        assertThat(p.snapshot().balancer().members()).doesNotContain(b1).hasSize(3);
        MemberStatus s1 = store.memberStates("api").get(0);
        assertThat(s1.ejected()).isTrue();
        assertThat(s1.available()).isFalse();
        assertThat(s1.ejections()).isEqualTo(1);
        assertThat(s1.lastError()).isEqualTo("connect failed");

        fail(p, b2, 3); // 2 of 4 = 50%: allowed
        fail(p, b3, 3); // 3 of 4 would exceed 50%: not ejected
        assertThat(p.snapshot().balancer().members()).containsExactlyInAnyOrder(member(p, 3), member(p, 4));
        assertThat(store.memberStates("api").get(2).ejected()).isFalse();

        ticker.advance(Duration.ofSeconds(10));
        store.refresh(); // first ejections (10 s) ended
        assertThat(p.snapshot().balancer().members()).hasSize(4);

        fail(p, b1, 3); // second ejection: 2 × 10 s
        ticker.advance(Duration.ofSeconds(19));
        store.refresh();
        assertThat(p.snapshot().balancer().members()).doesNotContain(b1);
        ticker.advance(Duration.ofSeconds(1));
        store.refresh();
        assertThat(p.snapshot().balancer().members()).contains(b1);

        fail(p, b1, 3); // third: 30 s capped at 25 s
        ticker.advance(Duration.ofSeconds(25));
        store.refresh();
        assertThat(p.snapshot().balancer().members()).contains(b1);
        assertThat(store.memberStates("api").get(0).ejections()).isEqualTo(3);
    }

    @Test
    void fiveHundredsCountButFourTwentyNinesDoNot() {
        PoolState p = pool("""
                balancer: {type: peak-ewma}
                outlier: {consecutive-failures: 2}
                breaker: {enabled: false}""");
        Backend b1 = member(p, 1);
        Backend b2 = member(p, 2);
        p.succeeded(b2, 200, 7000, ticker.read());
        assertThat(b2.latencyEstimate(ticker.read())).isEqualTo(7000);
        p.succeeded(b1, 429, 1000, ticker.read());
        p.succeeded(b1, 429, 1000, ticker.read());
        assertThat(p.snapshot().balancer().members()).contains(b1);
        assertThat(b1.latencyEstimate(ticker.read())).isZero(); // a fast 429 does not make it look fast
        p.succeeded(b1, 503, 1000, ticker.read());
        p.succeeded(b1, 500, 1000, ticker.read());
        assertThat(p.snapshot().balancer().members()).doesNotContain(b1);
        assertThat(b1.latencyEstimate(ticker.read())).isZero();
    }

    @Test
    void slowStartRampsARecoveredMemberFromTenPercent() {
        PoolState p = pool("""
                slow-start: 30s
                outlier: {consecutive-failures: 1, base-ejection-time: 1s}
                breaker: {enabled: false}""");
        Backend b1 = member(p, 1);
        assertThat(share(p.snapshot().balancer(), b1)).isCloseTo(0.25, within(0.01)); // initial members do not ramp
        fail(p, b1, 1);
        ticker.advance(Duration.ofSeconds(1));
        store.refresh(); // back: weight 10%
        assertThat(share(p.snapshot().balancer(), b1)).isCloseTo(0.1 / 3.1, within(0.01));
        ticker.advance(Duration.ofSeconds(15));
        store.refresh(); // half way: 55%
        assertThat(share(p.snapshot().balancer(), b1)).isCloseTo(0.55 / 3.55, within(0.01));
        ticker.advance(Duration.ofSeconds(15));
        store.refresh();
        assertThat(share(p.snapshot().balancer(), b1)).isCloseTo(0.25, within(0.01));
    }

    private static double share(Balancer b, Backend who) {
        Map<Backend, Integer> c = new IdentityHashMap<>();
        int n = 31_000;
        for (int i = 0; i < n; i++) {
            c.merge(b.pick(RequestContext.NONE), 1, Integer::sum);
        }
        return c.getOrDefault(who, 0) / (double) n;
    }

    @Test
    void anOpenBreakerExcludesTheMemberUntilHalfOpen() {
        PoolState p = pool("""
                outlier: {consecutive-failures: 0}
                breaker: {failure-rate: 50, window: 10, minimum-calls: 4, open-for: 5s, half-open-calls: 1}""");
        Backend b1 = member(p, 1);
        for (int i = 0; i < 4; i++) {
            assertThat(p.admit(b1)).isTrue();
            p.failed(b1, "boom", 1000);
        }
        assertThat(store.memberStates("api").get(0).breaker()).isEqualTo("OPEN");
        assertThat(p.snapshot().balancer().members()).doesNotContain(b1);
        ticker.advance(Duration.ofSeconds(5));
        store.refresh();
        assertThat(store.memberStates("api").get(0).breaker()).isEqualTo("HALF_OPEN");
        assertThat(p.snapshot().balancer().members()).contains(b1);
        assertThat(p.admit(b1)).isTrue();
        assertThat(p.admit(b1)).isFalse(); // one trial call at a time
        p.succeeded(b1, 200, 1000, ticker.read());
        assertThat(store.memberStates("api").get(0).breaker()).isEqualTo("CLOSED");
    }

    @Test
    void statesListEveryMember() {
        pool("");
        List<MemberStatus> s = store.memberStates("api");
        assertThat(s).extracting(MemberStatus::address).containsExactly("10.0.0.1:80", "10.0.0.2:80", "10.0.0.3:80", "10.0.0.4:80");
        assertThat(s).allMatch(m -> m.available() && m.healthy() && !m.ejected() && m.breaker().equals("CLOSED"));
        assertThat(store.memberStates("nope")).isEmpty();
    }

    @Test
    void aPauseOfTheProcessIsLeftOutOfLatencySamplesSoPeakEwmaStillPrefersTheFastMember() {
        PoolState p = pool("""
                balancer: {type: peak-ewma}
                breaker: {enabled: false}""");
        Backend fast = member(p, 1);
        Backend slow = member(p, 2);
        long ms = 1_000_000L;
        p.succeeded(fast, 200, 5 * ms, ticker.read());
        p.succeeded(slow, 200, 50 * ms, ticker.read());
        // the watchdog (period 1 s here, so a pause is a wake more than 1 s late) was due at +1 s and woke at +2.5 s:
        // the process was paused for 1.5 s
        PauseLog pauses = watchdog.pauses();
        pauses.sleeps(ticker.read());
        ticker.advance(Duration.ofMillis(2_500));
        pauses.woke(ticker.read());
        // an exchange with the fast member that spanned the pause took 1,505 ms by the clock, 5 ms of it the backend's
        p.succeeded(fast, 200, 1_505 * ms, ticker.read());
        assertThat(fast.latencyEstimate(ticker.read())).isCloseTo(5.0 * ms, within(0.5 * ms));
        assertThat(fast.latencyEstimate(ticker.read())).isLessThan(slow.latencyEstimate(ticker.read()));
        // one that did not overlap the pause counts in full
        ticker.advance(Duration.ofMillis(10));
        p.succeeded(fast, 200, 8 * ms, ticker.read());
        assertThat(fast.latencyEstimate(ticker.read())).isCloseTo(8.0 * ms, within(0.01 * ms));
    }

    @Test
    void hotColdPoolsFeedLatencyButAFastShedOrErrorNeverMakesAMemberLookFast() {
        PoolState p = pool("balancer: {type: hot-cold, choices: 2, hot-quantile: 0.5}");
        Backend a = member(p, 1);
        long now = ticker.read();
        p.succeeded(a, 200, 50_000_000L, now);
        assertThat(a.latencyEstimate(now)).isEqualTo(50_000_000.0);
        p.succeeded(a, 429, 1_000L, now);
        p.succeeded(a, 503, true, 1_000L, now);
        p.succeeded(a, 500, 1_000L, now);
        p.succeeded(a, 502, 1_000L, now);
        assertThat(a.latencyEstimate(now)).isEqualTo(50_000_000.0);
        p.succeeded(a, 404, 60_000_000L, now); // a 4xx is the backend's real answer: its time counts
        assertThat(a.latencyEstimate(now)).isEqualTo(60_000_000.0);
    }
}
