package io.headroom.router.limit;

import io.headroom.ingest.model.ControlPlan;
import io.headroom.ingest.model.QuotaLease;
import io.headroom.router.auth.MutableClock;
import io.headroom.router.config.RateLimitConfig;
import io.headroom.router.config.RouteConfig;
import io.headroom.time.ManualTicker;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** GCRA limits on a hand-moved clock: every decision and header is exact. */
class RateLimiterTest {
    private final ManualTicker ticker = new ManualTicker(1_000_000_000L);
    private final MutableClock clock = new MutableClock(1_700_000_000_000L);
    private final QuotaLeases leases = new QuotaLeases("node-1");

    private static RouteConfig.Rate rate(double perSecond, long burst) {
        return new RouteConfig.Rate(perSecond, burst, perSecond + "/s");
    }

    private RateLimiter limiter(RouteConfig.Rate consumer, Map<String, RouteConfig.Rate> overrides) {
        return new RateLimiter(new RateLimitConfig(consumer, overrides), leases, ticker, clock);
    }

    @Test
    void gcraAdmitsTheBurstThenOnePerEmissionInterval() {
        AtomicLong cell = new AtomicLong(Gcra.EMPTY);
        long t = 100_000_000L; // 10/s
        long cap = 5 * t;      // burst 5
        long now = -5_000_000_000L; // ticker time may be negative
        for (int i = 1; i <= 5; i++) {
            assertThat(Gcra.acquire(cell, now, t, cap)).isEqualTo(i * t);
        }
        assertThat(Gcra.acquire(cell, now, t, cap)).isEqualTo(-t);
        assertThat(Gcra.acquire(cell, now + t - 1, t, cap)).isEqualTo(-1);
        assertThat(Gcra.acquire(cell, now + t, t, cap)).isEqualTo(5 * t);
        assertThat(Gcra.acquire(cell, now + t, t, cap)).isNegative();
        // idle for a long time: full again, not more than full
        assertThat(Gcra.acquire(cell, now + 100 * t, t, cap)).isEqualTo(t);
    }

    @Test
    void consumerLimitWithHeaders() {
        RouteLimiter r = limiter(rate(10, 5), Map.of()).forRoute(RouteConfig.Limits.NONE);
        RouteLimiter.Decision d = r.acquire("alice");
        assertThat(d.allowed()).isTrue();
        assertThat(d.rateLimit()).isEqualTo("\"consumer\";r=4;t=1");
        assertThat(d.policies()).isEqualTo("\"consumer\";q=5;w=1");
        for (int i = 0; i < 4; i++) {
            assertThat(r.acquire("alice").allowed()).isTrue();
        }
        RouteLimiter.Decision no = r.acquire("alice");
        assertThat(no.allowed()).isFalse();
        assertThat(no.retryAfterSeconds()).isEqualTo(1);
        assertThat(no.rateLimit()).isEqualTo("\"consumer\";r=0;t=1");
        assertThat(r.acquire("bob").allowed()).isTrue(); // each consumer has its own cell
        ticker.advance(Duration.ofMillis(100));
        assertThat(r.acquire("alice").allowed()).isTrue();
        assertThat(r.acquire("alice").allowed()).isFalse();
    }

    @Test
    void slowRatesGiveLongRetryAfter() {
        RouteLimiter r = limiter(null, Map.of()).forRoute(new RouteConfig.Limits(new RouteConfig.Rate(1 / 60.0, 2, "1/m"), null));
        assertThat(r.acquire("a").rateLimit()).isEqualTo("\"route\";r=1;t=60");
        assertThat(r.acquire("b").policies()).isEqualTo("\"route\";q=2;w=120");
        RouteLimiter.Decision no = r.acquire("c");
        assertThat(no.allowed()).isFalse();
        assertThat(no.retryAfterSeconds()).isEqualTo(60);
        ticker.advance(Duration.ofSeconds(59));
        assertThat(r.acquire("c").retryAfterSeconds()).isEqualTo(1);
    }

    @Test
    void overridesRouteAndPerConsumerRouteLimitsCombine() {
        RateLimiter global = limiter(rate(1, 1), Map.of("vip", rate(100, 100)));
        RouteLimiter r = global.forRoute(new RouteConfig.Limits(rate(1, 3), rate(1, 2)));
        assertThat(r.acquire("anon").allowed()).isTrue();
        assertThat(r.acquire("anon").policyName()).isEqualTo("consumer"); // the global 1/s burst 1
        RouteLimiter.Decision v1 = r.acquire("vip");
        assertThat(v1.allowed()).isTrue();
        assertThat(v1.policies()).isEqualTo("\"consumer\";q=100;w=1, \"route\";q=3;w=3, \"route-consumer\";q=2;w=2");
        assertThat(v1.rateLimit()).isEqualTo("\"route\";r=1;t=2"); // the route has used 2 of 3
        RouteLimiter.Decision v2 = r.acquire("vip");
        assertThat(v2.allowed()).isTrue();
        assertThat(v2.rateLimit()).startsWith("\"route\";r=0");
        RouteLimiter.Decision v3 = r.acquire("vip");
        assertThat(v3.allowed()).isFalse();
        assertThat(v3.policyName()).isEqualTo("route");
        // the refusal gave the consumer cell back: on another route vip still has its 100 minus the 2 admitted
        RouteLimiter other = global.forRoute(RouteConfig.Limits.NONE);
        assertThat(other.acquire("vip").rateLimit()).isEqualTo("\"consumer\";r=97;t=1");
    }

    @Test
    void perConsumerRouteLimitRefusesOnlyThatConsumer() {
        RouteLimiter r = limiter(null, Map.of()).forRoute(new RouteConfig.Limits(null, rate(1, 1)));
        assertThat(r.acquire("a").allowed()).isTrue();
        assertThat(r.acquire("a").policyName()).isEqualTo("route-consumer");
        assertThat(r.acquire("b").allowed()).isTrue();
    }

    @Test
    void noLimitNoDecision() {
        assertThat(limiter(null, Map.of()).forRoute(RouteConfig.Limits.NONE).acquire("a")).isNull();
    }

    private ControlPlan plan(long epoch, long validForMillis, QuotaLease... q) {
        long now = clock.millis();
        return new ControlPlan("route:api", ControlPlan.SOURCE_PREDICTOR, epoch, now, now + validForMillis, Map.of(), List.of(q),
                List.of(), "test");
    }

    @Test
    void aValidLeaseReplacesTheStaticRateAndExpiresToIt() {
        RateLimiter global = limiter(rate(1, 1), Map.of());
        RouteLimiter r = global.forRoute(RouteConfig.Limits.NONE);
        leases.update(List.of(plan(1, 10_000, new QuotaLease("alice", "node-1", 10, 3), new QuotaLease("alice", "*", 1000, 1000),
                new QuotaLease("bob", "node-2", 50, 50), new QuotaLease("carol", "*", 2, 2))));
        RouteLimiter.Decision d = r.acquire("alice");
        assertThat(d.policies()).isEqualTo("\"consumer\";q=3;w=1"); // the lease for this instance beats "*"
        assertThat(r.acquire("alice").allowed()).isTrue();
        assertThat(r.acquire("alice").allowed()).isTrue();
        assertThat(r.acquire("alice").allowed()).isFalse();
        assertThat(r.acquire("bob").policies()).isEqualTo("\"consumer\";q=1;w=1"); // node-2's lease is not ours
        assertThat(r.acquire("carol").policies()).isEqualTo("\"consumer\";q=2;w=1");
        clock.advance(Duration.ofSeconds(10)); // the plan expired: fail static
        ticker.advance(Duration.ofSeconds(10));
        assertThat(r.acquire("alice").policies()).isEqualTo("\"consumer\";q=1;w=1");
        assertThat(r.acquire("alice").allowed()).isFalse();
    }

    @Test
    void aLeaseAppliesEvenWithoutAStaticRate() {
        RouteLimiter r = limiter(null, Map.of()).forRoute(RouteConfig.Limits.NONE);
        assertThat(r.acquire("alice")).isNull();
        leases.update(List.of(plan(1, 10_000, new QuotaLease("alice", "node-1", 1, 1))));
        assertThat(r.acquire("alice").allowed()).isTrue();
        assertThat(r.acquire("alice").allowed()).isFalse();
        leases.update(List.of());
        assertThat(r.acquire("alice")).isNull();
    }
}
