package io.headroom.router.analytics;

import io.headroom.router.auth.MutableClock;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.ZoneOffset;

import static org.assertj.core.api.Assertions.assertThat;

/** Usage by consumer, route, day and month on a hand-set clock: every number exact. */
class UsageAnalyticsTest {
    private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");
    private final MutableClock clock = new MutableClock(Instant.parse("2026-03-28T23:30:00Z").toEpochMilli()); // 00:30 in Berlin

    @Test
    void countsPerConsumerRouteAndPair() {
        UsageAnalytics u = new UsageAnalytics(clock, BERLIN);
        u.record("orders", "alice", 200, 10, 100, 1_000_000);
        u.record("orders", "alice", 503, 0, 50, 2_000_000);
        u.record("orders", "bob", 429, 0, 20, 500_000);
        u.record("users", "alice", 200, 0, 1000, 3_000_000);
        UsageAnalytics.Report r = u.day(LocalDate.parse("2026-03-29"));
        assertThat(r.period()).isEqualTo("2026-03-29");
        assertThat(r.zone()).isEqualTo("Europe/Berlin");
        assertThat(r.total().requests()).isEqualTo(4);
        assertThat(r.total().serverErrors()).isEqualTo(1);
        assertThat(r.total().clientErrors()).isEqualTo(1);
        assertThat(r.total().bytesIn()).isEqualTo(10);
        assertThat(r.total().bytesOut()).isEqualTo(1170);
        assertThat(r.total().maxMillis()).isEqualTo(3.0);
        assertThat(r.total().meanMillis()).isEqualTo(1.625);
        assertThat(r.byConsumer().get("alice").requests()).isEqualTo(3);
        assertThat(r.byConsumer().get("bob").requests()).isEqualTo(1);
        assertThat(r.byRoute().get("orders").requests()).isEqualTo(3);
        assertThat(r.byRoute().get("users").bytesOut()).isEqualTo(1000);
        assertThat(r.rows()).extracting(UsageAnalytics.Row::consumer, UsageAnalytics.Row::route)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("alice", "orders"), org.assertj.core.groups.Tuple.tuple("alice", "users"),
                        org.assertj.core.groups.Tuple.tuple("bob", "orders"));
        assertThat(u.today().total().requests()).isEqualTo(4);
        u.record("we\"ird", "bob", 200, 0, 0, 1_234_567);
        String json = u.today().toJson();
        assertThat(json).startsWith("{\"period\":\"2026-03-29\",\"zone\":\"Europe/Berlin\",\"total\":{\"requests\":5,")
                .contains("\"consumers\":{\"alice\":{\"requests\":3,\"serverErrors\":1,\"clientErrors\":0,\"bytesIn\":10,\"bytesOut\":1150,"
                        + "\"meanMillis\":2,")
                .contains("\"routes\":{\"orders\":{\"requests\":3,").contains("\"we\\\"ird\":{\"requests\":1,")
                .contains("\"maxMillis\":1.234}").contains("{\"consumer\":\"bob\",\"route\":\"orders\",\"usage\":{\"requests\":1,")
                .endsWith("}]}");
        Object parsed = io.headroom.router.aggregate.Json.parse(json);
        assertThat(parsed).isNotNull();
    }

    @Test
    void percentilesComeFromTheHistogram() {
        UsageAnalytics u = new UsageAnalytics(clock, ZoneOffset.UTC);
        for (int i = 0; i < 98; i++) {
            u.record("r", "c", 200, 0, 0, 1_000_000); // 1 ms
        }
        u.record("r", "c", 200, 0, 0, 100_000_000);   // 100 ms
        u.record("r", "c", 200, 0, 0, 100_000_000);
        UsageAnalytics.Usage t = u.today().total();
        assertThat(t.p50Millis()).isEqualTo(1.131);   // the bucket up to 100 µs × 2^3.5
        assertThat(t.p95Millis()).isEqualTo(1.131);
        assertThat(t.p99Millis()).isEqualTo(100.0);   // the bucket up to 102.4 ms, capped by the max
        assertThat(t.maxMillis()).isEqualTo(100.0);
        assertThat(UsageAnalytics.bucket(0)).isZero();
        assertThat(UsageAnalytics.bucket(100)).isZero();
        assertThat(UsageAnalytics.bucket(101)).isEqualTo(1);
        assertThat(UsageAnalytics.bucket(Long.MAX_VALUE)).isEqualTo(UsageAnalytics.BUCKETS - 1);
    }

    @Test
    void bucketWithoutSearchMatchesTheBinarySearchEverywhere() {
        for (long m = 0; m < 2_000_000; m++) { // every latency up to 2 s: all bounds but the last few, exactly
            if (UsageAnalytics.bucket(m) != UsageAnalytics.bucketBySearch(m)) {
                assertThat(UsageAnalytics.bucket(m)).as("bucket(%d)", m).isEqualTo(UsageAnalytics.bucketBySearch(m));
            }
        }
        for (int k = 0; k < 63; k++) { // around every power of two, the larger bounds included
            for (long d = -2; d <= 2; d++) {
                long m = Math.max(0, (1L << k) + d);
                assertThat(UsageAnalytics.bucket(m)).as("bucket(%d)", m).isEqualTo(UsageAnalytics.bucketBySearch(m));
            }
        }
        for (int i = 0; i < UsageAnalytics.BUCKETS - 1; i++) { // on and beside every bound
            long bound = Math.round(100 * Math.pow(2, i / 2.0));
            for (long m = bound - 1; m <= bound + 1; m++) {
                assertThat(UsageAnalytics.bucket(m)).as("bucket(%d)", m).isEqualTo(UsageAnalytics.bucketBySearch(m));
            }
            assertThat(UsageAnalytics.bucket(bound)).isEqualTo(i);
        }
        java.util.SplittableRandom r = new java.util.SplittableRandom(42);
        for (int i = 0; i < 100_000; i++) {
            long m = r.nextLong(Long.MAX_VALUE) >>> r.nextInt(63);
            assertThat(UsageAnalytics.bucket(m)).as("bucket(%d)", m).isEqualTo(UsageAnalytics.bucketBySearch(m));
        }
    }

    @Test
    void daysFollowTheLocalCalendarAndMonthsSumTheirDays() {
        UsageAnalytics u = new UsageAnalytics(clock, BERLIN, 100, 2, 3);
        u.record("r", "a", 200, 0, 1, 1000);                              // 2026-03-29 (a 23-hour day)
        clock.set(Instant.parse("2026-03-29T21:59:59.999Z").toEpochMilli());
        u.record("r", "a", 200, 0, 1, 1000);                              // still 2026-03-29
        clock.set(Instant.parse("2026-03-29T22:00:00Z").toEpochMilli());
        u.record("r", "a", 200, 0, 1, 1000);                              // 2026-03-30
        assertThat(u.day(LocalDate.parse("2026-03-29")).total().requests()).isEqualTo(2);
        assertThat(u.day(LocalDate.parse("2026-03-30")).total().requests()).isEqualTo(1);
        clock.set(Instant.parse("2026-03-31T21:59:00Z").toEpochMilli());  // 23:59 on the 31st in Berlin
        u.record("r", "b", 200, 0, 1, 1000);
        clock.set(Instant.parse("2026-03-31T22:00:00Z").toEpochMilli());  // April 1st in Berlin
        u.record("r", "b", 200, 0, 1, 1000);
        // two days kept whole: the 29th was folded into March, whose total is unchanged by it
        assertThat(u.days()).containsExactly(LocalDate.parse("2026-03-31"), LocalDate.parse("2026-04-01"));
        assertThat(u.day(LocalDate.parse("2026-03-29")).total().requests()).isZero();
        UsageAnalytics.Report march = u.month(YearMonth.parse("2026-03"));
        assertThat(march.total().requests()).isEqualTo(4);
        assertThat(march.byConsumer().get("a").requests()).isEqualTo(3);
        assertThat(march.byConsumer().get("b").requests()).isEqualTo(1);
        assertThat(u.month(YearMonth.parse("2026-04")).total().requests()).isEqualTo(1);
        assertThat(u.months()).containsExactly(YearMonth.parse("2026-03"), YearMonth.parse("2026-04"));
    }

    @Test
    void monthsAreBoundedToo() {
        UsageAnalytics u = new UsageAnalytics(clock, ZoneOffset.UTC, 100, 1, 2);
        for (String d : new String[]{"2026-01-15", "2026-02-15", "2026-03-15", "2026-04-15"}) {
            clock.set(Instant.parse(d + "T12:00:00Z").toEpochMilli());
            u.record("r", "a", 200, 0, 0, 1000);
        }
        assertThat(u.months()).containsExactly(YearMonth.parse("2026-02"), YearMonth.parse("2026-03"), YearMonth.parse("2026-04"));
        assertThat(u.month(YearMonth.parse("2026-01")).total().requests()).isZero();
    }

    @Test
    void pairsPerDayAreBoundedWithoutLosingCounts() {
        UsageAnalytics u = new UsageAnalytics(clock, ZoneOffset.UTC, 3, 10, 10);
        for (int i = 0; i < 10; i++) {
            u.record("r", "c" + i, 200, 0, 0, 1000);
        }
        u.record("r", "c0", 200, 0, 0, 1000);
        UsageAnalytics.Report r = u.today();
        assertThat(r.total().requests()).isEqualTo(11);
        assertThat(r.rows()).hasSize(4); // c0, c1, c2 and (other) for r
        assertThat(r.byConsumer().get("c0").requests()).isEqualTo(2);
        assertThat(r.byConsumer().get(UsageAnalytics.OTHER).requests()).isEqualTo(7);
    }
}
