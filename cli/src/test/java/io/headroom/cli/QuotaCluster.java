package io.headroom.cli;

import com.sun.net.httpserver.HttpServer;
import io.headroom.cli.stack.HeadroomConfig;
import io.headroom.cli.stack.Stack;
import io.headroom.config.ConfigNode;
import io.headroom.ingest.kafka.KafkaClients;
import io.headroom.ingest.kafka.Topics;
import io.headroom.ingest.model.ConsumerStats;
import io.headroom.ingest.model.TelemetryWindow;
import io.headroom.router.Router;
import io.headroom.router.control.ControlPlanSubscriber;
import io.headroom.router.telemetry.KafkaTelemetrySink;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongFunction;
import java.util.function.UnaryOperator;

import static org.awaitility.Awaitility.await;

/**
 * The cluster the quota tests share, on the real embedded broker and real sockets on 127.0.0.1: one backend that
 * answers {@code ok}, the {@link Stack} (broker, predictor and router {@code r1}) and further routers {@code r2},
 * {@code r3}, ... beside it, each with its own Kafka telemetry sink and control-plan subscriber. Every router's closed
 * telemetry windows are also kept here, per router, so that a test counts admissions from the routers' own windows
 * (whole seconds: client timing does not enter). {@link #traffic} sends open-loop traffic with API keys.
 *
 * <pre>
 *   client ──► r1 ─┐                                  telemetry ──► Kafka ──► predictor
 *          ──► r2 ─┼─► backend                                                   │
 *          ──► r3 ─┘     ◄── control plans (leases, allowances) ◄── Kafka ◄───────┘
 * </pre>
 */
final class QuotaCluster implements AutoCloseable {
    static final String[] IDS = {"r1", "r2", "r3", "r4", "r5"};

    private final HttpServer backend;
    private final ExecutorService backendThreads = Executors.newVirtualThreadPerTaskExecutor();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
    private final Map<String, ConcurrentLinkedQueue<TelemetryWindow>> windows = new ConcurrentHashMap<>();
    private final List<AutoCloseable> closing = new ArrayList<>();
    private Stack stack;
    private Router[] routers = new Router[0];
    private HeadroomConfig config;

    private QuotaCluster() throws IOException {
        backend = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        backend.setExecutor(backendThreads);
        backend.createContext("/", ex -> {
            byte[] body = "ok".getBytes(StandardCharsets.UTF_8);
            ex.getRequestBody().readAllBytes();
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        });
        backend.start();
        for (String id : IDS) {
            windows.put(id, new ConcurrentLinkedQueue<>());
        }
    }

    /** Starts the backend only; {@link #start} the rest once the configuration (which names the backend) is built. */
    static QuotaCluster withBackend() throws IOException {
        return new QuotaCluster();
    }

    /**
     * Starts the backend, then the broker, the predictor and {@code routers} routers on the configuration that
     * {@code yaml} writes for the backend's address (parsed as file {@code name}); on failure the cluster is closed
     * again.
     */
    static QuotaCluster started(String name, UnaryOperator<String> yaml, Path kafkaDir, int routers, Clock clock) throws IOException {
        QuotaCluster c = withBackend();
        try {
            c.start(HeadroomConfig.from(ConfigNode.parse(name, yaml.apply(c.backendAddress()))), kafkaDir, routers, clock);
            return c;
        } catch (IOException | RuntimeException | Error e) {
            c.close();
            throw e;
        }
    }

    /**
     * The configuration of a quota test as YAML: instance {@code r1} (the further routers get their own ids), the
     * embedded broker in {@code kafkaDir}, one pool and one route named {@code pool} on {@code backend} that take an
     * API key, the API key of each of {@code consumers} (its SHA-256 of the same place in {@code keys}), and the test's own parts:
     * {@code rateLimits} (the body of {@code router.rate-limits}), {@code poolPlan} (the predictor's settings of the
     * pool, a flow mapping) and {@code predictor} (further predictor settings).
     */
    static String yaml(Path kafkaDir, String backend, String pool, List<String> consumers, List<String> keys, String rateLimits,
                       String poolPlan, String predictor) {
        StringBuilder keyList = new StringBuilder();
        for (int i = 0; i < consumers.size(); i++) {
            keyList.append("        - {consumer: ").append(consumers.get(i)).append(", sha256: ").append(sha256(keys.get(i))).append("}\n");
        }
        return """
                instance-id: r1
                kafka:
                  bootstrap-servers: ""
                  embedded-data-dir: "%s"
                  telemetry-partitions: 1
                router:
                  listen: 127.0.0.1:0
                  pools:
                    %s:
                      backends: [%s]
                      connect-timeout: 1s
                      request-timeout: 5s
                  auth:
                    api-keys:
                      keys:
                %s  rate-limits:
                %s  routes:
                    - {name: %s, path-prefix: /, pool: %s, auth: {methods: [api-key]}}
                predictor:
                  lead-time: 5s
                  plan-ttl: 10s
                  retrain-interval: 10m
                  training-window: 300s
                  history: 10m
                  pools:
                    %s: %s
                %s""".formatted(kafkaDir, pool, backend, keyList, rateLimits.indent(4), pool, pool, pool, poolPlan, predictor.indent(2));
    }

    /** {@code 127.0.0.1:PORT} of the backend, for the configuration. */
    String backendAddress() {
        return "127.0.0.1:" + backend.getAddress().getPort();
    }

    /** The hex SHA-256 of an API key, as the configuration stores it. */
    static String sha256(String key) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Starts the broker, the predictor and {@code routers} routers on {@code config} (whose {@code instance-id} must be
     * {@code r1}); every role reads {@code clock}.
     */
    QuotaCluster start(HeadroomConfig config, Path kafkaDir, int routers, Clock clock) throws IOException {
        this.config = config;
        stack = Stack.start(config, new Stack.Roles(true, true, false, false), clock, kafkaDir, w -> windows.get(IDS[0]).add(w));
        this.routers = new Router[routers];
        this.routers[0] = stack.router();
        Topics topics = config.kafka().topics();
        for (int i = 1; i < routers; i++) {
            String id = IDS[i];
            KafkaClients clients = new KafkaClients(stack.bootstrapServers(), id);
            KafkaTelemetrySink sink = KafkaTelemetrySink.create(clients, topics.telemetry(), 10_000);
            closing.add(sink);
            Router r = Router.create(config.router(), id, w -> {
                windows.get(id).add(w);
                sink.accept(w);
            }, clock);
            closing.add(ControlPlanSubscriber.start(clients, topics.control(), r.controlPlans()));
            r.start();
            closing.add(r);
            this.routers[i] = r;
        }
        return this;
    }

    Stack stack() {
        return stack;
    }

    HeadroomConfig config() {
        return config;
    }

    Router router(int i) {
        return routers[i];
    }

    int routers() {
        return routers.length;
    }

    /** The closed telemetry windows of router {@code i} so far. */
    ConcurrentLinkedQueue<TelemetryWindow> windows(int i) {
        return windows.get(IDS[i]);
    }

    /** Closes {@code c} with the cluster (before the routers and the stack). */
    <T extends AutoCloseable> T closeLater(T c) {
        closing.add(c);
        return c;
    }

    /** Waits until every router has closed a window that starts at or after {@code untilMillis}. */
    void awaitWindowsFrom(long untilMillis, Duration atMost) {
        await("telemetry windows of every router from " + untilMillis).atMost(atMost).pollInterval(Duration.ofMillis(250)).until(() -> {
            for (int i = 0; i < routers.length; i++) {
                if (windows(i).stream().noneMatch(w -> w.startMillis() >= untilMillis)) {
                    return false;
                }
            }
            return true;
        });
    }

    /**
     * Router {@code i}'s admitted requests of {@code consumer} (requests less rejections in its windows' consumer
     * counts) in windows starting in {@code [fromMillis, toMillis)}.
     */
    long admitted(int i, String consumer, long fromMillis, long toMillis) {
        long n = 0;
        for (TelemetryWindow w : windows(i)) {
            if (w.startMillis() < fromMillis || w.startMillis() >= toMillis) {
                continue;
            }
            for (ConsumerStats c : w.consumers()) {
                if (c.consumer().equals(consumer)) {
                    n += c.requests() - c.rejections();
                }
            }
        }
        return n;
    }

    /** Where request number {@code n} goes: a router and the index of the API key it carries. */
    record Pick(int router, int key) {
    }

    /**
     * Open-loop traffic: one request every {@code periodMillis}, never waiting on responses (at most {@code maxInFlight}
     * at once; beyond that a request is skipped and counted), request {@code n} to {@code pick.apply(n)}, at most
     * {@code maxRequests} of them and for at most {@code maxTime}.
     */
    Traffic traffic(String path, String[] keys, long periodMillis, int maxInFlight, long maxRequests, Duration maxTime,
                    LongFunction<Pick> pick) {
        Traffic t = new Traffic(routers.length, maxInFlight);
        URI[] targets = new URI[routers.length];
        for (int i = 0; i < routers.length; i++) {
            targets[i] = URI.create("http://127.0.0.1:" + routers[i].port() + path);
        }
        long deadline = System.nanoTime() + maxTime.toNanos();
        t.executor.scheduleAtFixedRate(() -> {
            long n = t.sent.get();
            if (t.paused || n >= maxRequests || System.nanoTime() > deadline) {
                return;
            }
            Pick p = pick.apply(n);
            t.sent.incrementAndGet();
            if (!t.inFlight.tryAcquire()) {
                t.skipped.increment();
                return;
            }
            HttpRequest req = HttpRequest.newBuilder(targets[p.router()]).header("X-Api-Key", keys[p.key()])
                    .timeout(Duration.ofSeconds(5)).GET().build();
            http.sendAsync(req, HttpResponse.BodyHandlers.discarding()).whenComplete((res, err) -> {
                t.inFlight.release();
                if (err != null) {
                    t.failed.increment();
                } else if (res.statusCode() == 200) {
                    t.ok[p.router()].increment();
                } else if (res.statusCode() == 429) {
                    t.limited[p.router()].increment();
                    t.lastRefusal.set(res);
                } else {
                    t.failed.increment();
                }
            });
        }, 0, periodMillis, TimeUnit.MILLISECONDS);
        closing.add(t);
        return t;
    }

    /** Counts of one {@link #traffic} source; {@link #pause} and {@link #resume} it, {@link #close} stops it. */
    static final class Traffic implements AutoCloseable {
        final LongAdder[] ok;
        final LongAdder[] limited;
        final LongAdder failed = new LongAdder();
        final LongAdder skipped = new LongAdder();
        final AtomicLong sent = new AtomicLong();
        /** The last 429 answer (its headers). */
        final AtomicReference<HttpResponse<Void>> lastRefusal = new AtomicReference<>();
        private final Semaphore inFlight;
        private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("quota-cluster-traffic").factory());
        private volatile boolean paused;

        private Traffic(int routers, int maxInFlight) {
            ok = new LongAdder[routers];
            limited = new LongAdder[routers];
            for (int i = 0; i < routers; i++) {
                ok[i] = new LongAdder();
                limited[i] = new LongAdder();
            }
            inFlight = new Semaphore(maxInFlight);
        }

        List<Long> ok() {
            return java.util.Arrays.stream(ok).map(LongAdder::sum).toList();
        }

        List<Long> limited() {
            return java.util.Arrays.stream(limited).map(LongAdder::sum).toList();
        }

        void pause() {
            paused = true;
        }

        void resume() {
            paused = false;
        }

        @Override
        public void close() {
            executor.shutdownNow();
        }
    }

    @Override
    public void close() {
        for (int i = closing.size() - 1; i >= 0; i--) {
            try {
                closing.get(i).close();
            } catch (Exception e) {
                System.out.println("closing " + closing.get(i) + ": " + e);
            }
        }
        if (stack != null) {
            stack.close();
        }
        backend.stop(0);
        backendThreads.shutdownNow();
        http.close();
    }
}
