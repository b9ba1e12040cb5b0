package io.headroom.cli;

import io.headroom.cli.stack.Stack;
import io.headroom.ingest.model.BackendStats;
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
 * Cluster-wide rate limits through quota leases, on the real embedded broker and real sockets on 127.0.0.1:
 * <pre>
 *   client ──70 %──► router r1 ─┐
 *          ──20 %──► router r2 ─┼─► backend          each router: consumer "app" (API key), static limit 30/s
 *          ──10 %──► router r3 ─┘
 *                 │ telemetry windows (instanceId)              ▲ quota leases in the predictor's pool plan
 *                 ▼                                             │
 *              Kafka ──► predictor (predictor.quotas: app 30/s) ─┘
 * </pre>
 * Without leases each router would admit up to the static 30/s on its own. Once the predictor's leases are in force,
 * the three together must admit the global 30/s within 5 % over a 10-s window, counted from the routers' own
 * telemetry windows (whole seconds, so client timing does not enter), and each must admit at least its floor.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class QuotaLeaseClusterTest {
    private static final String KEY = "quota-cluster-test-key";
    private static final String CONSUMER = "app";
    private static final String ROUTE = "quota";
    private static final double LIMIT = 30;
    private static final double RESERVE = 0.1;
    /** Requests per second offered to the three routers together: well above the limit. */
    private static final int OFFERED = 100;
    /** Of every 10 requests: 7 to r1, 2 to r2, 1 to r3. */
    private static final int[] PATTERN = {0, 1, 0, 0, 2, 0, 1, 0, 0, 0};
    private static final String[] IDS = QuotaCluster.IDS;
    private static final double[] SHARE = {0.7, 0.2, 0.1};
    private static final int MEASURE_S = 10;
    /** Bounds of the traffic, whatever happens. */
    private static final Duration MAX_TRAFFIC = Duration.ofSeconds(90);
    private static final int MAX_REQUESTS = OFFERED * 90;

    @TempDir
    Path tmp;

    @Test
    void leasesHoldTheGlobalLimitAcrossThreeRoutersWithSkewedTraffic() throws Exception {
        long t0 = System.nanoTime();
        try (QuotaCluster cluster = QuotaCluster.started("quota-cluster.yaml", this::yaml, tmp.resolve("kafka"), 3, Clock.systemUTC())) {
            Stack stack = cluster.stack();
            Router[] routers = {cluster.router(0), cluster.router(1), cluster.router(2)};
            System.out.printf("broker, predictor and 3 routers up after %d ms%n", ms(t0));

            // Open-loop skewed traffic: one request every 10 ms, never waiting on responses.
            QuotaCluster.Traffic traffic = cluster.traffic("/" + ROUTE, new String[]{KEY}, 1000 / OFFERED, 128, MAX_REQUESTS, MAX_TRAFFIC,
                    n -> new QuotaCluster.Pick(PATTERN[(int) (n % PATTERN.length)], 0));

            // Leases from the predictor, through Kafka, in force in every router, close to the 70/20/10 split.
            double floor = LIMIT * RESERVE / 3;
            await("quota leases in force in all three routers").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                    .untilAsserted(() -> {
                        for (int i = 0; i < 3; i++) {
                            QuotaLeases.Lease l = routers[i].quotaLeases().lease(CONSUMER, Clock.systemUTC());
                            double expected = floor + LIMIT * (1 - RESERVE) * SHARE[i];
                            assertThat(l).as("lease of %s in router %s", CONSUMER, IDS[i]).isNotNull();
                            assertThat(l.policy().perSecond()).as("lease rate of %s in %s (expected about %.2f)", CONSUMER, IDS[i], expected)
                                    .isBetween(expected * 0.85, expected * 1.15);
                        }
                    });
            StringBuilder leases = new StringBuilder();
            double leaseSum = 0;
            for (int i = 0; i < 3; i++) {
                QuotaLeases.Lease l = routers[i].quotaLeases().lease(CONSUMER, Clock.systemUTC());
                leaseSum += l.policy().perSecond();
                leases.append(String.format(Locale.ROOT, " %s=%.2f/s burst %d", IDS[i], l.policy().perSecond(), l.policy().burst()));
            }
            System.out.printf("leases in force after %d ms:%s (sum %.2f/s); predictor's: %s%n", ms(t0), leases, leaseSum,
                    stack.predictor().core().quotaLeases(System.currentTimeMillis()).stream().map(QuotaLease::toString).toList());
            assertThat(leaseSum).as("sum of the leases in force").isLessThanOrEqualTo(LIMIT + 1e-9);

            // Measure whole seconds [s0, s1) from the routers' own windows, starting after the leases settled a little.
            long s0 = Math.floorDiv(System.currentTimeMillis(), 1000) + 2;
            long s1 = s0 + MEASURE_S;
            cluster.awaitWindowsFrom(s1 * 1000, Duration.ofSeconds(MEASURE_S + 20));
            long[] admitted = new long[3];
            long[] offered = new long[3];
            for (int i = 0; i < 3; i++) {
                for (TelemetryWindow w : cluster.windows(i)) {
                    long second = Math.floorDiv(w.startMillis(), 1000);
                    if (!w.route().equals(ROUTE) || second < s0 || second >= s1) {
                        continue;
                    }
                    for (BackendStats b : w.backends()) {
                        offered[i] += b.requests();
                        if (!b.backend().equals("-")) {
                            admitted[i] += b.requests();
                        }
                    }
                }
            }
            long total = admitted[0] + admitted[1] + admitted[2];
            double rate = (double) total / MEASURE_S;
            System.out.printf(Locale.ROOT, "measured %ds: admitted r1 %d, r2 %d, r3 %d = %d (%.2f/s vs limit %.0f/s, %+.1f %%);"
                            + " offered r1 %d, r2 %d, r3 %d; client: ok %s, 429 %s, failed %d, skipped %d, sent %d%n",
                    MEASURE_S, admitted[0], admitted[1], admitted[2], total, rate, LIMIT, (rate / LIMIT - 1) * 100,
                    offered[0], offered[1], offered[2], traffic.ok(), traffic.limited(), traffic.failed.sum(), traffic.skipped.sum(),
                    traffic.sent.get());

            for (int i = 0; i < 3; i++) {
                assertThat(offered[i]).as("requests offered to %s in the window: more than its lease, so the lease binds", IDS[i])
                        .isGreaterThan(admitted[i]);
            }
            assertThat(rate).as("admitted rate across r1, r2, r3 over %d s (admitted %s)", MEASURE_S,
                            List.of(admitted[0], admitted[1], admitted[2]))
                    .isBetween(LIMIT * 0.95, LIMIT * 1.05);
            for (int i = 0; i < 3; i++) {
                assertThat((double) admitted[i]).as("%s admits at least its floor of %.2f/s over %d s", IDS[i], floor, MEASURE_S)
                        .isGreaterThanOrEqualTo(floor * MEASURE_S);
            }
            assertThat(traffic.failed.sum()).as("requests that failed (neither 200 nor 429)").isZero();
        }
    }

    private String yaml(String backend) {
        return QuotaCluster.yaml(tmp.resolve("kafka"), backend, ROUTE, List.of(CONSUMER), List.of(KEY), """
                consumers:
                  %s: {rate: 30/s, burst: 10}
                """.formatted(CONSUMER), "{capacity-per-instance: 1000}", """
                quotas:
                  %s: {rate: 30/s, burst: 10}
                quota-leases: {reserve: %s, half-life: 5s, warm-up: 3s, forget-after: 30s}
                """.formatted(CONSUMER, RESERVE));
    }

    private static long ms(long t0) {
        return (System.nanoTime() - t0) / 1_000_000;
    }
}
