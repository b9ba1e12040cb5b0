package io.headroom.router.limit;

import io.headroom.router.auth.MutableClock;
import io.headroom.router.config.QuotaPeriod;
import io.headroom.router.config.RateLimitConfig;
import io.headroom.router.config.RouteConfig;
import io.headroom.time.ManualTicker;
import org.junit.jupiter.api.Test;

import java.time.ZoneOffset;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A configuration reload (a file edit, or a change through the admin API) builds new limiters: the counts of the current
 * windows carry over, so changing one consumer's quota resets no one's, and a rate limit keeps its state.
 */
class LimiterCarryOverTest {
    private final ManualTicker ticker = new ManualTicker(1_000_000_000L);
    private final MutableClock clock = new MutableClock(1_700_000_000_000L);
    private final QuotaLeases leases = new QuotaLeases("n1");

    private RateLimiter limiter(Map<QuotaPeriod, Long> consumer, Map<String, Map<QuotaPeriod, Long>> overrides, RateLimiter previous) {
        return new RateLimiter(new RateLimitConfig(new RouteConfig.Rate(1, 3, "1/s"), Map.of(),
                new RateLimitConfig.Quotas(ZoneOffset.UTC, consumer, overrides)), leases, ticker, clock, previous);
    }

    private static int admitted(RouteLimiter r, String consumer, int tries) {
        int n = 0;
        for (int i = 0; i < tries; i++) {
            if (r.acquire(consumer).allowed()) {
                n++;
            }
        }
        return n;
    }

    @Test
    void quotaCountsAndRateCellsSurviveAReloadThatChangesSomethingElse() {
        RouteConfig.Limits routeLimits = new RouteConfig.Limits(null, null, Map.of(QuotaPeriod.DAY, 15L), Map.of(QuotaPeriod.HOUR, 50L));
        RateLimiter before = limiter(Map.of(QuotaPeriod.DAY, 10L), Map.of("acme", Map.of(QuotaPeriod.DAY, 20L)), null);
        RouteLimiter r1 = before.forRoute(routeLimits);
        assertThat(admitted(r1, "globex", 3)).isEqualTo(3); // the rate's burst of 3 used up, 3 of 10 a day
        for (int i = 0; i < 6; i++) { // 6 seconds: the rate admits 6 more
            ticker.advanceNanos(1_000_000_000L);
            assertThat(r1.acquire("globex").allowed()).isTrue();
        }
        // 9 of globex's 10 a day are used; now a reload gives a new consumer its own quota and raises acme's
        RateLimiter after = limiter(Map.of(QuotaPeriod.DAY, 10L),
                Map.of("acme", Map.of(QuotaPeriod.DAY, 30L), "initech", Map.of(QuotaPeriod.DAY, 5L)), before);
        RouteLimiter r2 = after.forRoute(routeLimits, r1);
        assertThat(r2.acquire("globex").allowed()).as("the rate cell carried over: no burst right after the reload").isFalse();
        ticker.advanceNanos(1_000_000_000L);
        assertThat(r2.acquire("globex").allowed()).as("the 10th of the day").isTrue();
        ticker.advanceNanos(1_000_000_000L);
        RouteLimiter.Decision d = r2.acquire("globex");
        assertThat(d.allowed()).as("the day's quota counted on: the 11th is refused").isFalse();
        assertThat(d.policyName()).isEqualTo("consumer-day");

        // a consumer moved from the default to its own quota keeps its count: 9 used, 5 allowed now
        ticker.advanceNanos(10_000_000_000L);
        assertThat(admitted(r1, "hooli", 3)).isEqualTo(3);
        RateLimiter third = limiter(Map.of(QuotaPeriod.DAY, 10L), Map.of("hooli", Map.of(QuotaPeriod.DAY, 4L)), after);
        RouteLimiter r3 = third.forRoute(routeLimits, r2);
        ticker.advanceNanos(10_000_000_000L);
        assertThat(admitted(r3, "hooli", 3)).as("3 counted before, a quota of 4: one more").isEqualTo(1);
        // the route's own daily quota counted on too: 3 + 6 + 1 (globex) + 3 + 1 (hooli) = 14 of 15
        assertThat(r3.acquire("acme").allowed()).isTrue();
        RouteLimiter.Decision full = r3.acquire("acme");
        assertThat(full.allowed()).isFalse();
        assertThat(full.policyName()).isEqualTo("route-day");
    }

    @Test
    void withoutAPreviousLimiterCountingStartsFromZero() {
        RateLimiter a = limiter(Map.of(QuotaPeriod.DAY, 2L), Map.of(), null);
        RouteLimiter r = a.forRoute(RouteConfig.Limits.NONE);
        assertThat(admitted(r, "x", 3)).isEqualTo(2);
        RouteLimiter fresh = limiter(Map.of(QuotaPeriod.DAY, 2L), Map.of(), null).forRoute(RouteConfig.Limits.NONE);
        assertThat(admitted(fresh, "x", 3)).isEqualTo(2);
    }
}
