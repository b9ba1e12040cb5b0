package io.headroom.router.limit;

import io.headroom.ingest.model.ControlPlan;
import io.headroom.ingest.model.QuotaAllowance;
import io.headroom.router.auth.MutableClock;
import io.headroom.router.config.QuotaPeriod;
import io.headroom.router.config.RateLimitConfig;
import io.headroom.router.config.RouteConfig;
import io.headroom.time.ManualTicker;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** A router's allowances of cluster-wide calendar quotas, on a hand-moved clock: exact decisions and fail static. */
class QuotaAllowancesTest {
    private static final long DAY = 86_400_000L;
    private static final long D = Instant.parse("2026-11-29T00:00:00Z").toEpochMilli();
    private final ManualTicker ticker = new ManualTicker(1_000_000_000L);
    private final MutableClock clock = new MutableClock(D + 3_600_000L);
    private final QuotaAllowances allowances = new QuotaAllowances("r1");
    // local per-instance fallback: 4 a day for every consumer
    private final RateLimiter limiter = new RateLimiter(new RateLimitConfig(null, Map.of(),
            new RateLimitConfig.Quotas(ZoneOffset.UTC, Map.of(QuotaPeriod.DAY, 4L), Map.of())),
            new QuotaLeases("r1"), allowances, ticker, clock, null);
    private final RouteLimiter route = limiter.forRoute(new RouteConfig.Limits(null, null));

    private static ControlPlan plan(long issued, long validUntil, QuotaAllowance... a) {
        return new ControlPlan("pool:api", ControlPlan.SOURCE_PREDICTOR, issued, issued, validUntil, Map.of(), List.of(), List.of(), "t",
                List.of(a));
    }

    private int admitted(int tries) {
        int n = 0;
        for (int i = 0; i < tries; i++) {
            n += route.acquire("acme").allowed() ? 1 : 0;
        }
        return n;
    }

    @Test
    void theAllowanceReplacesTheLocalQuotaAndStartsFromWhatThePredictorCounted() {
        long now = clock.millis();
        // the cluster has 1000 a day; this instance used 3 (as the predictor counted) and may reach 10
        allowances.update(List.of(plan(now, now + 5_000,
                new QuotaAllowance("acme", "r1", "day", D, D + DAY, D + 2 * DAY, 1000, 3, 10, 300),
                new QuotaAllowance("acme", "r2", "day", D, D + DAY, D + 2 * DAY, 1000, 500, 900, 600))));
        RouteLimiter.Decision first = route.acquire("acme");
        assertThat(first.allowed()).isTrue();
        assertThat(first.policies()).isEqualTo("\"consumer-day\";q=4;w=86400, \"cluster-consumer-day\";q=1000;w=86400");
        assertThat(first.rateLimit()).isEqualTo("\"cluster-consumer-day\";r=6;t=82800");
        // a restarted router counts from the predictor's 3, not from 0: 7 in all, above the local 4
        assertThat(admitted(20)).isEqualTo(6);
        RouteLimiter.Decision refused = route.acquire("acme");
        assertThat(refused.allowed()).isFalse();
        assertThat(refused.policyName()).isEqualTo("cluster-consumer-day");
        assertThat(refused.retryAfterSeconds()).as("until the day resets").isEqualTo(82_800);
        assertThat(allowances.count("acme", QuotaPeriod.DAY, D)).isEqualTo(10);
        assertThat(allowances.failStaticDecisions()).isZero();
    }

    @Test
    void anExpiredPlanFallsBackToTheLocalCountWhichKeptCounting() {
        long now = clock.millis();
        allowances.update(List.of(plan(now, now + 5_000,
                new QuotaAllowance("acme", "r1", "day", D, D + DAY, D + 2 * DAY, 1000, 0, 3, 300))));
        assertThat(admitted(5)).isEqualTo(3);
        clock.advance(java.time.Duration.ofSeconds(6)); // the plan expired; the store has not dropped it yet
        // the local quota of 4 counted the 3 admitted under the allowance: one more, then refused by the local quota
        assertThat(admitted(1)).isEqualTo(1);
        RouteLimiter.Decision d = route.acquire("acme");
        assertThat(d.allowed()).isFalse();
        assertThat(d.policyName()).isEqualTo("consumer-day");
        assertThat(allowances.failStaticDecisions()).isEqualTo(2);
        allowances.update(List.of()); // the store dropped the expired plan
        assertThat(allowances.failStatic()).isTrue();
        assertThat(allowances.consumers()).as("still named in full in telemetry").containsExactly("acme");
        assertThat(route.acquire("acme").policyName()).isEqualTo("consumer-day");
        // a fresh predictor plan without allowances: the cluster quota was removed from the configuration
        allowances.update(List.of(plan(clock.millis(), clock.millis() + 5_000)));
        assertThat(allowances.failStatic()).isFalse();
        assertThat(allowances.consumers()).isEmpty();
    }

    @Test
    void atTheCalendarBoundaryTheNextWindowsAllowanceAppliesUntilANewPlanArrives() {
        clock.set(D + DAY - 2_000);
        long now = clock.millis();
        allowances.update(List.of(plan(now, now + 10_000,
                new QuotaAllowance("acme", "r1", "day", D, D + DAY, D + 2 * DAY, 1000, 0, 2, 5))));
        assertThat(admitted(4)).isEqualTo(2);
        assertThat(route.acquire("acme").retryAfterSeconds()).isEqualTo(2);
        clock.set(D + DAY); // midnight UTC: the count resets, the next day's allowance of 5 applies
        assertThat(admitted(8)).as("the allowance of 5 decides, not the local 4").isEqualTo(5);
        assertThat(allowances.count("acme", QuotaPeriod.DAY, D + DAY)).isEqualTo(5);
        assertThat(route.acquire("acme").retryAfterSeconds()).isEqualTo(86_400);
        // the predictor's plan for the new day: this instance used 5 and may reach 7
        now = clock.millis();
        allowances.update(List.of(plan(now, now + 10_000,
                new QuotaAllowance("acme", "r1", "day", D + DAY, D + 2 * DAY, D + 3 * DAY, 1000, 5, 7, 5))));
        assertThat(admitted(5)).isEqualTo(2);
    }

    @Test
    void aRefusalByTheAllowanceGivesBackWhatEarlierLimitsTook() {
        long now = clock.millis();
        RateLimiter withMonth = new RateLimiter(new RateLimitConfig(null, Map.of(),
                new RateLimitConfig.Quotas(ZoneOffset.UTC, Map.of(QuotaPeriod.MONTH, 100L), Map.of())),
                new QuotaLeases("r1"), allowances, ticker, clock, null);
        RouteLimiter r = withMonth.forRoute(new RouteConfig.Limits(null, null));
        long monthStart = Instant.parse("2026-11-01T00:00:00Z").toEpochMilli();
        long monthEnd = Instant.parse("2026-12-01T00:00:00Z").toEpochMilli();
        allowances.update(List.of(plan(now, now + 5_000,
                new QuotaAllowance("acme", "r1", "day", D, D + DAY, D + 2 * DAY, 1000, 0, 10, 5),
                new QuotaAllowance("acme", "r1", "month", monthStart, monthEnd, Instant.parse("2027-01-01T00:00:00Z").toEpochMilli(),
                        50_000, 0, 2, 50_000))));
        int ok = 0;
        for (int i = 0; i < 5; i++) {
            RouteLimiter.Decision d = r.acquire("acme");
            ok += d.allowed() ? 1 : 0;
            if (!d.allowed()) {
                assertThat(d.policyName()).isEqualTo("cluster-consumer-month");
            }
        }
        assertThat(ok).isEqualTo(2);
        assertThat(allowances.count("acme", QuotaPeriod.MONTH, monthStart)).isEqualTo(2);
        assertThat(allowances.count("acme", QuotaPeriod.DAY, D)).as("the day's count of refused requests is given back").isEqualTo(2);
    }
}
