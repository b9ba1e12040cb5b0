package io.headroom.router.limit;

import io.headroom.router.auth.MutableClock;
import io.headroom.router.config.QuotaPeriod;
import io.headroom.router.config.RateLimitConfig;
import io.headroom.router.config.RouteConfig;
import io.headroom.time.ManualTicker;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Calendar windows over DST changes and month ends, and quota decisions on a hand-moved clock: all exact. */
class QuotaTest {
    private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");
    private static final ZoneId NEW_YORK = ZoneId.of("America/New_York");
    private final ManualTicker ticker = new ManualTicker(1_000_000_000L);
    private final MutableClock clock = new MutableClock(0);

    private static long ms(String instant) {
        return Instant.parse(instant).toEpochMilli();
    }

    private static void window(QuotaPeriod p, ZoneId zone, String at, String start, String end) {
        long[] w = p.window(ms(at), zone);
        assertThat(Instant.ofEpochMilli(w[0])).isEqualTo(Instant.parse(start));
        assertThat(Instant.ofEpochMilli(w[1])).isEqualTo(Instant.parse(end));
    }

    @Test
    void daysAreLocalMidnightToMidnightSo23Or25HoursOnDstDays() {
        // Berlin: 2026-03-29 02:00 CET -> 03:00 CEST (23 h); 2026-10-25 03:00 CEST -> 02:00 CET (25 h)
        window(QuotaPeriod.DAY, BERLIN, "2026-03-29T10:00:00Z", "2026-03-28T23:00:00Z", "2026-03-29T22:00:00Z");
        window(QuotaPeriod.DAY, BERLIN, "2026-10-25T10:00:00Z", "2026-10-24T22:00:00Z", "2026-10-25T23:00:00Z");
        window(QuotaPeriod.DAY, BERLIN, "2026-03-28T22:59:59.999Z", "2026-03-27T23:00:00Z", "2026-03-28T23:00:00Z");
        // New York: 2026-03-08 (23 h) and 2026-11-01 (25 h)
        window(QuotaPeriod.DAY, NEW_YORK, "2026-03-08T12:00:00Z", "2026-03-08T05:00:00Z", "2026-03-09T04:00:00Z");
        window(QuotaPeriod.DAY, NEW_YORK, "2026-11-01T12:00:00Z", "2026-11-01T04:00:00Z", "2026-11-02T05:00:00Z");
        // Santiago skips midnight itself on 2026-09-06 (00:00 -> 01:00): the day starts at 01:00 and has 23 h
        window(QuotaPeriod.DAY, ZoneId.of("America/Santiago"), "2026-09-06T12:00:00Z", "2026-09-06T04:00:00Z", "2026-09-07T03:00:00Z");
    }

    @Test
    void hoursFollowTheLocalClockIncludingTheRepeatedHour() {
        // New York 2026-11-01: 01:00-02:00 happens twice (EDT, then EST): two windows of one hour each
        window(QuotaPeriod.HOUR, NEW_YORK, "2026-11-01T05:30:00Z", "2026-11-01T05:00:00Z", "2026-11-01T06:00:00Z");
        window(QuotaPeriod.HOUR, NEW_YORK, "2026-11-01T06:30:00Z", "2026-11-01T06:00:00Z", "2026-11-01T07:00:00Z");
        // 2026-03-08: 01:59:59 EST is followed by 03:00 EDT; the windows stay contiguous
        window(QuotaPeriod.HOUR, NEW_YORK, "2026-03-08T06:59:59Z", "2026-03-08T06:00:00Z", "2026-03-08T07:00:00Z");
        window(QuotaPeriod.HOUR, NEW_YORK, "2026-03-08T07:00:00Z", "2026-03-08T07:00:00Z", "2026-03-08T08:00:00Z");
        // a half-hour offset: Kolkata's hours start at :30 UTC
        window(QuotaPeriod.HOUR, ZoneId.of("Asia/Kolkata"), "2026-06-01T10:10:00Z", "2026-06-01T09:30:00Z", "2026-06-01T10:30:00Z");
        window(QuotaPeriod.MINUTE, BERLIN, "2026-03-29T00:59:59.999Z", "2026-03-29T00:59:00Z", "2026-03-29T01:00:00Z");
    }

    @Test
    void monthsRunFromTheFirstToTheFirst() {
        window(QuotaPeriod.MONTH, ZoneOffset.UTC, "2026-02-28T23:59:59.999Z", "2026-02-01T00:00:00Z", "2026-03-01T00:00:00Z");
        window(QuotaPeriod.MONTH, ZoneOffset.UTC, "2028-02-29T12:00:00Z", "2028-02-01T00:00:00Z", "2028-03-01T00:00:00Z");
        window(QuotaPeriod.MONTH, ZoneOffset.UTC, "2026-01-31T23:59:59.999Z", "2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z");
        // Berlin's March 2026 is 31 days less an hour, its October 31 days and an hour
        window(QuotaPeriod.MONTH, BERLIN, "2026-03-15T00:00:00Z", "2026-02-28T23:00:00Z", "2026-03-31T22:00:00Z");
        window(QuotaPeriod.MONTH, BERLIN, "2026-10-31T22:59:59Z", "2026-09-30T22:00:00Z", "2026-10-31T23:00:00Z");
        // 2026-12-31T23:30Z is already January in Berlin
        window(QuotaPeriod.MONTH, BERLIN, "2026-12-31T23:30:00Z", "2026-12-31T23:00:00Z", "2027-01-31T23:00:00Z");
    }

    private RateLimiter limiter(ZoneId zone, Map<QuotaPeriod, Long> consumer, Map<String, Map<QuotaPeriod, Long>> overrides) {
        return new RateLimiter(new RateLimitConfig(null, Map.of(), new RateLimitConfig.Quotas(zone, consumer, overrides)),
                new QuotaLeases("n1"), ticker, clock);
    }

    @Test
    void aDailyQuotaOnA23HourDayRefusesUntilLocalMidnight() {
        // 00:30 local on Berlin's 23-hour day; the day ends at 2026-03-29T22:00Z, 22.5 h away
        clock.set(ms("2026-03-28T23:30:00Z"));
        RouteLimiter r = limiter(BERLIN, Map.of(QuotaPeriod.DAY, 3L), Map.of()).forRoute(RouteConfig.Limits.NONE);
        for (int left = 2; left >= 0; left--) {
            RouteLimiter.Decision d = r.acquire("alice");
            assertThat(d.allowed()).isTrue();
            assertThat(d.rateLimit()).isEqualTo("\"consumer-day\";r=" + left + ";t=81000");
            assertThat(d.policies()).isEqualTo("\"consumer-day\";q=3;w=82800");
        }
        RouteLimiter.Decision no = r.acquire("alice");
        assertThat(no.allowed()).isFalse();
        assertThat(no.policyName()).isEqualTo("consumer-day");
        assertThat(no.retryAfterSeconds()).isEqualTo(81000);
        assertThat(no.rateLimit()).isEqualTo("\"consumer-day\";r=0;t=81000");
        assertThat(r.acquire("bob").allowed()).isTrue(); // per consumer
        clock.set(ms("2026-03-29T21:59:59.001Z"));
        assertThat(r.acquire("alice").retryAfterSeconds()).isEqualTo(1);
        clock.set(ms("2026-03-29T22:00:00Z"));
        RouteLimiter.Decision next = r.acquire("alice");
        assertThat(next.allowed()).isTrue();
        assertThat(next.rateLimit()).isEqualTo("\"consumer-day\";r=2;t=86400");
        assertThat(next.policies()).isEqualTo("\"consumer-day\";q=3;w=86400");
    }

    @Test
    void theFallBackDayHas25HoursOfQuota() {
        clock.set(ms("2026-10-24T22:00:00Z")); // local midnight starting the 25-hour day
        RouteLimiter r = limiter(BERLIN, Map.of(QuotaPeriod.DAY, 1L), Map.of()).forRoute(RouteConfig.Limits.NONE);
        assertThat(r.acquire("a").rateLimit()).isEqualTo("\"consumer-day\";r=0;t=90000");
        clock.set(ms("2026-10-25T22:30:00Z")); // 23:30 local, still the same day
        assertThat(r.acquire("a").retryAfterSeconds()).isEqualTo(1800);
    }

    @Test
    void monthlyQuotasResetOnTheFirstWhateverTheMonthsLength() {
        clock.set(ms("2026-02-28T23:59:59Z"));
        RouteLimiter r = limiter(ZoneOffset.UTC, Map.of(QuotaPeriod.MONTH, 2L), Map.of()).forRoute(RouteConfig.Limits.NONE);
        assertThat(r.acquire("a").policies()).isEqualTo("\"consumer-month\";q=2;w=2419200");
        assertThat(r.acquire("a").allowed()).isTrue();
        RouteLimiter.Decision no = r.acquire("a");
        assertThat(no.allowed()).isFalse();
        assertThat(no.retryAfterSeconds()).isEqualTo(1);
        clock.set(ms("2026-03-01T00:00:00Z"));
        RouteLimiter.Decision march = r.acquire("a");
        assertThat(march.allowed()).isTrue();
        assertThat(march.policies()).isEqualTo("\"consumer-month\";q=2;w=2678400");
        assertThat(march.rateLimit()).isEqualTo("\"consumer-month\";r=1;t=2678400");
        clock.set(ms("2028-02-10T00:00:00Z"));
        assertThat(r.acquire("a").policies()).isEqualTo("\"consumer-month\";q=2;w=2505600"); // 29 days
    }

    @Test
    void severalPeriodsTheTightestIsReportedAndOverridesReplaceTheDefault() {
        clock.set(ms("2026-06-01T10:00:30Z"));
        RouteLimiter r = limiter(ZoneOffset.UTC, Map.of(QuotaPeriod.MINUTE, 2L, QuotaPeriod.DAY, 100L),
                Map.of("vip", Map.of(QuotaPeriod.DAY, 1000L))).forRoute(RouteConfig.Limits.NONE);
        RouteLimiter.Decision d = r.acquire("a");
        assertThat(d.policies()).isEqualTo("\"consumer-minute\";q=2;w=60, \"consumer-day\";q=100;w=86400");
        assertThat(d.rateLimit()).isEqualTo("\"consumer-minute\";r=1;t=30");
        r.acquire("a");
        RouteLimiter.Decision no = r.acquire("a");
        assertThat(no.policyName()).isEqualTo("consumer-minute");
        assertThat(no.retryAfterSeconds()).isEqualTo(30);
        // the refused request was not counted against the day
        clock.set(ms("2026-06-01T10:01:00Z"));
        assertThat(r.acquire("a").policies()).contains("consumer-minute");
        assertThat(r.acquire("a").rateLimit()).isEqualTo("\"consumer-minute\";r=0;t=60");
        // vip has its own quota set: no minute limit
        RouteLimiter.Decision vip = r.acquire("vip");
        assertThat(vip.policies()).isEqualTo("\"consumer-day\";q=1000;w=86400");
        assertThat(vip.rateLimit()).isEqualTo("\"consumer-day\";r=999;t=50340");
    }

    @Test
    void routeAndRouteConsumerQuotasAndRefunds() {
        clock.set(ms("2026-06-01T10:00:00Z"));
        RateLimiter global = limiter(ZoneOffset.UTC, Map.of(QuotaPeriod.DAY, 10L), Map.of());
        RouteLimiter orders = global.forRoute(new RouteConfig.Limits(null, null, Map.of(QuotaPeriod.HOUR, 3L), Map.of(QuotaPeriod.HOUR, 1L)));
        RouteLimiter other = global.forRoute(RouteConfig.Limits.NONE);
        assertThat(orders.acquire("a").allowed()).isTrue();
        RouteLimiter.Decision twice = orders.acquire("a");
        assertThat(twice.policyName()).isEqualTo("route-consumer-hour");
        assertThat(twice.retryAfterSeconds()).isEqualTo(3600);
        assertThat(twice.policies()).isEqualTo("\"consumer-day\";q=10;w=86400, \"route-hour\";q=3;w=3600, \"route-consumer-hour\";q=1;w=3600");
        assertThat(orders.acquire("b").allowed()).isTrue();
        assertThat(orders.acquire("c").allowed()).isTrue();
        RouteLimiter.Decision full = orders.acquire("d"); // the route's 3 per hour are used, by a, b and c
        assertThat(full.policyName()).isEqualTo("route-hour");
        // refused requests were given back to the consumer's day and the route's hour: a has used 1 of 10
        assertThat(other.acquire("a").rateLimit()).isEqualTo("\"consumer-day\";r=8;t=50400");
        assertThat(other.acquire("d").rateLimit()).isEqualTo("\"consumer-day\";r=9;t=50400");
    }

    @Test
    void aQuotaRefusalGivesBackTheRateAdmissions() {
        clock.set(ms("2026-06-01T10:00:00Z"));
        RateLimiter global = new RateLimiter(new RateLimitConfig(new RouteConfig.Rate(1, 2, "1/s"), Map.of(),
                new RateLimitConfig.Quotas(ZoneOffset.UTC, Map.of(), Map.of())), new QuotaLeases("n1"), ticker, clock);
        RouteLimiter r = global.forRoute(new RouteConfig.Limits(null, null, Map.of(QuotaPeriod.HOUR, 1L), Map.of()));
        assertThat(r.acquire("a").allowed()).isTrue();
        assertThat(r.acquire("a").policyName()).isEqualTo("route-hour"); // refused by the quota, the rate given back
        clock.set(ms("2026-06-01T11:00:00Z"));                              // the ticker stands still
        assertThat(r.acquire("a").allowed()).isTrue();                      // the second of the burst of 2
        RouteLimiter.Decision rate = r.acquire("a");
        assertThat(rate.policyName()).isEqualTo("consumer");
        assertThat(rate.policies()).isEqualTo("\"consumer\";q=2;w=2, \"route-hour\";q=1;w=3600");
    }

    @Test
    void aQuotaCountsExactlyUnderContention() throws Exception {
        clock.set(ms("2026-06-01T10:00:00Z"));
        RouteLimiter r = limiter(ZoneOffset.UTC, Map.of(QuotaPeriod.DAY, 5000L), Map.of()).forRoute(RouteConfig.Limits.NONE);
        java.util.concurrent.atomic.AtomicInteger admitted = new java.util.concurrent.atomic.AtomicInteger();
        Thread[] ts = new Thread[8];
        for (int i = 0; i < ts.length; i++) {
            ts[i] = Thread.ofPlatform().start(() -> {
                for (int k = 0; k < 1000; k++) {
                    if (r.acquire("a").allowed()) {
                        admitted.incrementAndGet();
                    }
                }
            });
        }
        for (Thread t : ts) {
            t.join();
        }
        assertThat(admitted.get()).isEqualTo(5000);
    }

    @Test
    void windowsAreCachedUntilTheClockLeavesThem() {
        Quota q = new Quota("consumer", QuotaPeriod.DAY, 5, BERLIN);
        Quota.Window a = q.window(ms("2026-03-29T10:00:00Z"));
        assertThat(q.window(ms("2026-03-29T21:59:59.999Z"))).isSameAs(a);
        assertThat(q.window(ms("2026-03-29T22:00:00Z"))).isNotSameAs(a);
        assertThat(Duration.ofMillis(a.end() - a.start())).isEqualTo(Duration.ofHours(23));
    }
}
