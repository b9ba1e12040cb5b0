package io.headroom.cli.reliability;

import io.headroom.autoscaler.backend.BackendConfig;
import io.headroom.autoscaler.backend.SimulatedBackend;
import io.headroom.config.ConfigNode;
import io.headroom.router.Router;
import io.headroom.router.config.RouterConfig;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
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
 * Issue 9, item 5, "overload at 3x capacity": a bounded open-loop burst at three times the capacity of a simulated
 * backend (which sheds past its capacity with 503 + Retry-After) through the router, with its default resilience
 * settings. The process stays up and serves afterwards; every answer is a 200, or a 503/429 that carries Retry-After
 * so that clients back off; admitted requests stay fast; the heap after GC does not grow with the burst.
 */
@Tag("soak")
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class OverloadSoakTest {
    private static final double CAPACITY = 100; // req/s of the simulated backend
    private static final int RATE = 300; // 3x
    private static final Duration BURST = Duration.ofSeconds(20);
    private static final long HEAP_GROWTH_LIMIT = 64L << 20;

    @Test
    void aBurstAtThreeTimesCapacityIsShedWithRetryAfterAndTheProcessStaysUpWithBoundedHeap() throws Exception {
        SimulatedBackend backend = SimulatedBackend.start(BackendConfig.of(0, CAPACITY, Duration.ofMillis(5)));
        RouterConfig config = RouterConfig.from(ConfigNode.parse("overload.yaml", """
                router:
                  listen: 127.0.0.1:0
                  pools:
                    api:
                      backends: [%s]
                      request-timeout: 5s
                  routes:
                    - {name: api, path-prefix: /, pool: api}
                """.formatted(backend.address())));
        Router router = Router.create(config, "overload-router", w -> { }, Clock.systemUTC());
        ScheduledExecutorService sender = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().factory());
        Map<Integer, LongAdder> statuses = new ConcurrentHashMap<>();
        AtomicLong errors = new AtomicLong();
        AtomicLong skipped = new AtomicLong();
        AtomicLong shedWithoutRetryAfter = new AtomicLong();
        ConcurrentLinkedQueue<String> samples = new ConcurrentLinkedQueue<>();
        Histogram admitted = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
        try {
            URI target = URI.create("http://127.0.0.1:" + router.start() + "/work");
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
            assertThat(http.send(HttpRequest.newBuilder(target).build(), HttpResponse.BodyHandlers.discarding()).statusCode()).isEqualTo(200);
            long heapBefore = usedHeapAfterGc();

            Semaphore inFlight = new Semaphore(1_000); // the client's bound: the burst is open loop, not unbounded
            long periodMicros = 1_000_000L / RATE;
            sender.scheduleAtFixedRate(() -> {
                if (!inFlight.tryAcquire()) {
                    skipped.incrementAndGet();
                    return;
                }
                long t0 = System.nanoTime();
                http.sendAsync(HttpRequest.newBuilder(target).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.discarding())
                        .whenComplete((r, e) -> {
                            try {
                                if (e != null) {
                                    errors.incrementAndGet();
                                    sample(samples, e.toString());
                                    return;
                                }
                                statuses.computeIfAbsent(r.statusCode(), k -> new LongAdder()).increment();
                                if (r.statusCode() == 200) {
                                    synchronized (admitted) {
                                        admitted.recordValue(Math.min(TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - t0),
                                                admitted.getHighestTrackableValue()));
                                    }
                                } else if (r.headers().firstValue("Retry-After").isEmpty()) {
                                    shedWithoutRetryAfter.incrementAndGet();
                                    sample(samples, r.statusCode() + " without Retry-After, headers " + r.headers().map());
                                }
                            } finally {
                                inFlight.release();
                            }
                        });
            }, 0, periodMicros, TimeUnit.MICROSECONDS);
            Thread.sleep(BURST.toMillis());
            sender.shutdownNow();
            await("the burst's requests answered").atMost(Duration.ofSeconds(30)).until(() -> inFlight.availablePermits() == 1_000);

            Map<Integer, Long> byStatus = new TreeMap<>();
            statuses.forEach((k, v) -> byStatus.put(k, v.sum()));
            long heapAfter = usedHeapAfterGc();
            double p99 = admitted.getValueAtPercentile(99) / 1000.0;
            System.out.printf("burst at %d req/s for %d s into a %.0f req/s backend: statuses %s, errors %d, skipped %d, shed without "
                            + "Retry-After %d, admitted p50 %.1f ms p99 %.1f ms, heap after GC %d -> %d MiB; samples %s%n", RATE,
                    BURST.toSeconds(), CAPACITY, byStatus, errors.get(), skipped.get(), shedWithoutRetryAfter.get(),
                    admitted.getValueAtPercentile(50) / 1000.0, p99, heapBefore >> 20, heapAfter >> 20, samples);

            assertThat(errors.get()).as("requests without an HTTP answer; samples %s", samples).isZero();
            assertThat(byStatus.keySet()).as("statuses seen").isSubsetOf(200, 429, 503);
            assertThat(byStatus.getOrDefault(200, 0L)).as("admitted requests").isPositive();
            assertThat(byStatus.getOrDefault(503, 0L) + byStatus.getOrDefault(429, 0L)).as("shed requests: the burst was an overload")
                    .isPositive();
            assertThat(p99).as("p99 of admitted requests (ms)").isLessThan(1_000);
            assertThat(heapAfter - heapBefore).as("heap growth after GC over the burst (bytes)").isLessThan(HEAP_GROWTH_LIMIT);

            // Still up, and serving once the burst is over.
            await("serving after the burst").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).until(() ->
                    http.send(HttpRequest.newBuilder(target).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding())
                            .statusCode() == 200);

            // A backend shedding load (503 + Retry-After) is not a failing one: the breaker must stay closed, and the
            // router's own 503s carry Retry-After too.
            assertThat(shedWithoutRetryAfter.get()).as("503/429 answers without Retry-After; samples %s", samples).isZero();
            // Shedding must not collapse goodput: the backend can serve CAPACITY req/s, and at least half of that passes.
            assertThat(byStatus.getOrDefault(200, 0L)).as("requests admitted during %d s at 3x a %.0f req/s backend", BURST.toSeconds(),
                    CAPACITY).isGreaterThanOrEqualTo((long) (0.5 * CAPACITY * BURST.toSeconds()));
        } finally {
            sender.shutdownNow();
            router.close();
            backend.close();
        }
    }

    private static void sample(ConcurrentLinkedQueue<String> q, String s) {
        if (q.size() < 5) {
            q.add(s);
        }
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(200);
        }
        return mem.getHeapMemoryUsage().getUsed();
    }
}
