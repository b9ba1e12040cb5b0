package io.headroom.cli.reliability;

import com.sun.net.httpserver.HttpServer;
import io.headroom.autoscaler.core.Mode;
import io.headroom.autoscaler.core.PoolStatus;
import io.headroom.cli.Backfill;
import io.headroom.cli.stack.HeadroomConfig;
import io.headroom.cli.stack.Stack;
import io.headroom.config.ConfigNode;
import io.headroom.ingest.codec.Codecs;
import io.headroom.ingest.kafka.ConsumerLoop;
import io.headroom.ingest.model.BackendStats;
import io.headroom.ingest.model.ControlPlan;
import io.headroom.ingest.model.ScalingEvent;
import io.headroom.ingest.model.TelemetryWindow;
import io.headroom.router.control.PoolSnapshot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 9, item 4, "predictor down": router, predictor and autoscaler from one YAML file ({@link Stack}) on the
 * embedded broker. Once a predictor plan is in effect in the router, the predictor is stopped. Then:
 * <ul>
 *   <li>the router keeps that last plan, same epoch, until its {@code validUntil}, and then falls back to the static
 *       weights of its YAML (predictor epoch -1);</li>
 *   <li>the autoscaler switches the pool to reactive, says so in its status and on the events topic, and still scales
 *       on the load: the predictor sized the pool at 1 instance (100 req/s each), the reactive policy sizes it on the
 *       observed ~20 req/s at 5 req/s per instance, so 4.</li>
 * </ul>
 * The autoscaler's provider is a {@code command} hook (a shell one-liner that accepts every target), so no backend
 * processes are started: only the decisions are under test here.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class PredictorDownTest {
    private static final String POOL = "api";
    private static final int LIVE_RATE = 20;
    private static final int TRAINING_WINDOW_S = 300; // a little above the least the predictor accepts at lead-time 5s
    private static final int BACKFILL_S = TRAINING_WINDOW_S + 20;
    private static final Duration PLAN_TTL = Duration.ofSeconds(8);

    @TempDir
    Path tmp;

    @Test
    void routerFailsStaticAtPlanExpiryAndAutoscalerGoesReactiveAndStillScales() throws Exception {
        HttpServer a = ReloadHarness.backend("A");
        HttpServer b = ReloadHarness.backend("B");
        String addrA = "127.0.0.1:" + a.getAddress().getPort();
        String addrB = "127.0.0.1:" + b.getAddress().getPort();
        HeadroomConfig config = HeadroomConfig.from(ConfigNode.parse("predictor-down.yaml", yaml(addrA, addrB)));
        ScheduledExecutorService traffic = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().factory());
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
        List<ScalingEvent> events = new CopyOnWriteArrayList<>();
        AtomicLong failures = new AtomicLong();
        try (Stack s = Stack.start(config, Stack.Roles.ALL, Clock.systemUTC(), tmp.resolve("kafka"));
             ConsumerLoop<ScalingEvent> eventReader = ConsumerLoop.assignAll(s.clients().consumer("test-events", null,
                     Codecs.EVENT.deserializer()), List.of(config.kafka().topics().events()), rs -> rs.forEach(r -> events.add(r.value())),
                     "test-events").start()) {
            publishBackfill(s, Math.floorDiv(System.currentTimeMillis(), 1000), addrA, addrB);
            URI target = URI.create("http://127.0.0.1:" + s.router().port() + "/x");
            Semaphore inFlight = new Semaphore(32);
            traffic.scheduleAtFixedRate(() -> {
                if (inFlight.tryAcquire()) {
                    http.sendAsync(HttpRequest.newBuilder(target).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding())
                            .whenComplete((r, e) -> {
                                if (e != null || r.statusCode() != 200) {
                                    failures.incrementAndGet();
                                }
                                inFlight.release();
                            });
                }
            }, 0, 1000 / LIVE_RATE, TimeUnit.MILLISECONDS);

            // A predictor plan is in effect in the router, and the autoscaler follows the predictor (1 instance).
            await("a predictor plan in the router").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(100))
                    .until(() -> s.router().pools().get(POOL).predictorEpoch() > 0);
            await("the autoscaler in predictive mode at 1 instance").atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                PoolStatus st = status(s);
                assertThat(st.mode()).as("status %s", st).isEqualTo(Mode.PREDICTIVE);
                assertThat(st.target()).as("status %s", st).isEqualTo(1);
            });

            // The predictor goes down.
            s.predictor().close();
            long stoppedAt = System.currentTimeMillis();
            ControlPlan last = s.router().controlPlans().active(ControlPlan.poolScope(POOL), ControlPlan.SOURCE_PREDICTOR).orElseThrow();
            // A plan published just before the close may still arrive; wait until the last one is in.
            Thread.sleep(500);
            last = s.router().controlPlans().active(ControlPlan.poolScope(POOL), ControlPlan.SOURCE_PREDICTOR).orElse(last);
            long validUntil = last.validUntilMillis();
            assertThat(validUntil).as("the last plan %s expires after the stop", last).isGreaterThan(stoppedAt);
            System.out.printf("predictor stopped; last plan epoch %d valid for %d ms more; weights %s%n", last.epoch(),
                    validUntil - System.currentTimeMillis(), last.weights());

            // Until validUntil the router keeps it: same epoch, its weights.
            int checks = 0;
            while (System.currentTimeMillis() < validUntil - 300) {
                PoolSnapshot snap = s.router().pools().get(POOL);
                assertThat(snap.predictorEpoch()).as("the last plan is kept until it expires (%d ms left)",
                        validUntil - System.currentTimeMillis()).isEqualTo(last.epoch());
                checks++;
                Thread.sleep(200);
            }
            assertThat(checks).as("the plan was observed in effect after the predictor stopped").isPositive();

            // After it: static weights from the YAML (A 1, B 3), no predictor plan.
            await("fall back to static weights").atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
                PoolSnapshot snap = s.router().pools().get(POOL);
                assertThat(snap.predictorEpoch()).as("predictor epoch after expiry; snapshot %s", snap).isEqualTo(-1);
                assertThat(snap.weightOf(addrA)).as("A's static weight").isEqualTo(1.0);
                assertThat(snap.weightOf(addrB)).as("B's static weight").isEqualTo(3.0);
            });
            assertThat(System.currentTimeMillis()).as("fell back only once the plan had expired").isGreaterThanOrEqualTo(validUntil);

            // The autoscaler: reactive, on the observed load, and says so.
            await("the autoscaler goes reactive and scales on the observed load").atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
                        PoolStatus st = status(s);
                        assertThat(st.mode()).as("status %s", st).isEqualTo(Mode.REACTIVE);
                        assertThat(st.target()).as("reactive target for ~%d req/s at 5 req/s per instance; status %s", LIVE_RATE, st)
                                .isBetween(3, 5);
                        assertThat(st.ready()).as("status %s", st).isEqualTo(st.target());
                    });
            await("the switch on the events topic").atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThat(events).anySatisfy(e -> {
                        assertThat(e.action()).isEqualTo(ScalingEvent.Action.DECIDED);
                        assertThat(e.reason()).matches("predictor silent for \\d+s: reactive; scale up 1 -> \\d: observed .*");
                    }));
            assertThat(failures.get()).as("client failures through it all").isZero();
        } finally {
            traffic.shutdownNow();
            a.stop(0);
            b.stop(0);
        }
    }

    private static PoolStatus status(Stack s) {
        return s.autoscaler().status().stream().filter(p -> p.pool().equals(POOL)).findFirst().orElseThrow();
    }

    private String yaml(String addrA, String addrB) {
        // The command provider accepts every target at once and reports it as current and ready.
        return """
                instance-id: predictor-down-node
                kafka:
                  bootstrap-servers: ""
                  embedded-data-dir: "%s"
                router:
                  listen: 127.0.0.1:0
                  pools:
                    %s:
                      backends: [{address: %s, weight: 1}, {address: %s, weight: 3}]
                      connect-timeout: 1s
                      request-timeout: 5s
                  routes:
                    - {name: %s, path-prefix: /, pool: %s}
                predictor:
                  lead-time: 5s
                  plan-ttl: %ds
                  retrain-interval: 2s
                  training-window: %ds
                  history: 10m
                  pools:
                    %s: {capacity-per-instance: 100, target-utilisation: 0.8}
                autoscaler:
                  tick: 1s
                  intent-ttl: 4s
                  reactive-window: 3s
                  pools:
                    %s:
                      min: 1
                      max: 6
                      cooldown: 0s
                      scale-down-window: 30s
                      capacity-per-instance: 5
                      target-utilisation: 1.0
                      provider: command
                      command: {run: [/bin/sh, -c, 'cat >/dev/null; echo "{\\"current\\": $HEADROOM_DESIRED, \\"ready\\": $HEADROOM_DESIRED}"'], timeout: 10s}
                """.formatted(tmp.resolve("kafka"), POOL, addrA, addrB, POOL, POOL, PLAN_TTL.toSeconds(), TRAINING_WINDOW_S, POOL, POOL);
    }

    /** History the predictor trains on: 1-s windows at about the live rate, ending just before now, split evenly. */
    private static void publishBackfill(Stack s, long nowSecond, String addrA, String addrB) throws Exception {
        Random rnd = new Random(7);
        List<TelemetryWindow> windows = new ArrayList<>();
        for (int i = 0; i < BACKFILL_S; i++) {
            int age = BACKFILL_S - i;
            long n = Math.max(0, Math.round(LIVE_RATE + 4 * Math.sin(2 * Math.PI * age / 60.0) + rnd.nextGaussian()));
            List<BackendStats> stats = List.of(Backfill.healthy(addrA, n / 2), Backfill.healthy(addrB, n - n / 2));
            windows.add(new TelemetryWindow("backfill", i, (nowSecond - age) * 1000, 1000, POOL, POOL, stats));
        }
        Backfill.publish(s, POOL, windows);
    }
}
