package io.headroom.cli;

import io.headroom.ingest.kafka.KafkaClients;
import io.headroom.ingest.model.QuotaAllowance;
import io.headroom.predictor.service.PredictorService;
import io.headroom.router.limit.QuotaAllowances;
import io.headroom.time.CalendarPeriod;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Cluster-wide calendar quotas ({@code predictor.period-quotas}) across three routers, on the real embedded broker, the
 * real predictor loop and real sockets on 127.0.0.1 ({@link QuotaCluster}):
 * <pre>
 *   client ──70 %──► r1 ─┐
 *          ──20 %──► r2 ─┼─► backend       consumer "app": 600 a day in Europe/Berlin over the cluster
 *          ──10 %──► r3 ─┘                 (each router alone: 200 a day, its fail-static fallback)
 *          telemetry (exact per-consumer counts) ──► predictor: global count, allowances ──► control plans ──► routers
 * </pre>
 * Every role reads one injected clock, shifted to a past day (so that the telemetry topic's record timestamps, which
 * are real time, lie after the calendar window's start, as they would in production). Admissions are counted from the
 * routers' own telemetry windows.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class PeriodQuotaClusterTest {
    private static final String KEY = "period-quota-cluster-key";
    private static final String CONSUMER = "app";
    private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");
    private static final double RESERVE = 0.1;
    private static final double FLOOR = 0.1;
    /** Of every 10 requests: 7 to r1, 2 to r2, 1 to r3. */
    private static final int[] PATTERN = {0, 1, 0, 0, 2, 0, 1, 0, 0, 0};

    @TempDir
    Path tmp;

    /** The wall clock every role reads: real time moved by an offset the test sets. */
    static final class ShiftedClock extends Clock {
        private volatile long offsetMillis;

        ShiftedClock(long nowMillis) {
            set(nowMillis);
        }

        /** From now on, the clock reads {@code nowMillis} and runs on in real time from there. */
        void set(long nowMillis) {
            offsetMillis = nowMillis - System.currentTimeMillis();
        }

        @Override
        public long millis() {
            return System.currentTimeMillis() + offsetMillis;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis());
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException();
        }
    }

    /** Local midnight in Berlin at the start of the day two days before today (always in the past). */
    private static long pastMidnight() {
        return LocalDate.now(BERLIN).minusDays(2).atStartOfDay(BERLIN).toInstant().toEpochMilli();
    }

    private QuotaCluster cluster(String name, long day, long local, Clock clock) throws Exception {
        return QuotaCluster.started(name, backend -> yaml(backend, day, local), tmp.resolve("kafka"), 3, clock);
    }

    /** Waits until every router holds allowances of the day from {@code windowStart}, valid for 5 s more on {@code clock}. */
    private static void awaitAllowances(QuotaCluster c, long windowStart, Clock clock) {
        await("day allowances of " + CONSUMER + " from " + windowStart + " in force in all three routers").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
                    for (int i = 0; i < 3; i++) {
                        List<QuotaAllowances.Entry> es = c.router(i).quotaAllowances().snapshot().get(CONSUMER);
                        assertThat(es).as("allowances in %s", QuotaCluster.IDS[i]).isNotNull();
                        assertThat(es.getFirst().windowEndMillis()).isEqualTo(windowStart + 86_400_000L);
                        assertThat(es.getFirst().validUntilMillis()).isGreaterThan(clock.millis() + 5_000);
                    }
                });
    }

    /** Each router's admissions of {@code CONSUMER} in windows starting in {@code [from, to)}. */
    private static long[] admitted(QuotaCluster c, long from, long to) {
        long[] out = new long[3];
        for (int i = 0; i < 3; i++) {
            out[i] = c.admitted(i, CONSUMER, from, to);
        }
        return out;
    }

    private static long sum(long[] a) {
        long s = 0;
        for (long v : a) {
            s += v;
        }
        return s;
    }

    @Test
    void theGlobalDailyQuotaHoldsWithin5PercentAcrossThreeRoutersAndNoneStarves() throws Exception {
        long midnight = pastMidnight();
        long limit = 600;
        ShiftedClock clock = new ShiftedClock(midnight + 12 * 3_600_000L);
        try (QuotaCluster c = cluster("period-quota-cluster.yaml", limit, limit / 3, clock)) {
            awaitAllowances(c, midnight, clock);
            // 100 req/s, 70/20/10, for 25 s: 2 500 offered against 600 a day
            QuotaCluster.Traffic traffic = c.traffic("/q", new String[]{KEY}, 10, 128, 2_500, Duration.ofSeconds(60),
                    n -> new QuotaCluster.Pick(PATTERN[(int) (n % PATTERN.length)], 0));
            await("all traffic sent").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                    .until(() -> traffic.sent.get() >= 2_500);
            long end = clock.millis() + 2_000;
            c.awaitWindowsFrom(end, Duration.ofSeconds(30));
            long[] admitted = admitted(c, midnight, midnight + 86_400_000L);
            long total = sum(admitted);
            System.out.printf(Locale.ROOT, "daily quota %d over 3 routers, 100 req/s offered 70/20/10 for 25 s: admitted r1 %d, r2 %d,"
                            + " r3 %d = %d (%+.2f %% of the quota); client ok %s, 429 %s, failed %d, skipped %d%n", limit, admitted[0],
                    admitted[1], admitted[2], total, (total / (double) limit - 1) * 100, traffic.ok(), traffic.limited(),
                    traffic.failed.sum(), traffic.skipped.sum());
            assertThat((double) total).as("admitted over the day by r1, r2, r3 together").isBetween(limit * 0.95, limit * 1.05);
            double floor = limit * (1 - RESERVE) * FLOOR / 3;
            for (int i = 0; i < 3; i++) {
                assertThat((double) admitted[i]).as("%s admits at least its floor of %.0f", QuotaCluster.IDS[i], floor)
                        .isGreaterThanOrEqualTo(floor);
                assertThat(traffic.limited[i].sum()).as("%s refused requests once the quota was spent", QuotaCluster.IDS[i]).isPositive();
            }
            // The predictor's count is the routers' own, exactly.
            await("the predictor counted every admission").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(250))
                    .until(() -> c.stack().predictor().core().periodQuotaUsed(CONSUMER, CalendarPeriod.DAY, clock.millis()) == total);
            // 429 until local midnight, with the RateLimit headers naming the cluster quota.
            HttpResponse<Void> refusal = traffic.lastRefusal.get();
            long untilMidnight = (midnight + 86_400_000L - clock.millis()) / 1000;
            long retryAfter = Long.parseLong(refusal.headers().firstValue("Retry-After").orElseThrow());
            System.out.println("a refusal: Retry-After " + retryAfter + ", RateLimit " + refusal.headers().firstValue("RateLimit").orElse("")
                    + ", RateLimit-Policy " + refusal.headers().firstValue("RateLimit-Policy").orElse(""));
            assertThat(retryAfter).as("seconds until Berlin midnight").isBetween(untilMidnight, untilMidnight + 60);
            assertThat(refusal.headers().firstValue("RateLimit").orElseThrow()).startsWith("\"cluster-consumer-day\";r=0;t=");
            assertThat(refusal.headers().firstValue("RateLimit-Policy").orElseThrow()).contains("\"cluster-consumer-day\";q=600;w=86400");
            assertThat(traffic.failed.sum()).isZero();
        }
    }

    @Test
    void theCountResetsAtLocalMidnightOfTheInjectedClock() throws Exception {
        long midnight = pastMidnight() + 86_400_000L; // the end of the day that starts at pastMidnight()
        long limit = 150;
        ShiftedClock clock = new ShiftedClock(midnight - 120_000);
        try (QuotaCluster c = cluster("period-quota-reset.yaml", limit, limit / 3, clock)) {
            // Forward to 40 s before midnight (a jump a plan in force would not survive: it expires on the new clock),
            // then wait for plans issued on it.
            clock.set(midnight - 40_000);
            awaitAllowances(c, midnight - 86_400_000L, clock);
            assertThat(clock.millis()).as("the plans arrived with time to spare before midnight").isLessThan(midnight - 20_000);
            // 40 req/s until 15 s after midnight: the quota is spent before midnight, then again in the new day
            QuotaCluster.Traffic traffic = c.traffic("/q", new String[]{KEY}, 25, 128, 4_000, Duration.ofSeconds(90),
                    n -> new QuotaCluster.Pick(PATTERN[(int) (n % PATTERN.length)], 0));
            await("refusals before midnight").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                    .until(() -> traffic.lastRefusal.get() != null);
            HttpResponse<Void> refusal = traffic.lastRefusal.get();
            long retryAfter = Long.parseLong(refusal.headers().firstValue("Retry-After").orElseThrow());
            assertThat(clock.millis()).isLessThan(midnight);
            assertThat(retryAfter).as("Retry-After: until midnight, 40 s after the jump at most").isBetween(1L, 40L);
            assertThat(refusal.headers().firstValue("RateLimit").orElseThrow()).startsWith("\"cluster-consumer-day\";r=0;t=");
            awaitAllowances(c, midnight, clock);
            await("15 s of the new day").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250))
                    .until(() -> clock.millis() >= midnight + 15_000);
            traffic.pause();
            c.awaitWindowsFrom(clock.millis() + 2_000, Duration.ofSeconds(30));
            long[] before = admitted(c, midnight - 86_400_000L, midnight);
            long[] after = admitted(c, midnight, midnight + 86_400_000L);
            System.out.printf(Locale.ROOT, "daily quota %d: the day before midnight admitted %s = %d, the new day %s = %d; client 429 %s%n",
                    limit, java.util.Arrays.toString(before), sum(before), java.util.Arrays.toString(after), sum(after), traffic.limited());
            assertThat((double) sum(before)).as("the old day").isBetween(limit * 0.95, limit * 1.05);
            assertThat((double) sum(after)).as("the new day starts from zero and is capped again").isBetween(limit * 0.95, limit * 1.05);
            await("the predictor's count of the new day").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(250))
                    .until(() -> c.stack().predictor().core().periodQuotaUsed(CONSUMER, CalendarPeriod.DAY, clock.millis()) == sum(after));
        }
    }

    @Test
    void aRestartedPredictorRebuildsTheDaysCountFromTheTelemetryTopic() throws Exception {
        long midnight = pastMidnight();
        long limit = 600;
        ShiftedClock clock = new ShiftedClock(midnight + 12 * 3_600_000L);
        try (QuotaCluster c = cluster("period-quota-restart.yaml", limit, limit / 3, clock)) {
            awaitAllowances(c, midnight, clock);
            // 40 req/s for 5 s: about 200 of the 600 used
            QuotaCluster.Traffic traffic = c.traffic("/q", new String[]{KEY}, 25, 128, 200, Duration.ofSeconds(30),
                    n -> new QuotaCluster.Pick(PATTERN[(int) (n % PATTERN.length)], 0));
            await("first traffic sent").atMost(Duration.ofSeconds(30)).until(() -> traffic.sent.get() >= 200);
            c.awaitWindowsFrom(clock.millis() + 2_000, Duration.ofSeconds(30));
            long used = sum(admitted(c, midnight, midnight + 86_400_000L));
            PredictorService first = c.stack().predictor();
            await("the first predictor's count").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(250))
                    .until(() -> first.core().periodQuotaUsed(CONSUMER, CalendarPeriod.DAY, clock.millis()) == used);
            Map<String, Long> byInstance = first.core().periodQuotaUsedByInstance(CONSUMER, CalendarPeriod.DAY, clock.millis());
            assertThat(used).isBetween(150L, 200L);

            first.close();
            // fail static: the plans expire (plan-ttl 10 s) and each router counts on its own, logged and counted
            await("routers fall back to their local quotas").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
                    .until(() -> c.router(0).quotaAllowances().failStatic() && c.router(1).quotaAllowances().failStatic()
                            && c.router(2).quotaAllowances().failStatic());

            PredictorService second = c.closeLater(PredictorService.start(new KafkaClients(c.stack().bootstrapServers(), "predictor-2"),
                    c.config().kafka().topics(), c.config().predictor(), clock));
            await("the restarted predictor rebuilt the day's count from the topic").atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(250))
                    .until(() -> second.core().periodQuotaUsed(CONSUMER, CalendarPeriod.DAY, clock.millis()) == used);
            assertThat(second.core().periodQuotaUsedByInstance(CONSUMER, CalendarPeriod.DAY, clock.millis())).isEqualTo(byInstance);
            List<QuotaAllowance> allowances = second.core().quotaAllowances(clock.millis());
            Map<String, Long> usedInPlan = new HashMap<>();
            allowances.forEach(a -> usedInPlan.put(a.instanceId(), a.used()));
            assertThat(usedInPlan).isEqualTo(byInstance);
            System.out.println("rebuilt by the restarted predictor: " + used + " used, per instance " + byInstance + "; its allowances "
                    + allowances);
            await("allowances in force again").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
                    .until(() -> !c.router(0).quotaAllowances().failStatic() && !c.router(2).quotaAllowances().failStatic());

            // The rest of the day's quota, and no more: a predictor that restarted from zero would admit 600 more.
            QuotaCluster.Traffic more = c.traffic("/q", new String[]{KEY}, 10, 128, 2_000, Duration.ofSeconds(60),
                    n -> new QuotaCluster.Pick(PATTERN[(int) (n % PATTERN.length)], 0));
            await("the rest of the traffic sent").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500))
                    .until(() -> more.sent.get() >= 2_000);
            c.awaitWindowsFrom(clock.millis() + 2_000, Duration.ofSeconds(30));
            long[] admitted = admitted(c, midnight, midnight + 86_400_000L);
            System.out.printf(Locale.ROOT, "after the restart: admitted over the day %s = %d of %d (%+.2f %%)%n",
                    java.util.Arrays.toString(admitted), sum(admitted), limit, (sum(admitted) / (double) limit - 1) * 100);
            assertThat((double) sum(admitted)).isBetween(limit * 0.95, limit * 1.05);
        }
    }

    private String yaml(String backend, long day, long local) {
        return QuotaCluster.yaml(tmp.resolve("kafka"), backend, "q", List.of(CONSUMER), List.of(KEY), """
                quotas:
                  time-zone: Europe/Berlin
                  consumers:
                    %s: {day: %d}
                """.formatted(CONSUMER, local), "{capacity-per-instance: 1000}", """
                quota-leases: {half-life: 5s, warm-up: 3s, forget-after: 30s}
                period-quotas:
                  time-zone: Europe/Berlin
                  reserve: %s
                  floor: %s
                  consumers:
                    %s: {day: %d}
                """.formatted(RESERVE, FLOOR, CONSUMER, day));
    }
}
