package io.headroom.cli;

import io.headroom.cli.stack.Stack;
import io.headroom.ingest.model.ConsumerStats;
import io.headroom.ingest.model.QuotaLease;
import io.headroom.ingest.model.TelemetryWindow;
import io.headroom.router.Router;
import io.headroom.router.limit.QuotaLeases;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Per-consumer quota leases across three routers, on the real embedded broker and real sockets on 127.0.0.1. Two
 * consumers with opposite skews share the routers:
 * <pre>
 *   consumer a ──80 %──► r1   ──10 %──► r2   ──10 %──► r3        global limit 30/s each (static 30/s per router)
 *   consumer b ──10 %──► r1   ──10 %──► r2   ──80 %──► r3
 * </pre>
 * Every router carries about the same total, so the instance share alone would give each router a third of each
 * limit: a's r1 and b's r3 would starve at 10/s while the others sat idle. With the consumer counts in telemetry the
 * predictor splits each limit by the consumer's own share, and each consumer's admitted rate over a 10-s window,
 * counted from the routers' own windows, must lie within 5 % of its global limit, with every router admitting each
 * consumer at least its floor. The burst (20, two-thirds of a second's worth) gives even the smallest lease a burst of
 * 2: requests that arrive on a fixed 160-ms grid would otherwise lose a third of a 3.6/s lease to GCRA quantisation.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class QuotaLeaseConsumerClusterTest {
    private static final String[] CONSUMERS = {"a", "b"};
    private static final String[] KEYS = {"consumer-a-test-key", "consumer-b-test-key"};
    private static final String ROUTE = "quota";
    private static final double LIMIT = 30;
    private static final double RESERVE = 0.1;
    /** One request every 8 ms, alternating a and b: 62.5 req/s offered per consumer, about twice its limit. */
    private static final int PERIOD_MS = 8;
    /** Router index of each of every 10 requests of a consumer: a 8/1/1 to r1/r2/r3, b 1/1/8. */
    private static final int[][] PATTERN = {{0, 0, 0, 0, 1, 0, 0, 0, 2, 0}, {2, 2, 0, 2, 2, 1, 2, 2, 2, 2}};
    private static final double[][] SHARE = {{0.8, 0.1, 0.1}, {0.1, 0.1, 0.8}};
    private static final String[] IDS = QuotaCluster.IDS;
    private static final int MEASURE_S = 10;
    private static final Duration MAX_TRAFFIC = Duration.ofSeconds(100);
    private static final int MAX_REQUESTS = 1000 / PERIOD_MS * 100;

    @TempDir
    Path tmp;

    @Test
    void eachConsumersLimitHoldsAcrossThreeRoutersWithOppositeSkews() throws Exception {
        long t0 = System.nanoTime();
        try (QuotaCluster cluster = QuotaCluster.started("quota-consumers.yaml", this::yaml, tmp.resolve("kafka"), 3, Clock.systemUTC())) {
            Stack stack = cluster.stack();
            Router[] routers = {cluster.router(0), cluster.router(1), cluster.router(2)};
            System.out.printf("broker, predictor and 3 routers up after %d ms%n", ms(t0));

            QuotaCluster.Traffic traffic = cluster.traffic("/" + ROUTE, KEYS, PERIOD_MS, 128, MAX_REQUESTS, MAX_TRAFFIC, n -> {
                int c = (int) (n % 2);
                return new QuotaCluster.Pick(PATTERN[c][(int) ((n / 2) % 10)], c);
            });

            double floor = LIMIT * RESERVE / 3;
            await("per-consumer leases in force in all three routers").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                    .untilAsserted(() -> {
                        for (int c = 0; c < 2; c++) {
                            for (int i = 0; i < 3; i++) {
                                QuotaLeases.Lease l = routers[i].quotaLeases().lease(CONSUMERS[c], Clock.systemUTC());
                                double expected = floor + LIMIT * (1 - RESERVE) * SHARE[c][i];
                                assertThat(l).as("lease of %s in router %s", CONSUMERS[c], IDS[i]).isNotNull();
                                assertThat(l.policy().perSecond()).as("lease of %s in %s (expected about %.2f)", CONSUMERS[c], IDS[i], expected)
                                        .isBetween(expected * 0.85, expected * 1.15);
                            }
                        }
                    });
            System.out.printf("leases in force after %d ms; predictor's: %s%n", ms(t0),
                    stack.predictor().core().quotaLeases(System.currentTimeMillis()).stream().map(QuotaLease::toString).toList());

            long s0 = Math.floorDiv(System.currentTimeMillis(), 1000) + 2;
            long s1 = s0 + MEASURE_S;
            cluster.awaitWindowsFrom(s1 * 1000, Duration.ofSeconds(MEASURE_S + 20));
            long[][] admitted = new long[2][3];
            long[][] offered = new long[2][3];
            for (int i = 0; i < 3; i++) {
                for (TelemetryWindow w : cluster.windows(i)) {
                    long second = Math.floorDiv(w.startMillis(), 1000);
                    if (!w.route().equals(ROUTE) || second < s0 || second >= s1) {
                        continue;
                    }
                    for (ConsumerStats cs : w.consumers()) {
                        for (int c = 0; c < 2; c++) {
                            if (cs.consumer().equals(CONSUMERS[c])) {
                                offered[c][i] += cs.requests();
                                admitted[c][i] += cs.requests() - cs.rejections();
                            }
                        }
                    }
                }
            }
            for (int c = 0; c < 2; c++) {
                long total = admitted[c][0] + admitted[c][1] + admitted[c][2];
                double rate = (double) total / MEASURE_S;
                System.out.printf(Locale.ROOT, "consumer %s over %ds: admitted r1 %d, r2 %d, r3 %d = %.2f/s vs limit %.0f/s (%+.1f %%);"
                                + " offered r1 %d, r2 %d, r3 %d%n", CONSUMERS[c], MEASURE_S, admitted[c][0], admitted[c][1], admitted[c][2],
                        rate, LIMIT, (rate / LIMIT - 1) * 100, offered[c][0], offered[c][1], offered[c][2]);
            }
            System.out.printf("client: failed %d, skipped %d, sent %d%n", traffic.failed.sum(), traffic.skipped.sum(), traffic.sent.get());
            for (int c = 0; c < 2; c++) {
                long total = admitted[c][0] + admitted[c][1] + admitted[c][2];
                assertThat((double) total / MEASURE_S).as("admitted rate of %s across r1, r2, r3 over %d s", CONSUMERS[c], MEASURE_S)
                        .isBetween(LIMIT * 0.95, LIMIT * 1.05);
                for (int i = 0; i < 3; i++) {
                    assertThat(offered[c][i]).as("%s offered to %s: more than its lease, so the lease binds", CONSUMERS[c], IDS[i])
                            .isGreaterThan(admitted[c][i]);
                    assertThat((double) admitted[c][i]).as("%s admits %s at least its floor of %.2f/s", IDS[i], CONSUMERS[c], floor)
                            .isGreaterThanOrEqualTo(floor * MEASURE_S);
                }
            }
            assertThat(traffic.failed.sum()).as("requests that failed (neither 200 nor 429)").isZero();
        }
    }

    private String yaml(String backend) {
        return QuotaCluster.yaml(tmp.resolve("kafka"), backend, ROUTE, List.of(CONSUMERS), List.of(KEYS), """
                consumers:
                  a: {rate: 30/s, burst: 20}
                  b: {rate: 30/s, burst: 20}
                """, "{capacity-per-instance: 1000}", """
                quotas:
                  a: {rate: 30/s, burst: 20}
                  b: {rate: 30/s, burst: 20}
                quota-leases: {reserve: %s, half-life: 5s, warm-up: 3s, forget-after: 30s}
                """.formatted(RESERVE));
    }

    private static long ms(long t0) {
        return (System.nanoTime() - t0) / 1_000_000;
    }
}
