package io.headroom.cli.reliability;

import com.sun.net.httpserver.HttpServer;
import io.headroom.cli.stack.HeadroomConfig;
import io.headroom.cli.stack.Stack;
import io.headroom.config.ConfigNode;
import io.headroom.ingest.kafka.BoundedPublisher;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 9, item 8: a soak at half the measured capacity through the router, with telemetry going to the embedded
 * Kafka broker, checking that nothing grows: heap after GC, open file descriptors ({@code /proc/self/fd}) and live
 * threads are sampled every {@code headroom.soak.sample} (30 s by default) for {@code headroom.soak.duration} (10 min by
 * default; CI may run e.g. {@code -Dheadroom.soak.duration=2m}). The first samples are warm-up; the assertions compare
 * the median of the last third with the median of the first third (after warm-up), with bounds that a leak of one
 * object, descriptor or thread per request (or per second) would break many times over:
 * heap after GC grows by at most 32 MiB, platform threads by at most 8, and descriptors by at most what the load's
 * concurrency explains (each of the {@value #SENDERS} senders may hold a client connection, the router's accepted
 * socket and a pooled upstream connection: keep-alive pools fill up to the peak concurrency they have seen, which
 * is bounded, not a leak) plus 8. The figures are printed and written to {@code target/soak-resources.csv}.
 */
@Tag("soak")
class ResourceSoakTest {
    private static final long HEAP_GROWTH_BOUND = 32L << 20;
    private static final int SENDERS = 16;
    private static final int FD_GROWTH_BOUND = 3 * SENDERS + 8;
    private static final int THREAD_GROWTH_BOUND = 8;

    @TempDir
    Path tmp;

    /** One sample. */
    record Sample(long atMillis, long heapAfterGc, int fds, int threads, long requests, long failures, long telemetryAcked,
                  long telemetryDropped, int upstreamConnections) {
    }

    @Test
    void heapDescriptorsAndThreadsStayFlatAtHalfLoad() throws Exception {
        Duration duration = Duration.parse("PT" + System.getProperty("headroom.soak.duration", "10m").toUpperCase());
        Duration every = Duration.parse("PT" + System.getProperty("headroom.soak.sample",
                duration.compareTo(Duration.ofMinutes(5)) >= 0 ? "30s" : Math.max(5, duration.toSeconds() / 10) + "s").toUpperCase());
        HttpServer a = backend("A");
        HttpServer b = backend("B");
        String yaml = """
                instance-id: soak
                kafka: {embedded-data-dir: %s, telemetry-partitions: 1}
                router:
                  listen: 127.0.0.1:0
                  pools:
                    api:
                      backends: [127.0.0.1:%d, 127.0.0.1:%d]
                      balancer: {type: peak-ewma}
                  routes:
                    - {name: api, path-prefix: /, pool: api}
                """.formatted(tmp.resolve("kafka"), a.getAddress().getPort(), b.getAddress().getPort());
        HeadroomConfig cfg = HeadroomConfig.from(ConfigNode.parse("soak.yaml", yaml));
        try (Stack stack = Stack.start(cfg, new Stack.Roles(true, false, false, false), Clock.systemUTC(), tmp.resolve("kafka"))) {
            URI target = URI.create("http://127.0.0.1:" + stack.router().port() + "/item");
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5))
                    .executor(Executors.newVirtualThreadPerTaskExecutor()).build();

            double capacity = measureCapacity(http, target, Duration.ofSeconds(8));
            double rate = capacity / 2;
            System.out.printf("soak: capacity %.0f req/s (closed loop, 16 clients), load %.0f req/s for %s, sample every %s%n",
                    capacity, rate, duration, every);

            AtomicBoolean running = new AtomicBoolean(true);
            AtomicLong ok = new AtomicLong();
            AtomicLong failed = new AtomicLong();
            ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
            int senders = SENDERS;
            List<Thread> threads = new ArrayList<>();
            for (int i = 0; i < senders; i++) {
                long interval = (long) (1e9 * senders / rate);
                threads.add(Thread.ofVirtual().start(() -> paced(http, target, interval, running, ok, failed, failures)));
            }
            List<Sample> samples = new ArrayList<>();
            long start = System.currentTimeMillis();
            long end = start + duration.toMillis();
            try {
                samples.add(sample(stack, ok, failed));
                while (System.currentTimeMillis() < end) {
                    Thread.sleep(Math.min(every.toMillis(), Math.max(1, end - System.currentTimeMillis())));
                    Sample s = sample(stack, ok, failed);
                    samples.add(s);
                    System.out.printf("soak %4ds: heap after GC %6.1f MiB, fds %4d, threads %3d, requests %9d (failed %d), "
                                    + "telemetry acked %6d dropped %d, upstream connections %d%n",
                            (s.atMillis() - start) / 1000, s.heapAfterGc() / 1048576.0, s.fds(), s.threads(), s.requests(), s.failures(),
                            s.telemetryAcked(), s.telemetryDropped(), s.upstreamConnections());
                }
            } finally {
                running.set(false);
                for (Thread t : threads) {
                    t.join(15_000);
                }
            }
            write(samples, start);

            // warm-up: the first sample (before load) and the next one (JIT, pools, caches filling)
            List<Sample> steady = samples.subList(Math.min(2, samples.size() - 3), samples.size());
            int third = Math.max(1, steady.size() / 3);
            List<Sample> first = steady.subList(0, third);
            List<Sample> last = steady.subList(steady.size() - third, steady.size());
            long heapGrowth = median(last.stream().mapToLong(Sample::heapAfterGc).toArray())
                    - median(first.stream().mapToLong(Sample::heapAfterGc).toArray());
            long fdGrowth = median(last.stream().mapToLong(Sample::fds).toArray()) - median(first.stream().mapToLong(Sample::fds).toArray());
            long threadGrowth = median(last.stream().mapToLong(Sample::threads).toArray())
                    - median(first.stream().mapToLong(Sample::threads).toArray());
            Sample fin = samples.get(samples.size() - 1);
            double achieved = (fin.requests() - samples.get(0).requests()) * 1000.0 / Math.max(1, fin.atMillis() - start);
            System.out.printf("soak result: %d requests (%.0f/s), %d failed; heap after GC %+.1f MiB, fds %+d, threads %+d "
                            + "(last third vs first third, medians); telemetry acked %d, dropped %d%n",
                    fin.requests(), achieved, fin.failures(), heapGrowth / 1048576.0, fdGrowth, threadGrowth, fin.telemetryAcked(),
                    fin.telemetryDropped());

            assertThat(fin.failures()).as("failed requests at half load; samples %s", failures).isZero();
            assertThat(achieved).as("the load held (req/s)").isGreaterThan(rate * 0.8);
            assertThat(heapGrowth).as("heap after GC growth (bytes)").isLessThanOrEqualTo(HEAP_GROWTH_BOUND);
            assertThat(fdGrowth).as("open file descriptor growth").isLessThanOrEqualTo(FD_GROWTH_BOUND);
            assertThat(threadGrowth).as("live thread growth").isLessThanOrEqualTo(THREAD_GROWTH_BOUND);
            assertThat(fin.upstreamConnections()).as("upstream connections: bounded by the peak concurrency per backend")
                    .isLessThanOrEqualTo(2 * SENDERS);
            assertThat(fin.telemetryDropped()).as("telemetry windows dropped with the broker up").isZero();
            assertThat(fin.telemetryAcked()).as("telemetry reached the broker").isGreaterThan(duration.toSeconds() / 2);
        } finally {
            a.stop(0);
            b.stop(0);
        }
    }

    private static double measureCapacity(HttpClient http, URI target, Duration d) throws InterruptedException {
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong n = new AtomicLong();
        List<Thread> ts = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            ts.add(Thread.ofVirtual().start(() -> {
                while (running.get()) {
                    try {
                        if (http.send(HttpRequest.newBuilder(target).timeout(Duration.ofSeconds(10)).build(),
                                HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                            n.incrementAndGet();
                        }
                    } catch (IOException e) {
                        // counted as not served
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }));
        }
        Thread.sleep(2_000); // warm-up
        long before = n.get();
        long t0 = System.nanoTime();
        Thread.sleep(d.toMillis());
        double rate = (n.get() - before) * 1e9 / (System.nanoTime() - t0);
        running.set(false);
        for (Thread t : ts) {
            t.join(15_000);
        }
        return rate;
    }

    /** Sends one request every {@code intervalNanos}; a sender that falls behind skips ahead instead of bursting. */
    private static void paced(HttpClient http, URI target, long intervalNanos, AtomicBoolean running, AtomicLong ok, AtomicLong failed,
                              ConcurrentLinkedQueue<String> failures) {
        long next = System.nanoTime() + (long) (Math.random() * intervalNanos);
        while (running.get()) {
            long wait = next - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(wait);
            } else if (-wait > TimeUnit.SECONDS.toNanos(1)) {
                next = System.nanoTime();
            }
            next += intervalNanos;
            try {
                HttpResponse<Void> r = http.send(HttpRequest.newBuilder(target).timeout(Duration.ofSeconds(10)).build(),
                        HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    ok.incrementAndGet();
                } else {
                    failed.incrementAndGet();
                    if (failures.size() < 10) {
                        failures.add("status " + r.statusCode());
                    }
                }
            } catch (IOException e) {
                failed.incrementAndGet();
                if (failures.size() < 10) {
                    failures.add(e.toString());
                }
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private static Sample sample(Stack stack, AtomicLong ok, AtomicLong failed) throws IOException {
        System.gc();
        System.gc();
        long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        int fds;
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            fds = (int) s.count();
        }
        int threads = ManagementFactory.getThreadMXBean().getThreadCount();
        BoundedPublisher.Stats t = stack.telemetrySink().stats();
        return new Sample(System.currentTimeMillis(), heap, fds, threads, ok.get() + failed.get(), failed.get(), t.acked(), t.dropped(),
                stack.router().upstreams().openConnections());
    }

    private static long median(long[] v) {
        long[] c = v.clone();
        Arrays.sort(c);
        return c[c.length / 2];
    }

    private static void write(List<Sample> samples, long start) throws IOException {
        StringBuilder b = new StringBuilder("seconds,heap_after_gc_bytes,fds,threads,requests,failures,telemetry_acked,telemetry_dropped,upstream_connections\n");
        for (Sample s : samples) {
            b.append((s.atMillis() - start) / 1000).append(',').append(s.heapAfterGc()).append(',').append(s.fds()).append(',')
                    .append(s.threads()).append(',').append(s.requests()).append(',').append(s.failures()).append(',')
                    .append(s.telemetryAcked()).append(',').append(s.telemetryDropped()).append(',').append(s.upstreamConnections()).append('\n');
        }
        Path out = Path.of("target", "soak-resources.csv");
        Files.createDirectories(out.getParent());
        Files.writeString(out, b.toString(), StandardCharsets.UTF_8);
    }

    private static HttpServer backend(String name) throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 256);
        s.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        byte[] body = name.getBytes(StandardCharsets.US_ASCII);
        s.createContext("/", ex -> {
            try (ex) {
                ex.getRequestBody().readAllBytes();
                ex.sendResponseHeaders(200, body.length);
                ex.getResponseBody().write(body);
            }
        });
        s.start();
        return s;
    }
}
