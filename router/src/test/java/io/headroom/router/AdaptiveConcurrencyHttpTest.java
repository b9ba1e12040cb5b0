package io.headroom.router;

import io.headroom.config.ConfigNode;
import io.headroom.router.config.RouterConfig;
import io.headroom.router.resilience.ConcurrencyLimiter;
import io.headroom.router.telemetry.TelemetrySink;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A backend slows down under steady concurrency: the pool's adaptive limit falls and the router sheds with 503. */
@Timeout(120)
class AdaptiveConcurrencyHttpTest {
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void aSlowingBackendLowersTheLimitAndTheRouterShedsWithRetryAfterWhileAdmittedRequestsSucceed() throws Exception {
        try (TinyBackend b = new TinyBackend("b1")) {
            b.delayMillis = 5;
            String yaml = """
                    router:
                      listen: 127.0.0.1:0
                      pools:
                        api:
                          backends: [%s]
                          concurrency-limit: {initial-limit: 10, min-limit: 2, max-limit: 10, smoothing: 1.0, queue-size: 0,
                                              update-interval: 20ms, min-samples: 3}
                      routes: [{name: api, path-prefix: /, pool: api}]
                    """.formatted(b.address());
            try (Router r = Router.create(RouterConfig.from(ConfigNode.parse("t.yaml", yaml)), "t", TelemetrySink.DISCARD,
                    Clock.systemUTC())) {
                r.start();
                URI uri = URI.create("http://127.0.0.1:" + r.port() + "/delay");
                AtomicBoolean slow = new AtomicBoolean();
                AtomicBoolean stop = new AtomicBoolean();
                AtomicInteger okWhileSlow = new AtomicInteger();
                AtomicInteger shed = new AtomicInteger();
                ConcurrentLinkedQueue<String> wrong = new ConcurrentLinkedQueue<>();
                List<Thread> clients = new ArrayList<>();
                for (int c = 0; c < 10; c++) {
                    clients.add(Thread.ofVirtual().start(() -> {
                        while (!stop.get()) {
                            try {
                                boolean wasSlow = slow.get();
                                HttpResponse<String> res = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(20)).build(),
                                        HttpResponse.BodyHandlers.ofString());
                                if (res.statusCode() == 200 && res.body().equals("b1")) {
                                    if (wasSlow) {
                                        okWhileSlow.incrementAndGet();
                                    }
                                } else if (res.statusCode() == 503 && res.body().contains("concurrency_limit")
                                        && res.headers().firstValue("Retry-After").orElse("").equals("1")) {
                                    shed.incrementAndGet();
                                    Thread.sleep(20); // a polite client would wait Retry-After; 20 ms keeps the test short
                                } else {
                                    wrong.add(res.statusCode() + " " + res.headers().map() + " " + res.body());
                                }
                            } catch (Exception e) {
                                wrong.add(e.toString());
                            }
                        }
                    }));
                }
                // the limiter learns the backend's normal latency (more windows than the long-term average's warm-up)
                await().atMost(Duration.ofSeconds(30)).until(() -> r.concurrency("api").orElseThrow().updates() >= 12);
                b.delayMillis = 400; // far beyond tolerance × the learned latency, even on a loaded machine
                slow.set(true);
                await().atMost(Duration.ofSeconds(60)).until(() -> shed.get() > 0 && okWhileSlow.get() >= 5
                        && r.concurrency("api").orElseThrow().limit() < 10);
                stop.set(true);
                for (Thread t : clients) {
                    t.join(Duration.ofSeconds(30));
                }
                ConcurrencyLimiter.Status s = r.concurrency("api").orElseThrow();
                assertThat(wrong).isEmpty();
                assertThat(s.limit()).isLessThan(10);
                assertThat(s.rejected()).isGreaterThanOrEqualTo(shed.get());
                // a response can reach its client before the handler that sent it returns its permit: poll for that
                await().atMost(Duration.ofSeconds(30)).until(() -> r.concurrency("api").orElseThrow().inFlight() == 0);
                assertThat(s.lastRttMs()).isGreaterThan(s.longRttMs());
                assertThat(r.concurrency("nope")).isEmpty();
            }
        }
    }
}
