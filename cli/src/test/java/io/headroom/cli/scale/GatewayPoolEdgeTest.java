package io.headroom.cli.scale;

import io.headroom.autoscaler.backend.BackendConfig;
import io.headroom.autoscaler.backend.SimulatedBackend;
import io.headroom.autoscaler.config.AutoscalerConfig;
import io.headroom.autoscaler.policy.PolicyConfig;
import io.headroom.autoscaler.provider.Instance;
import io.headroom.autoscaler.provider.InstanceLauncher;
import io.headroom.autoscaler.provider.LocalProcessProvider;
import io.headroom.autoscaler.provider.LocalProviderConfig;
import io.headroom.autoscaler.provider.ProcessLauncher;
import io.headroom.autoscaler.service.AutoscalerService;
import io.headroom.ingest.broker.EmbeddedKafka;
import io.headroom.ingest.kafka.KafkaClients;
import io.headroom.ingest.kafka.Topics;
import io.headroom.ingest.model.ScalingEvent;
import io.headroom.ingest.model.ScalingIntent;
import io.headroom.router.Router;
import io.headroom.router.config.RouterConfig;
import io.headroom.router.control.ControlPlanSubscriber;
import io.headroom.router.l4.EdgeConfig;
import io.headroom.router.l4.EdgeMembership;
import io.headroom.router.l4.EdgeServer;
import io.headroom.router.telemetry.TelemetrySink;
import io.headroom.time.Ticker;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 6's gateway pools, end to end on loopback: the autoscaler scales a pool of gateways 2 → 3 → 2 with the local
 * provider in role gateway; its membership plans go through the embedded broker to the L4 edge, which follows them;
 * steady client traffic goes through the edge the whole time; the scale-in drains the third gateway (out of the plan,
 * its connections finished, then stopped). Not one request may fail. Each request takes 1 s at the backend, longer than the gateway's
 * own shutdown grace, so a gateway always has requests in flight that stopping it without the drain would cut.
 *
 * <p>The default suite runs in-process gateways ({@link Router} instances in this JVM, started and stopped by the
 * provider through an {@link InstanceLauncher}); the soak suite runs real {@code headroom proxy} JVMs.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class GatewayPoolEdgeTest {
    private static final String POOL = "gateways";

    /** A {@link Router} in this JVM as a gateway instance. */
    private static InstanceLauncher inProcessGateways(List<String> upstreams) {
        return (host, port, log) -> {
            Router router = Router.create(RouterConfig.quick(host + ":" + port, upstreams), "gw-" + port, TelemetrySink.DISCARD,
                    Clock.systemUTC());
            router.start();
            CompletableFuture<Integer> exit = new CompletableFuture<>();
            AtomicBoolean alive = new AtomicBoolean(true);
            return new InstanceLauncher.Running() {
                @Override
                public String id() {
                    return "in-process-" + port;
                }

                @Override
                public boolean isAlive() {
                    return alive.get();
                }

                @Override
                public CompletableFuture<Integer> onExit() {
                    return exit;
                }

                @Override
                public int stop(Duration grace) {
                    if (alive.compareAndSet(true, false)) {
                        router.stop();
                        exit.complete(0);
                    }
                    return 0;
                }
            };
        };
    }

    @Test
    void inProcessGatewaysScaleOutAndInBehindTheEdgeWithoutAFailedRequest(@TempDir Path logs) throws Exception {
        run(logs, cfg -> inProcessGateways(cfg.upstreams()));
    }

    @Test
    @Tag("soak")
    void realHeadroomProxyJvmsScaleOutAndInBehindTheEdgeWithoutAFailedRequest(@TempDir Path logs) throws Exception {
        run(logs, ProcessLauncher::new);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static ScalingIntent intent(int desired) {
        return new ScalingIntent(POOL, System.currentTimeMillis(), desired, 5, 0, 0, 0, 0, 100, "test", "gateway pool test: " + desired);
    }

    private void run(Path logs, Function<LocalProviderConfig, InstanceLauncher> launchers) throws Exception {
        Assumptions.assumeTrue(Files.isReadable(Path.of("/proc/net/tcp")), "the gateway drain reads the kernel's TCP table (Linux)");
        Topics topics = Topics.DEFAULT;
        try (SimulatedBackend backend = SimulatedBackend.start(new BackendConfig("127.0.0.1", 0, 100_000, Duration.ofSeconds(1),
                Duration.ZERO));
             EmbeddedKafka kafka = EmbeddedKafka.startTemporary()) {
            LocalProviderConfig gateways = LocalProviderConfig.gateways(freePort(), List.of(backend.address()))
                    .withDrain(Duration.ofSeconds(1)).withDrainTimeout(Duration.ofSeconds(30)).withLogDir(logs);
            AutoscalerConfig config = new AutoscalerConfig(false, Duration.ofMillis(250), Duration.ofSeconds(15), Map.of(POOL,
                    new AutoscalerConfig.PoolConfig(POOL, new PolicyConfig(2, 3, Duration.ZERO, Duration.ZERO, 4, 1, false),
                            AutoscalerConfig.ProviderKind.LOCAL, gateways)));
            KafkaClients clients = new KafkaClients(kafka.bootstrapServers(), "gateway-pool-test");
            try (Admin admin = clients.admin()) {
                topics.ensure(admin, 1, (short) 1);
            }
            EdgeConfig edgeConfig = EdgeConfig.of("127.0.0.1:0", List.of(backend.address()), EdgeConfig.BalancerType.LEAST_CONNECTIONS);
            // no static members: every gateway comes from the autoscaler's plans
            EdgeMembership membership = new EdgeMembership(POOL, List.of(), EdgeConfig.BalancerType.LEAST_CONNECTIONS,
                    Clock.systemUTC(), 7);
            Clock clock = Clock.systemUTC();
            try (AutoscalerService service = new AutoscalerService(config, clients, topics, clock,
                         (pool, listener) -> new LocalProcessProvider(pool.name(), pool.local(), listener, clock,
                                 launchers.apply(pool.local())));
                 EdgeServer edge = new EdgeServer(edgeConfig, membership, Ticker.system());
                 ControlPlanSubscriber plans = EdgeMembership.subscribe(clients, topics.control(), membership)) {
                service.pools().get(POOL).provider(); // built
                int edgePort = edge.start();
                service.start();
                // min 2 at start, announced to the edge through the broker
                await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(100))
                        .until(() -> membership.snapshot().members().size() == 2);
                Set<String> firstTwo = addresses(membership);

                try (Clients traffic = new Clients(edgePort, 16)) {
                    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(traffic.ok.get())
                            .as("ok so far; failures %s", traffic.failures.stream().limit(3).toList()).isGreaterThanOrEqualTo(40));

                    service.onIntent(intent(3));
                    await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(100))
                            .until(() -> membership.snapshot().members().size() == 3);
                    String third = addresses(membership).stream().filter(a -> !firstTwo.contains(a)).findFirst().orElseThrow();
                    // least connections sends the newcomer its share
                    await().atMost(Duration.ofSeconds(60)).until(() -> edge.memberState(third).connections() >= 10);

                    service.onIntent(intent(2));
                    await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(100))
                            .until(() -> stopped(service, third));
                    await().atMost(Duration.ofSeconds(60)).until(() -> addresses(membership).equals(firstTwo));
                    // stopped only once the connections the edge had open to it were finished
                    assertThat(stopReason(service, third)).startsWith("connections drained in");
                    long after = traffic.ok.get();
                    await().atMost(Duration.ofSeconds(60)).until(() -> traffic.ok.get() >= after + 40);
                    traffic.close();
                    assertThat(traffic.failures).as("failed requests").isEmpty();
                }
                assertThat(plans.appliedCount()).isPositive();
                assertThat(service.status().getFirst().instances()).extracting(Instance::address).containsExactlyInAnyOrderElementsOf(firstTwo);
            }
        }
    }

    private static String stopReason(AutoscalerService service, String address) {
        return service.status().getFirst().recentEvents().stream()
                .filter(e -> e.action() == ScalingEvent.Action.STOPPED && e.instance().equals(address))
                .map(ScalingEvent::reason).findFirst().orElse("");
    }

    private static boolean stopped(AutoscalerService service, String address) {
        return service.status().getFirst().instances().stream().noneMatch(i -> i.address().equals(address))
                && service.status().getFirst().recentEvents().stream()
                .anyMatch(e -> e.action() == ScalingEvent.Action.STOPPED && e.instance().equals(address));
    }

    private static Set<String> addresses(EdgeMembership m) {
        Set<String> out = ConcurrentHashMap.newKeySet();
        m.snapshot().members().forEach(x -> out.add(x.address().toString()));
        return Set.copyOf(out);
    }

    /** Client threads that each send one GET per connection through the edge, back to back with a short pause. */
    static final class Clients implements AutoCloseable {
        final AtomicLong ok = new AtomicLong();
        final List<String> failures = new CopyOnWriteArrayList<>();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final List<Thread> threads = new ArrayList<>();

        Clients(int port, int n) {
            for (int k = 0; k < n; k++) {
                threads.add(Thread.ofVirtual().name("client-" + k).start(() -> loop(port)));
            }
        }

        private void loop(int port) {
            while (running.get()) {
                try (Socket s = new Socket("127.0.0.1", port)) {
                    s.setSoTimeout(10_000);
                    OutputStream out = s.getOutputStream();
                    out.write("GET /steady HTTP/1.1\r\nHost: edge\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    String response = readAll(s.getInputStream());
                    if (response.startsWith("HTTP/1.1 200")) {
                        ok.incrementAndGet();
                    } else {
                        failures.add(response.isEmpty() ? "empty response" : response.lines().findFirst().orElse(""));
                    }
                } catch (IOException e) {
                    failures.add(e.toString());
                }
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        /**
         * Reads one response: the head up to the blank line, then a Content-Length body or a chunked one to its last
         * chunk. Returns the status line, or what arrived before the stream ended.
         */
        private static String readAll(InputStream in) throws IOException {
            String head = readHead(in);
            int end = head.indexOf("\r\n");
            String status = end < 0 ? head : head.substring(0, end);
            if (end < 0) {
                return status;
            }
            String lower = head.toLowerCase(java.util.Locale.ROOT);
            int cl = lower.indexOf("\r\ncontent-length:");
            if (cl >= 0) {
                int eol = lower.indexOf("\r\n", cl + 2);
                long n = Long.parseLong(lower.substring(cl + "\r\ncontent-length:".length(), eol).trim());
                if (in.readNBytes((int) n).length != n) {
                    throw new IOException("body cut short after " + status);
                }
            } else if (lower.contains("\r\ntransfer-encoding: chunked")) {
                while (true) {
                    String size = readLine(in).trim();
                    int n = Integer.parseInt(size.split(";")[0], 16);
                    if (in.readNBytes(n + 2).length != n + 2) {
                        throw new IOException("chunk cut short after " + status);
                    }
                    if (n == 0) {
                        break;
                    }
                }
            }
            return status;
        }

        private static String readHead(InputStream in) throws IOException {
            StringBuilder b = new StringBuilder();
            int c;
            while ((c = in.read()) >= 0) {
                b.append((char) c);
                if (b.length() >= 4 && b.substring(b.length() - 4).equals("\r\n\r\n")) {
                    break;
                }
            }
            return b.toString();
        }

        private static String readLine(InputStream in) throws IOException {
            StringBuilder b = new StringBuilder();
            int c;
            while ((c = in.read()) >= 0 && c != '\n') {
                b.append((char) c);
            }
            return b.toString();
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            for (Thread t : threads) {
                t.join(Duration.ofSeconds(20));
            }
        }
    }
}
