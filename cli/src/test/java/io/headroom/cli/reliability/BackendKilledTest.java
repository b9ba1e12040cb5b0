package io.headroom.cli.reliability;

import com.sun.net.httpserver.HttpServer;
import io.headroom.config.ConfigNode;
import io.headroom.router.Router;
import io.headroom.router.config.RouterConfig;
import io.headroom.router.control.MemberStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 9, item 1, "backend killed under load": three backends behind the router, steady idempotent GETs. One backend
 * is killed (its listener closed, its open connections cut). Then:
 * <ul>
 *   <li>no client sees a failure: each broken or refused attempt is retried on another member;</li>
 *   <li>passive outlier detection ejects it within about a second of the kill ({@link Router#memberStates});</li>
 *   <li>restarted on the same port, it rejoins (its ejection ends; base-ejection-time is 1 s here) and serves again.</li>
 * </ul>
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class BackendKilledTest {
    private static final int CLIENTS = 4;
    /** The issue asks for 1 s; the margin absorbs scheduling on a shared two-core machine. */
    private static final Duration EJECTED_WITHIN = Duration.ofMillis(1_500);

    private final Map<String, LongAdder> served = new ConcurrentHashMap<>();

    @Test
    void idempotentRequestsSurviveAKilledBackendWhichIsEjectedAndRejoins() throws Exception {
        HttpServer a = backend("A", 0);
        HttpServer b = backend("B", 0);
        HttpServer c = backend("C", 0);
        int portB = b.getAddress().getPort();
        String addrB = "127.0.0.1:" + portB;
        RouterConfig config = RouterConfig.from(ConfigNode.parse("killed.yaml", """
                router:
                  listen: 127.0.0.1:0
                  pools:
                    api:
                      backends: [127.0.0.1:%d, %s, 127.0.0.1:%d]
                      connect-timeout: 500ms
                      request-timeout: 5s
                      balancer: {type: round-robin}
                      outlier: {consecutive-failures: 3, base-ejection-time: 1s, max-ejection-time: 3s, max-ejection-percent: 50}
                      retry: {attempts: 2, budget-percent: 50, budget-min-per-second: 50}
                  routes:
                    - {name: api, path-prefix: /, pool: api}
                """.formatted(a.getAddress().getPort(), addrB, c.getAddress().getPort())));
        Router router = Router.create(config, "killed-router", w -> { }, Clock.systemUTC());
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong ok = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        ConcurrentLinkedQueue<String> failureSamples = new ConcurrentLinkedQueue<>();
        List<Thread> clients = new ArrayList<>();
        HttpServer restarted = null;
        try {
            URI target = URI.create("http://127.0.0.1:" + router.start() + "/item");
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
            for (int i = 0; i < CLIENTS; i++) {
                clients.add(Thread.ofVirtual().start(() -> {
                    while (running.get()) {
                        try {
                            HttpResponse<String> r = http.send(HttpRequest.newBuilder(target).timeout(Duration.ofSeconds(10)).GET().build(),
                                    HttpResponse.BodyHandlers.ofString());
                            if (r.statusCode() == 200) {
                                ok.incrementAndGet();
                            } else {
                                failed.incrementAndGet();
                                sample(failureSamples, r.statusCode() + " " + r.body());
                            }
                            Thread.sleep(5);
                        } catch (InterruptedException e) {
                            return;
                        } catch (Exception e) {
                            failed.incrementAndGet();
                            sample(failureSamples, e.toString());
                        }
                    }
                }));
            }
            await("traffic on every backend").atMost(Duration.ofSeconds(20))
                    .until(() -> served.keySet().containsAll(List.of("A", "B", "C")) && ok.get() > 100);

            long killedAt = System.nanoTime();
            b.stop(0); // listener closed, exchanges cut: what a crash looks like from outside
            await("B ejected").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10))
                    .until(() -> state(router, addrB).ejected());
            long ejectedAfterMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
            MemberStatus ejected = state(router, addrB);
            System.out.printf("B ejected %d ms after the kill: %s%n", ejectedAfterMs, ejected);
            assertThat(Duration.ofMillis(ejectedAfterMs)).as("time from the kill to B's ejection; state %s", ejected)
                    .isLessThanOrEqualTo(EJECTED_WITHIN);
            assertThat(ejected.lastError()).as("the failure that ejected B").isNotNull();

            Thread.sleep(2_000); // dead for a while: ejections end, probes fail, B is ejected again
            long servedByBBefore = count("B");
            restarted = backend("B", portB);
            await("B rejoins and serves again").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
                MemberStatus st = state(router, addrB);
                assertThat(st.available()).as("B in rotation; state %s", st).isTrue();
                assertThat(st.ejected()).as("state %s", st).isFalse();
                assertThat(count("B")).as("requests served by the restarted B").isGreaterThan(servedByBBefore + 20);
            });
            System.out.printf("B rejoined: %s; ok %d, failed %d%n", state(router, addrB), ok.get(), failed.get());

            running.set(false);
            for (Thread t : clients) {
                t.join(10_000);
            }
            assertThat(failed.get()).as("failed idempotent requests (of %d); samples %s", ok.get() + failed.get(), failureSamples).isZero();
            assertThat(ok.get()).isPositive();
        } finally {
            running.set(false);
            router.close();
            a.stop(0);
            c.stop(0);
            if (restarted != null) {
                restarted.stop(0);
            }
        }
    }

    private static void sample(ConcurrentLinkedQueue<String> q, String s) {
        if (q.size() < 10) {
            q.add(s);
        }
    }

    private long count(String name) {
        LongAdder n = served.get(name);
        return n == null ? 0 : n.sum();
    }

    private static MemberStatus state(Router router, String address) {
        return router.memberStates("api").stream().filter(m -> m.address().equals(address)).findFirst().orElseThrow();
    }

    /** A backend answering its name; {@code port} 0 picks a free one. */
    private HttpServer backend(String name, int port) throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port), 256);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        byte[] body = name.getBytes(StandardCharsets.US_ASCII);
        server.createContext("/", ex -> {
            try (ex) {
                ex.getRequestBody().readAllBytes();
                served.computeIfAbsent(name, k -> new LongAdder()).increment();
                ex.sendResponseHeaders(200, body.length);
                ex.getResponseBody().write(body);
            }
        });
        server.start();
        return server;
    }
}
