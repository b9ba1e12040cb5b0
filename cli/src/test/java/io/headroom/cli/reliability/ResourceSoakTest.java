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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executors;

import static io.headroom.cli.reliability.ReloadHarness.backend;
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
 *
 * <p>Capacity is measured closed loop and the half of it is offered open loop, both with {@link PacedLoad}'s lean client,
 * so the load is the router's and the backends', not that of a heavyweight HTTP client in the same JVM.
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
            int port = stack.router().port();
            double capacity = PacedLoad.capacity(port, "/item", SENDERS, Duration.ofSeconds(8));
            double rate = capacity / 2;
            System.out.printf("soak: capacity %.0f req/s (closed loop, %d clients), load %.0f req/s for %s, sample every %s%n",
                    capacity, SENDERS, rate, duration, every);

            Totals totals = new Totals();
            List<Sample> samples = new ArrayList<>();
            long start = System.currentTimeMillis();
            long end = start + duration.toMillis();
            try (PacedLoad load = PacedLoad.start(port, rate, SENDERS, "/item")) {
                samples.add(sample(stack, totals, load.next()));
                while (System.currentTimeMillis() < end) {
                    Thread.sleep(Math.min(every.toMillis(), Math.max(1, end - System.currentTimeMillis())));
                    PacedLoad.Window w = load.next();
                    Sample s = sample(stack, totals, w);
                    samples.add(s);
                    System.out.printf("soak %4ds: heap after GC %6.1f MiB, fds %4d, threads %3d, requests %9d (failed %d), "
                                    + "telemetry acked %6d dropped %d, upstream connections %d; %s%n",
                            (s.atMillis() - start) / 1000, s.heapAfterGc() / 1048576.0, s.fds(), s.threads(), s.requests(), s.failures(),
                            s.telemetryAcked(), s.telemetryDropped(), s.upstreamConnections(), w.describe());
                }
                totals.failures.addAll(load.failures());
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

            assertThat(fin.failures()).as("failed requests at half load; samples %s", totals.failures).isZero();
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

    /** Requests answered and failed so far, summed over the load's windows. */
    private static final class Totals {
        long requests;
        long failed;
        final List<String> failures = new ArrayList<>();
    }

    private static Sample sample(Stack stack, Totals totals, PacedLoad.Window w) throws IOException {
        totals.requests += w.ok() + w.failed();
        totals.failed += w.failed();
        System.gc();
        System.gc();
        long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        int fds;
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            fds = (int) s.count();
        }
        int threads = ManagementFactory.getThreadMXBean().getThreadCount();
        BoundedPublisher.Stats t = stack.telemetrySink().stats();
        return new Sample(System.currentTimeMillis(), heap, fds, threads, totals.requests, totals.failed, t.acked(), t.dropped(),
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
}
