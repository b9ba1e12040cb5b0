package io.headroom.cli.reliability;

import com.sun.net.httpserver.HttpServer;
import io.headroom.config.ConfigNode;
import io.headroom.router.Router;
import io.headroom.router.config.RouterConfig;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Tag;
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
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 9, item 2, "slow backend (10x latency)": three backends at 5 ms behind {@code balancer: {type: peak-ewma}}.
 * The same closed-loop load runs twice in one test: first with every backend healthy, then with one backend at 50 ms.
 * Latency-aware balancing must route around the slow one (a small share of the requests) so that the p99 of all
 * requests stays within 2x of the healthy phase's.
 */
@Tag("soak")
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class SlowBackendSoakTest {
    private static final Duration BASE = Duration.ofMillis(5);
    private static final Duration WARMUP = Duration.ofSeconds(5);
    private static final Duration PHASE = Duration.ofSeconds(20);
    private static final int CLIENTS = 6;

    @Test
    void peakEwmaRoutesAroundASlowBackendAndKeepsP99WithinTwiceHealthy() throws Exception {
        Backend a = new Backend("A");
        Backend b = new Backend("B");
        Backend c = new Backend("C");
        RouterConfig config = RouterConfig.from(ConfigNode.parse("slow.yaml", """
                router:
                  listen: 127.0.0.1:0
                  pools:
                    api:
                      backends: [%s, %s, %s]
                      request-timeout: 5s
                      balancer: {type: peak-ewma}
                  routes:
                    - {name: api, path-prefix: /, pool: api}
                """.formatted(a.address(), b.address(), c.address())));
        Router router = Router.create(config, "slow-router", w -> { }, Clock.systemUTC());
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicReference<Histogram> recording = new AtomicReference<>(null);
        AtomicLong failed = new AtomicLong();
        List<Thread> clients = new ArrayList<>();
        try {
            URI target = URI.create("http://127.0.0.1:" + router.start() + "/");
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
            for (int i = 0; i < CLIENTS; i++) {
                clients.add(Thread.ofVirtual().start(() -> {
                    while (running.get()) {
                        long t0 = System.nanoTime();
                        try {
                            HttpResponse<Void> r = http.send(HttpRequest.newBuilder(target).timeout(Duration.ofSeconds(10)).build(),
                                    HttpResponse.BodyHandlers.discarding());
                            long micros = TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - t0);
                            if (r.statusCode() != 200) {
                                failed.incrementAndGet();
                            }
                            Histogram h = recording.get();
                            if (h != null) {
                                synchronized (h) {
                                    h.recordValue(Math.min(micros, h.getHighestTrackableValue()));
                                }
                            }
                        } catch (InterruptedException e) {
                            return;
                        } catch (Exception e) {
                            failed.incrementAndGet();
                        }
                    }
                }));
            }
            Thread.sleep(WARMUP.toMillis());
            Histogram healthy = measure(recording);
            long healthyB = b.served.sum();

            b.latencyMillis = 10 * BASE.toMillis(); // 10x
            Thread.sleep(WARMUP.toMillis()); // the balancer learns
            long before = a.served.sum() + b.served.sum() + c.served.sum();
            long beforeB = b.served.sum();
            Histogram slow = measure(recording);
            long total = a.served.sum() + b.served.sum() + c.served.sum() - before;
            double shareB = (double) (b.served.sum() - beforeB) / total;
            running.set(false);
            for (Thread t : clients) {
                t.join(10_000);
            }
            double p99Healthy = healthy.getValueAtPercentile(99) / 1000.0;
            double p99Slow = slow.getValueAtPercentile(99) / 1000.0;
            System.out.printf("healthy: %d requests, p50 %.1f ms, p99 %.1f ms, B served %d%n", healthy.getTotalCount(),
                    healthy.getValueAtPercentile(50) / 1000.0, p99Healthy, healthyB);
            System.out.printf("B at 10x: %d requests, p50 %.1f ms, p99 %.1f ms, B's share %.2f %%%n", slow.getTotalCount(),
                    slow.getValueAtPercentile(50) / 1000.0, p99Slow, 100 * shareB);

            assertThat(failed.get()).as("failed requests").isZero();
            assertThat(shareB).as("share of requests to the slow backend (a fair share is 33 %%)").isLessThan(0.05);
            // Over 1 % of requests to the slow member would make its latency the p99: it failed that way (1.7 %) on a
            // busy 2-core machine, and passed with 0.6 % on a quiet one. Noise on the fast members still moves it.
            assertThat(p99Slow).as("p99 with one backend at 10x (ms) vs 2 x the healthy p99 %.1f ms", p99Healthy)
                    .isLessThanOrEqualTo(2 * p99Healthy);
        } finally {
            running.set(false);
            router.close();
            a.stop();
            b.stop();
            c.stop();
        }
    }

    private static Histogram measure(AtomicReference<Histogram> recording) throws InterruptedException {
        Histogram h = new Histogram(TimeUnit.SECONDS.toMicros(30), 3);
        recording.set(h);
        Thread.sleep(PHASE.toMillis());
        recording.set(null);
        synchronized (h) {
            return h.copy();
        }
    }

    /** A backend that answers after {@code latencyMillis}. */
    private static final class Backend {
        final LongAdder served = new LongAdder();
        volatile long latencyMillis = BASE.toMillis();
        private final HttpServer server;

        Backend(String name) throws Exception {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 256);
            server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
            byte[] body = name.getBytes(StandardCharsets.US_ASCII);
            server.createContext("/", ex -> {
                try (ex) {
                    ex.getRequestBody().readAllBytes();
                    Thread.sleep(latencyMillis);
                    served.increment();
                    ex.sendResponseHeaders(200, body.length);
                    ex.getResponseBody().write(body);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            server.start();
        }

        String address() {
            return "127.0.0.1:" + server.getAddress().getPort();
        }

        void stop() {
            server.stop(0);
        }
    }
}
