package io.headroom.cli;

import io.headroom.cli.stack.HeadroomConfig;
import io.headroom.cli.stack.Stack;
import io.headroom.ingest.codec.Codecs;
import io.headroom.ingest.kafka.ConsumerLoop;
import io.headroom.ingest.kafka.KafkaClients;
import io.headroom.ingest.model.ConsumerStats;
import io.headroom.ingest.model.ScalingEvent;
import io.headroom.ingest.model.TelemetryWindow;
import io.headroom.router.Router;
import io.headroom.router.limit.QuotaLeases;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Forecast-driven quotas end to end, on the real embedded broker and real sockets on 127.0.0.1: pool {@code api} can
 * serve 10 req/s at its ceiling (1 instance × 10 req/s), and 20 req/s arrive, 5 from gold consumer {@code g} and 15
 * from free consumer {@code f} (static limits 20/s each). The predictor's forecast upper bound exceeds the capacity,
 * so its plan tightens the free tier's limit (to about a third: 5 req/s are left after gold's 5) while gold keeps its
 * full 20/s; the router applies the plan's leases (free requests get 429, gold none), and the change is published as
 * a {@code QUOTA} event on {@code headroom.events} with its reason. When the predictor stops, the leases expire with
 * their plan and the static limits apply again (fail static).
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class QuotaTiersTest {
    private static final String[] KEYS = {"gold-consumer-key", "free-consumer-key"};
    private static final String ROUTE = "api";
    private static final double LIMIT = 20;
    /** Of every 4 requests: 1 gold, 3 free; one every 50 ms = 20 req/s. */
    private static final int PERIOD_MS = 50;
    private static final int MAX_REQUESTS = 20 * 120;

    @TempDir
    Path tmp;

    @Test
    void aPlanTightensTheFreeTierAheadOfTheOverloadWhileGoldIsUntouched() throws Exception {
        ConcurrentLinkedQueue<ScalingEvent> events = new ConcurrentLinkedQueue<>();
        try (QuotaCluster cluster = QuotaCluster.started("quota-tiers.yaml", this::yaml, tmp.resolve("kafka"), 1, Clock.systemUTC())) {
            HeadroomConfig config = cluster.config();
            Stack stack = cluster.stack();
            Router router = cluster.router(0);
            ConcurrentLinkedQueue<TelemetryWindow> windows = cluster.windows(0);
            KafkaClients clients = new KafkaClients(stack.bootstrapServers(), "quota-tiers-test");
            cluster.closeLater(ConsumerLoop.assignAll(clients.consumer("events", null, Codecs.EVENT.deserializer()),
                    List.of(config.kafka().topics().events()), records -> {
                        for (ConsumerRecord<String, ScalingEvent> r : records) {
                            events.add(r.value());
                        }
                    }, "quota-tiers-events").start());
            // One request every 50 ms to the one router: 1 gold, 3 free of every 4.
            QuotaCluster.Traffic traffic = cluster.traffic("/" + ROUTE, KEYS, PERIOD_MS, 64, MAX_REQUESTS, Duration.ofSeconds(200),
                    n -> new QuotaCluster.Pick(0, n % 4 == 0 ? 0 : 1));

            // The plan reaches the router: free tightened to its share of what gold leaves, gold at its full limit.
            await("the free tier tightened in the router's leases").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                    .untilAsserted(() -> {
                        QuotaLeases.Lease free = router.quotaLeases().lease("f", Clock.systemUTC());
                        assertThat(free).isNotNull();
                        assertThat(free.policy().perSecond()).isLessThan(LIMIT / 2);
                    });
            QuotaLeases.Lease free = router.quotaLeases().lease("f", Clock.systemUTC());
            QuotaLeases.Lease gold = router.quotaLeases().lease("g", Clock.systemUTC());
            System.out.printf("leases: free %.2f/s burst %d, gold %.2f/s burst %d; factors %s; forecast %s%n", free.policy().perSecond(),
                    free.policy().burst(), gold.policy().perSecond(), gold.policy().burst(), stack.predictor().core().tierFactors(),
                    stack.predictor().core().latest("api").orElseThrow());
            assertThat(free.policy().perSecond()).as("never below the floor").isGreaterThanOrEqualTo(LIMIT * 0.1 - 1e-9);
            assertThat(gold.policy().perSecond()).as("gold keeps its configured limit").isEqualTo(LIMIT);
            assertThat(stack.predictor().core().tierFactors().get("gold")).isEqualTo(1.0);

            // Each change of the free tier's factor is a QUOTA event (ramping up, a milder tightening may come first): the
            // factor in force has its event on headroom.events, with the reason.
            Stack st = stack;
            await("the QUOTA event of the factor in force on headroom.events").atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
                        long pct = Math.round(st.predictor().core().tierFactors().get("free") * 100);
                        assertThat(events).anyMatch(x -> x.action() == ScalingEvent.Action.QUOTA && x.desired() == pct);
                    });
            for (ScalingEvent e : events) {
                System.out.println("event: " + e);
                assertThat(e.action()).isEqualTo(ScalingEvent.Action.QUOTA);
                assertThat(e.instance()).isEqualTo("tier:free");
                assertThat(e.pool()).isEqualTo("api");
                assertThat(e.desired()).isBetween(10, 99);
                assertThat(e.reason()).contains("tightened").contains("forecast upper").contains("capacity 10.0 req/s");
            }
            assertThat(events).noneMatch(x -> x.instance().equals("tier:gold"));

            // With the leases in force: free requests are refused beyond their tightened lease, gold's never are.
            long s0 = Math.floorDiv(System.currentTimeMillis(), 1000) + 2;
            long s1 = s0 + 5;
            await("windows up to the end of the measurement").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
                    .until(() -> windows.stream().anyMatch(w -> w.startMillis() >= s1 * 1000));
            long[] requests = new long[2];
            long[] rejected = new long[2];
            for (TelemetryWindow w : windows) {
                long s = Math.floorDiv(w.startMillis(), 1000);
                if (s < s0 || s >= s1) {
                    continue;
                }
                for (ConsumerStats cs : w.consumers()) {
                    int c = cs.consumer().equals("g") ? 0 : cs.consumer().equals("f") ? 1 : -1;
                    if (c >= 0) {
                        requests[c] += cs.requests();
                        rejected[c] += cs.rejections();
                    }
                }
            }
            System.out.printf("over 5 s: gold %d requests, %d refused; free %d requests, %d refused%n", requests[0], rejected[0],
                    requests[1], rejected[1]);
            assertThat(requests[0]).isPositive();
            assertThat(rejected[0]).as("gold requests refused").isZero();
            assertThat(rejected[1]).as("free requests refused").isPositive();
            assertThat(traffic.failed.sum()).isZero();

            // Fail static: with the predictor gone, the leases expire with their plan (plan-ttl 10 s) and the router's
            // configured 20/s applies to free again.
            stack.predictor().close();
            await("the leases expire and the static limits apply").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
                    .until(() -> router.quotaLeases().lease("f", Clock.systemUTC()) == null
                            && router.quotaLeases().lease("g", Clock.systemUTC()) == null);
            long t1 = Math.floorDiv(System.currentTimeMillis(), 1000) + 1;
            long t2 = t1 + 3;
            await("windows after the expiry").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(250))
                    .until(() -> windows.stream().anyMatch(w -> w.startMillis() >= t2 * 1000));
            long freeAfter = 0;
            long freeRefusedAfter = 0;
            for (TelemetryWindow w : windows) {
                long s = Math.floorDiv(w.startMillis(), 1000);
                for (ConsumerStats cs : w.consumers()) {
                    if (s >= t1 && s < t2 && cs.consumer().equals("f")) {
                        freeAfter += cs.requests();
                        freeRefusedAfter += cs.rejections();
                    }
                }
            }
            System.out.printf("after the plan expired, over 3 s: free %d requests, %d refused%n", freeAfter, freeRefusedAfter);
            assertThat(freeAfter).isPositive();
            assertThat(freeRefusedAfter).as("free at 15 req/s under its static 20/s").isZero();
        }
    }

    private String yaml(String backend) {
        return QuotaCluster.yaml(tmp.resolve("kafka"), backend, ROUTE, List.of("g", "f"), List.of(KEYS), """
                consumers:
                  g: {rate: 20/s, burst: 20}
                  f: {rate: 20/s, burst: 20}
                """, "{capacity-per-instance: 10, target-utilisation: 1.0}", """
                quotas:
                  g: {rate: 20/s, burst: 20}
                  f: {rate: 20/s, burst: 20}
                quota-tiers:
                  tiers:
                    gold: {consumers: [g], priority: 1}
                    free: {consumers: [f], priority: 2, floor: 0.1}
                  max-instances: {api: 1}
                """);
    }
}
