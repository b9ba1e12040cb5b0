package io.headroom.cli.reliability;

import com.sun.net.httpserver.HttpServer;
import io.headroom.ingest.codec.Codecs;
import io.headroom.ingest.kafka.ConsumerLoop;
import io.headroom.ingest.kafka.KafkaClients;
import io.headroom.ingest.kafka.Topics;
import io.headroom.ingest.model.TelemetryWindow;
import io.headroom.router.Router;
import io.headroom.router.config.RouterConfig;
import io.headroom.router.telemetry.KafkaTelemetrySink;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
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
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The Kafka broker, a separate JVM, is stopped for 30 s while the router serves a steady load. The router must keep
 * serving at (nearly) the same rate, telemetry must wait in the producer and the bounded buffer rather than block a
 * request, and after the broker is back every window the router produced must be on the topic: nothing lost.
 */
@Tag("soak")
@Timeout(300)
class BrokerOutageSoakTest {
    private static final Duration PHASE = Duration.ofSeconds(10);
    private static final Duration OUTAGE = Duration.ofSeconds(30);

    @TempDir
    Path tmp;

    @Test
    void routerServesThroughABrokerOutageAndNoTelemetryIsLost() throws Exception {
        int port = freePort();
        Process broker = startBroker(port);
        HttpServer backend = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 256);
        backend.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        backend.createContext("/", ex -> {
            ex.sendResponseHeaders(200, 2);
            ex.getResponseBody().write("ok".getBytes(StandardCharsets.UTF_8));
            ex.close();
        });
        backend.start();
        String bootstrap = "127.0.0.1:" + port;
        KafkaClients clients = new KafkaClients(bootstrap, "outage-test");
        try (var admin = clients.admin()) {
            Topics.DEFAULT.ensure(admin, 1, (short) 1);
        }
        KafkaTelemetrySink sink = KafkaTelemetrySink.create(clients, Topics.DEFAULT.telemetry(), 1_000);
        Router router = Router.create(RouterConfig.quick("127.0.0.1:0", List.of("127.0.0.1:" + backend.getAddress().getPort())),
                "outage-router", sink, Clock.systemUTC());
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong ok = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        List<Thread> clientsThreads = new ArrayList<>();
        try {
            int routerPort = router.start();
            URI target = URI.create("http://127.0.0.1:" + routerPort + "/");
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            for (int c = 0; c < 8; c++) {
                clientsThreads.add(Thread.ofVirtual().start(() -> {
                    while (running.get()) {
                        try {
                            HttpResponse<Void> r = http.send(HttpRequest.newBuilder(target).timeout(Duration.ofSeconds(5)).build(),
                                    HttpResponse.BodyHandlers.discarding());
                            (r.statusCode() == 200 ? ok : failed).incrementAndGet();
                            Thread.sleep(2); // about 8 x 400 req/s at most: a steady load, not a saturation test
                        } catch (InterruptedException e) {
                            return;
                        } catch (Exception e) {
                            failed.incrementAndGet();
                        }
                    }
                }));
            }
            Thread.sleep(PHASE.toMillis()); // warm up
            long before = ok.get();
            Thread.sleep(PHASE.toMillis());
            double rateBefore = (ok.get() - before) / (double) PHASE.toSeconds();

            broker.destroy(); // SIGTERM: the broker shuts down cleanly
            assertThat(broker.waitFor(30, TimeUnit.SECONDS)).as("broker stopped").isTrue();
            long outageStart = ok.get();
            Thread.sleep(OUTAGE.toMillis());
            double rateDuring = (ok.get() - outageStart) / (double) OUTAGE.toSeconds();
            long ackedDuringOutage = sink.stats().acked();

            broker = startBroker(port);
            Thread.sleep(PHASE.toMillis());
            running.set(false);
            for (Thread t : clientsThreads) {
                t.join(10_000);
            }
            router.stop();

            assertThat(rateDuring).as("requests/s during the outage vs before (%.0f vs %.0f)", rateDuring, rateBefore)
                    .isGreaterThanOrEqualTo(0.9 * rateBefore);
            assertThat(failed.get()).as("failed requests").isZero();
            // Telemetry flows again and everything produced is acknowledged: nothing dropped, nothing failed.
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                    assertThat(sink.stats().acked()).as("acknowledged windows: %s", sink.stats()).isEqualTo(sink.stats().offered()));
            assertThat(sink.stats().acked()).isGreaterThan(ackedDuringOutage);
            assertThat(sink.stats().dropped()).isZero();
            assertThat(sink.stats().failed()).isZero();

            // And the topic holds every window the router produced, without a gap in its sequence numbers.
            Set<Long> seqs = new ConcurrentSkipListSet<>();
            long expected = sink.stats().acked();
            try (ConsumerLoop<TelemetryWindow> loop = ConsumerLoop.assignAll(
                    clients.consumer("outage-reader", null, Codecs.TELEMETRY.deserializer()), List.of(Topics.DEFAULT.telemetry()),
                    records -> {
                        for (ConsumerRecord<String, TelemetryWindow> r : records) {
                            if (r.value().instanceId().equals("outage-router")) {
                                seqs.add(r.value().sequence());
                            }
                        }
                    }, "outage-reader").start()) {
                await().atMost(Duration.ofSeconds(60)).until(() -> seqs.size() >= expected);
            }
            TreeSet<Long> sorted = new TreeSet<>(seqs);
            assertThat(sorted.last() - sorted.first() + 1).as("contiguous sequence numbers").isEqualTo(sorted.size());
        } finally {
            running.set(false);
            router.stop();
            sink.close();
            backend.stop(0);
            broker.destroy();
            if (!broker.waitFor(30, TimeUnit.SECONDS)) {
                broker.destroyForcibly();
            }
        }
    }

    /** The broker as its own JVM, through the same command users run: {@code headroom broker}. */
    private Process startBroker(int port) throws Exception {
        String javaBin = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(javaBin, "-Xmx512m", "-cp", System.getProperty("java.class.path")));
        if (Runtime.version().feature() >= 23) {
            cmd.add(1, "--sun-misc-unsafe-memory-access=allow");
        }
        cmd.addAll(List.of("io.headroom.cli.Headroom", "broker", "--data", tmp.resolve("kafka").toString(), "--port",
                String.valueOf(port), "--partitions", "1"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        String line;
        while ((line = out.readLine()) != null) {
            if (line.startsWith("broker listening on")) {
                // Keep draining its output so the child never blocks on a full pipe.
                Thread.ofPlatform().daemon().start(() -> {
                    try {
                        out.transferTo(java.io.Writer.nullWriter());
                    } catch (Exception ignored) {
                        // the broker stopped
                    }
                });
                return p;
            }
            if (System.nanoTime() > deadline) {
                break;
            }
        }
        p.destroyForcibly();
        throw new AssertionError("broker did not start on port " + port);
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
