package io.headroom.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.headroom.autoscaler.core.PoolStatus;
import io.headroom.autoscaler.provider.Instance;
import io.headroom.cli.stack.HeadroomConfig;
import io.headroom.cli.stack.Stack;
import io.headroom.config.ConfigNode;
import io.headroom.ingest.codec.Codecs;
import io.headroom.ingest.kafka.ConsumerLoop;
import io.headroom.ingest.model.BackendStats;
import io.headroom.ingest.model.ControlPlan;
import io.headroom.ingest.model.TelemetryWindow;
import io.headroom.predictor.core.PoolForecast;
import io.headroom.router.control.PoolSnapshot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The whole loop on the real embedded broker and real sockets on 127.0.0.1, wired by {@link Stack} from one YAML file:
 * <pre>
 *   client ──► router ──► static backends A (healthy) and B (every other request 500)
 *                │  1-s telemetry windows
 *                ▼
 *             Kafka telemetry ◄── backfill windows (history, published by the test)
 *                │
 *                ▼
 *            predictor (Tribuo linear-sgd) ──► control plan (weights) ──► Kafka control ──► router
 *                │
 *                └──► scaling intent ──► Kafka scaling ──► autoscaler ──► local provider starts a real
 *                                                                          SimulatedBackend process
 *                                                         membership plan ──► Kafka control ──► router
 * </pre>
 * It checks, in this order: telemetry reaches Kafka, a trained Tribuo model forecasts, the predictor's plan takes
 * weight away from B in the router, the autoscaler starts an instance that joins the router's pool and serves
 * proxied traffic; and, once the traffic stops, that the router's windows account for exactly the requests sent.
 * Closing the stack must stop the child process.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class WholeLoopTest {
    private static final String INSTANCE_ID = "whole-loop-node";
    private static final String POOL = "api";
    private static final String ROUTE = "api";
    /** Requests per second the live client sends (the backfill ends near this level). */
    private static final int LIVE_RATE = 20;
    /**
     * Seconds of training history: a little above the least the predictor accepts at a 5 s lead time (264 s, see
     * PredictorSettings.minimumTrainingWindowSeconds), and backfilled a little beyond.
     */
    private static final int TRAINING_WINDOW_S = 300;
    private static final int BACKFILL_S = TRAINING_WINDOW_S + 20;
    private static final Duration LOOP = Duration.ofSeconds(45);

    @TempDir
    Path tmp;

    @Test
    void telemetryForecastPlansAndScalingCloseTheLoop() throws Exception {
        long t0 = System.nanoTime();
        HttpServer backendA = staticBackend("A", false);
        HttpServer backendB = staticBackend("B", true);
        String addrA = "127.0.0.1:" + backendA.getAddress().getPort();
        String addrB = "127.0.0.1:" + backendB.getAddress().getPort();
        int basePort = freePort();

        HeadroomConfig config = HeadroomConfig.from(ConfigNode.parse("whole-loop.yaml", yaml(addrA, addrB, basePort)));
        Stack stack = null;
        ConsumerLoop<TelemetryWindow> telemetry = null;
        ScheduledExecutorService traffic = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("whole-loop-traffic").factory());
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
        Client client = new Client(addrA, addrB);
        long childPid = -1;
        try {
            stack = Stack.start(config, Stack.Roles.ALL, Clock.systemUTC(), tmp.resolve("kafka"));
            Stack s = stack;
            assertThat(s.router()).as("router started").isNotNull();
            assertThat(s.predictor()).as("predictor started").isNotNull();
            assertThat(s.autoscaler()).as("autoscaler started").isNotNull();
            int routerPort = s.router().port();
            System.out.printf("stack up after %d ms: broker %s, router 127.0.0.1:%d, A %s, B %s%n",
                    ms(t0), s.bootstrapServers(), routerPort, addrA, addrB);

            // An independent reader of the telemetry topic, from the beginning, no group.
            ConcurrentLinkedQueue<TelemetryWindow> seen = new ConcurrentLinkedQueue<>();
            telemetry = ConsumerLoop.assignAll(s.clients().consumer("test-telemetry", null, Codecs.TELEMETRY.deserializer()),
                    List.of(config.kafka().topics().telemetry()), records -> records.forEach(r -> {
                        if (r.value() != null) {
                            seen.add(r.value());
                        }
                    }), "test-telemetry").start();

            // History the predictor rebuilds from the topic: consecutive 1-s windows ending just before now.
            long nowSecond = Math.floorDiv(System.currentTimeMillis(), 1000);
            publishBackfill(s, nowSecond, addrA, addrB);
            System.out.printf("backfill of %d windows published after %d ms%n", BACKFILL_S, ms(t0));

            // Live traffic through the router at a steady rate, never waiting on responses.
            URI target = URI.create("http://127.0.0.1:" + routerPort + "/orders");
            Semaphore inFlight = new Semaphore(64);
            traffic.scheduleAtFixedRate(() -> client.send(http, target, inFlight), 0, 1000 / LIVE_RATE, TimeUnit.MILLISECONDS);

            // 1. Telemetry arrives: windows from the router's instance with the requests sent, per static backend.
            await("router telemetry windows on Kafka").atMost(LOOP).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
                Map<String, Long> perBackend = routerRequestsPerBackend(seen);
                assertThat(perBackend)
                        .as("1. requests per backend in the router's (%s) telemetry windows read back from Kafka; client saw %s",
                                INSTANCE_ID, client.byResponder())
                        .containsKeys(addrA, addrB);
                assertThat(perBackend.get(addrA) + perBackend.get(addrB))
                        .as("1. requests counted in telemetry windows at A and B").isGreaterThanOrEqualTo(10);
            });
            assertThat(seen).as("1. the backfill windows are on the topic too")
                    .anyMatch(w -> w.instanceId().equals("backfill"));
            System.out.printf("1. telemetry seen after %d ms%n", ms(t0));

            // 2. A trained Tribuo model (any of the catalog's Tribuo candidates, not a baseline) produces the forecast.
            await("a Tribuo model's forecast").atMost(LOOP).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
                Optional<PoolForecast> f = s.predictor().core().latest(POOL);
                assertThat(f).as("2. predictor has a forecast for pool %s (stats %s)", POOL, s.predictor().core().stats()).isPresent();
                assertThat(f.get().model())
                        .as("2. model of the latest forecast %s (stats %s)", f.get(), s.predictor().core().stats())
                        .isIn("linear-sgd", "linear-l1", "linear-l1-rel", "global-linear-sgd", "xgboost");
            });
            PoolForecast forecast = s.predictor().core().latest(POOL).orElseThrow();
            assertThat(forecast.mean()).as("2. forecast mean of %s", forecast).isFinite().isGreaterThanOrEqualTo(0);
            assertThat(forecast.upper()).as("2. forecast upper bound of %s", forecast).isFinite().isGreaterThanOrEqualTo(forecast.mean());
            assertThat(forecast.backtest()).as("2. backtest summary names the baseline it beat").contains("last-value");
            assertThat(s.predictor().core().stats().retrains()).as("2. retrains done").isPositive();
            System.out.printf("2. forecast by %s after %d ms: %s%n", forecast.model(), ms(t0), forecast);

            // 3. The predictor's plan, via Kafka and the ControlPlanSubscriber, gives B (half 500s) less weight than A.
            await("predictor plan lowering B's weight in the router").atMost(LOOP).pollInterval(Duration.ofMillis(200))
                    .untilAsserted(() -> {
                        PoolSnapshot snap = s.router().pools().get(POOL);
                        Optional<ControlPlan> plan = s.router().controlPlans().active(ControlPlan.poolScope(POOL),
                                ControlPlan.SOURCE_PREDICTOR);
                        assertThat(snap.predictorEpoch()).as("3. a predictor plan is in effect in the router (snapshot %s)", snap)
                                .isPositive();
                        // The backfill split A and B evenly, all healthy: only B's live 500s can push it this far down.
                        assertThat(snap.weightOf(addrB))
                                .as("3. B's effective weight vs 0.8 x A's in router snapshot %s; plan %s", snap.members(),
                                        plan.map(ControlPlan::weights).orElse(null))
                                .isLessThan(0.8 * snap.weightOf(addrA));
                    });
            assertThat(s.controlSubscriber().appliedCount()).as("3. control plans applied from Kafka").isPositive();
            System.out.printf("3. weights after %d ms: %s%n", ms(t0), s.router().pools().get(POOL).members());

            // 4. Scaling intent -> local provider starts a real instance -> it joins the router's pool -> serves traffic.
            await("an instance started by the local provider, ready").atMost(LOOP).pollInterval(Duration.ofMillis(200))
                    .untilAsserted(() -> {
                        PoolStatus st = poolStatus(s);
                        assertThat(st.instances()).as("4. ready instances of pool %s (status %s)", POOL, st)
                                .anyMatch(i -> i.state() == Instance.State.READY);
                        assertThat(st.lastReason()).as("4. the autoscaler's last decision: demand above what max allows")
                                .contains("capped at max 1");
                    });
            PoolStatus status = poolStatus(s);
            Instance started = status.instances().stream().filter(i -> i.state() == Instance.State.READY).findFirst().orElseThrow();
            childPid = Long.parseLong(started.id());
            assertThat(status.ready()).as("4. ready count in %s", status).isEqualTo(1);
            assertThat(status.recentEvents()).as("4. audit events of pool %s", POOL)
                    .anyMatch(e -> e.action().name().equals("STARTING") && e.instance().equals(started.address()));
            assertThat(ProcessHandle.of(childPid)).as("4. the instance is a live OS process (pid %d)", childPid)
                    .hasValueSatisfying(p -> assertThat(p.isAlive()).isTrue());
            assertThat(started.address()).as("4. the new instance is not a static backend").isNotIn(addrA, addrB);

            await("the new instance as a member of the router's pool").atMost(LOOP).pollInterval(Duration.ofMillis(200))
                    .untilAsserted(() -> {
                        PoolSnapshot snap = s.router().pools().get(POOL);
                        assertThat(snap.members()).as("4. router pool members (autoscaler epoch %d)", snap.autoscalerEpoch())
                                .contains(new PoolSnapshot.Member(started.address(), snap.weightOf(started.address()), false));
                    });
            await("proxied requests answered by the new instance").atMost(LOOP).pollInterval(Duration.ofMillis(200))
                    .untilAsserted(() -> assertThat(client.byResponder().getOrDefault(started.address(), 0L))
                            .as("4. responses through the router from %s ('hello from <port>'); all responders %s",
                                    started.address(), client.byResponder())
                            .isGreaterThanOrEqualTo(3));
            System.out.printf("4. instance %s (pid %d) serving after %d ms; responders %s; last decision: %s; events: %s%n",
                    started.address(), childPid, ms(t0), client.byResponder(), poolStatus(s).lastReason(), status.recentEvents());

            // 1 (exact). Stop the traffic; every request the client sent is in the router's windows, at the right backend.
            traffic.shutdownNow();
            assertThat(traffic.awaitTermination(5, TimeUnit.SECONDS)).as("traffic scheduler stopped").isTrue();
            await("all requests answered").atMost(Duration.ofSeconds(15)).until(() -> client.completed() == client.sent());
            assertThat(client.failures()).as("requests without an HTTP response or with an unknown body: %s", client.failureSamples())
                    .isZero();
            Map<String, Long> expected = client.byResponder();
            await("telemetry windows accounting for every request").atMost(Duration.ofSeconds(15))
                    .pollInterval(Duration.ofMillis(200)).untilAsserted(() -> assertThat(routerRequestsPerBackend(seen))
                            .as("1. requests per backend in router windows vs responses the client got (%d sent)", client.sent())
                            .isEqualTo(expected));
            assertThat(routerStatus5xx(seen, addrB)).as("1. 5xx of B in telemetry vs 500s the client got from B")
                    .isEqualTo(client.errorsFromB());
            System.out.printf("1. exact accounting of %d requests after %d ms: %s%n", client.sent(), ms(t0), expected);
        } finally {
            traffic.shutdownNow();
            if (telemetry != null) {
                telemetry.close();
            }
            if (stack != null) {
                stack.close();
            }
            http.close();
            backendA.stop(0);
            backendB.stop(0);
        }
        // Stack.close() stops the autoscaler, which stops its child processes.
        long pid = childPid;
        await("child process stopped by Stack.close()").atMost(Duration.ofSeconds(15))
                .until(() -> ProcessHandle.of(pid).map(p -> !p.isAlive()).orElse(true));
        System.out.printf("whole loop done in %d ms%n", ms(t0));
    }

    private String yaml(String addrA, String addrB, int basePort) {
        String kafkaDir = tmp.resolve("kafka").toString();
        String logDir = tmp.resolve("instances").toString();
        return """
                instance-id: %s
                kafka:
                  bootstrap-servers: ""
                  embedded-data-dir: "%s"
                  telemetry-partitions: 2
                router:
                  listen: 127.0.0.1:0
                  pools:
                    %s:
                      backends: [{address: %s, weight: 1}, {address: %s, weight: 1}]
                      connect-timeout: 1s
                      request-timeout: 5s
                  routes:
                    - {name: %s, path-prefix: /, pool: %s}
                predictor:
                  lead-time: 5s
                  plan-ttl: 30s
                  retrain-interval: 2s
                  training-window: %ds
                  history: 10m
                  pools:
                    %s: {capacity-per-instance: 2, target-utilisation: 0.5}
                autoscaler:
                  tick: 1s
                  membership-ttl: 15s
                  pools:
                    %s:
                      min: 0
                      max: 1
                      cooldown: 1s
                      provider: local
                      local: {base-port: %d, capacity: 1000, latency: 1ms, drain: 0s, stop-grace: 3s, ready-timeout: 40s,
                              host: 127.0.0.1, log-dir: "%s"}
                """.formatted(INSTANCE_ID, kafkaDir, POOL, addrA, addrB, ROUTE, POOL, TRAINING_WINDOW_S, POOL, POOL, basePort, logDir);
    }

    /**
     * Consecutive 1-s windows for seconds {@code [nowSecond - BACKFILL_S, nowSecond)} from instance "backfill": a ramp
     * with a one-minute wave and noise that ends near the live rate, split evenly over A and B, all healthy.
     */
    private static void publishBackfill(Stack s, long nowSecond, String addrA, String addrB) throws Exception {
        Random rnd = new Random(42);
        List<TelemetryWindow> windows = new ArrayList<>();
        for (int i = 0; i < BACKFILL_S; i++) {
            int age = BACKFILL_S - i; // seconds before now
            double rate = LIVE_RATE - 8.0 * age / BACKFILL_S + 6 * Math.sin(2 * Math.PI * age / 60.0) + rnd.nextGaussian();
            long n = Math.max(0, Math.round(rate));
            long a = n / 2 + (i % 2 == 0 ? n % 2 : 0); // an even split over time: no bias against B
            long b = n - a;
            List<BackendStats> stats = List.of(Backfill.healthy(addrA, a), Backfill.healthy(addrB, b));
            windows.add(new TelemetryWindow("backfill", i, (nowSecond - age) * 1000, 1000, ROUTE, POOL, stats));
        }
        Backfill.publish(s, ROUTE, windows);
    }

    /** Requests per backend summed over the router's own windows of the route (backfill excluded). */
    private static Map<String, Long> routerRequestsPerBackend(Iterable<TelemetryWindow> windows) {
        Map<String, Long> out = new TreeMap<>();
        for (TelemetryWindow w : windows) {
            if (w.instanceId().equals(INSTANCE_ID) && w.route().equals(ROUTE) && w.pool().equals(POOL)) {
                for (BackendStats b : w.backends()) {
                    out.merge(b.backend(), b.requests(), Long::sum);
                }
            }
        }
        out.values().removeIf(v -> v == 0);
        return out;
    }

    private static long routerStatus5xx(Iterable<TelemetryWindow> windows, String backend) {
        long n = 0;
        for (TelemetryWindow w : windows) {
            if (w.instanceId().equals(INSTANCE_ID) && w.route().equals(ROUTE)) {
                for (BackendStats b : w.backends()) {
                    if (b.backend().equals(backend)) {
                        n += b.status5xx();
                    }
                }
            }
        }
        return n;
    }

    private static PoolStatus poolStatus(Stack s) {
        return s.autoscaler().status().stream().filter(p -> p.pool().equals(POOL)).findFirst().orElseThrow();
    }

    /** A tiny HTTP/1.1 backend answering its name; if {@code flaky}, every other request gets 500. */
    private static HttpServer staticBackend(String name, boolean flaky) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 128);
        AtomicLong count = new AtomicLong();
        server.createContext("/", (HttpExchange ex) -> {
            try (ex) {
                ex.getRequestBody().readAllBytes();
                byte[] body = (name + "\n").getBytes(StandardCharsets.US_ASCII);
                int status = flaky && count.incrementAndGet() % 2 == 0 ? 500 : 200;
                ex.getResponseHeaders().add("X-Backend", name);
                ex.getResponseHeaders().add("Content-Type", "text/plain");
                ex.sendResponseHeaders(status, body.length);
                try (OutputStream out = ex.getResponseBody()) {
                    out.write(body);
                }
            }
        });
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.start();
        return server;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    private static long ms(long t0) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    }

    /** The load generator's books: who answered how many requests, identified by the response body. */
    private static final class Client {
        private final AtomicLong sent = new AtomicLong();
        private final AtomicLong completed = new AtomicLong();
        private final AtomicLong failures = new AtomicLong();
        private final AtomicLong errorsFromB = new AtomicLong();
        private final Map<String, LongAdder> byResponder = new ConcurrentHashMap<>();
        private final ConcurrentLinkedQueue<String> failureSamples = new ConcurrentLinkedQueue<>();
        private final String addrA;
        private final String addrB;

        Client(String addrA, String addrB) {
            this.addrA = addrA;
            this.addrB = addrB;
        }

        void send(HttpClient http, URI target, Semaphore inFlight) {
            if (!inFlight.tryAcquire()) {
                return; // the router is stuck; do not pile up
            }
            sent.incrementAndGet();
            HttpRequest req = HttpRequest.newBuilder(target).timeout(Duration.ofSeconds(10)).GET().build();
            http.sendAsync(req, HttpResponse.BodyHandlers.ofString()).whenComplete((r, e) -> {
                try {
                    if (e != null) {
                        fail("no response: " + e);
                    } else {
                        record(r);
                    }
                } finally {
                    completed.incrementAndGet();
                    inFlight.release();
                }
            });
        }

        private void record(HttpResponse<String> r) {
            String body = r.body().trim();
            String backend = r.headers().firstValue("X-Backend").orElse("");
            String responder;
            if (body.startsWith("hello from ") && r.statusCode() == 200) {
                responder = "127.0.0.1:" + body.substring("hello from ".length());
            } else if (backend.equals("A") && body.equals("A")) {
                responder = addrA;
            } else if (backend.equals("B") && body.equals("B")) {
                responder = addrB;
                if (r.statusCode() == 500) {
                    errorsFromB.incrementAndGet();
                }
            } else {
                fail(r.statusCode() + " " + body);
                return;
            }
            byResponder.computeIfAbsent(responder, k -> new LongAdder()).increment();
        }

        private void fail(String why) {
            failures.incrementAndGet();
            if (failureSamples.size() < 10) {
                failureSamples.add(why);
            }
        }

        long sent() {
            return sent.get();
        }

        long completed() {
            return completed.get();
        }

        long failures() {
            return failures.get();
        }

        long errorsFromB() {
            return errorsFromB.get();
        }

        List<String> failureSamples() {
            return List.copyOf(failureSamples);
        }

        Map<String, Long> byResponder() {
            Map<String, Long> out = new TreeMap<>();
            byResponder.forEach((k, v) -> out.put(k, v.sum()));
            return out;
        }
    }
}
