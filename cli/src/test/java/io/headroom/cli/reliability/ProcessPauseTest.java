package io.headroom.cli.reliability;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A pause of the router process (here {@code kill -STOP}, then {@code -CONT} a second later: what a long GC pause, a
 * starved host or a spent container CPU quota does) does not make its backends look slow. Every exchange in flight
 * during the pause measures it, and peak-EWMA keeps a peak for seconds, so without pause compensation the fast member
 * (20 ms) looked 50 times slower than it is and the slow member (200 ms) took a larger share of the traffic until the
 * peak decayed (4 % before the pause, 22 % in the 3 s after it, in the run with compensation switched off). The
 * router's watchdog records the pause and the latency samples leave it out, so the slow member's share stays where it
 * was; {@code headroom_process_pause_seconds_total} counts the pause.
 *
 * <p>The watchdog measures pauses only while some upstream exchange is in flight (otherwise it dozes, and a pause
 * distorts no sample), and with these clients there are moments with none. So one request to a third backend, which
 * answers after 3 s, is in flight across the pause: it makes the measurement certain, and it must still succeed.
 */
@Timeout(180)
@EnabledOnOs(OS.LINUX)
class ProcessPauseTest {
    private static final int CLIENTS = 8;

    @TempDir
    Path tmp;

    @Test
    void aStoppedAndContinuedRouterKeepsSendingToTheFastMember() throws Exception {
        AtomicLong fastHits = new AtomicLong();
        AtomicLong slowHits = new AtomicLong();
        Backend fast = new Backend(20, fastHits);
        Backend slow = new Backend(200, slowHits);
        AtomicLong holdHits = new AtomicLong();
        Backend hold = new Backend(3_000, holdHits);
        Path file = tmp.resolve("headroom.yaml");
        Files.writeString(file, """
                instance-id: pause-test
                kafka: {embedded-data-dir: %s, telemetry-partitions: 1}
                router:
                  listen: 127.0.0.1:0
                  pools:
                    api:
                      backends: [127.0.0.1:%d, 127.0.0.1:%d]
                      balancer: {type: peak-ewma, decay: 10s}
                    held:
                      backends: [127.0.0.1:%d]
                  routes:
                    - {name: held, path-prefix: /held, pool: held}
                    - {name: api, path-prefix: /, pool: api}
                admin: {listen: 127.0.0.1:0}
                """.formatted(tmp.resolve("kafka"), fast.port(), slow.port(), hold.port()));
        ReloadHarness.RunningRouter router = new ReloadHarness.RunningRouter(file, List.of());
        Process p = router.process();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong errors = new AtomicLong();
        List<Thread> clients = new ArrayList<>();
        try {
            int[] pp = router.ports();
            URI proxy = URI.create("http://127.0.0.1:" + pp[0] + "/x");
            for (int i = 0; i < CLIENTS; i++) {
                clients.add(Thread.ofPlatform().daemon().start(() -> {
                    HttpRequest req = HttpRequest.newBuilder(proxy).timeout(Duration.ofSeconds(20)).build();
                    while (running.get()) {
                        try {
                            if (http.send(req, HttpResponse.BodyHandlers.discarding()).statusCode() != 200) {
                                errors.incrementAndGet();
                            }
                        } catch (IOException e) {
                            errors.incrementAndGet();
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }));
            }
            Thread.sleep(3_000); // both members sampled; the fast one takes nearly everything
            long fast0 = fastHits.get();
            long slow0 = slowHits.get();
            Thread.sleep(2_000);
            long fastBefore = fastHits.get() - fast0;
            long slowBefore = slowHits.get() - slow0;

            // an exchange that spans the pause: sent now, answered 3 s after it reached its backend
            var held = http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + pp[0] + "/held"))
                    .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.discarding());
            long waitUntil = System.nanoTime() + 5_000_000_000L;
            while (holdHits.get() == 0 && System.nanoTime() - waitUntil < 0) {
                Thread.sleep(5);
            }
            assertThat(holdHits.get()).as("the held request reached its backend").isEqualTo(1);

            // the pause: every thread of the router stops for a second with the clients' requests in flight
            signal("STOP", p.pid());
            Thread.sleep(1_000);
            signal("CONT", p.pid());
            long fast1 = fastHits.get();
            long slow1 = slowHits.get();
            Thread.sleep(3_000);
            long fastAfter = fastHits.get() - fast1;
            long slowAfter = slowHits.get() - slow1;
            running.set(false);
            for (Thread t : clients) {
                t.join(30_000);
            }

            String metrics = ReloadHarness.get(http, "http://127.0.0.1:" + pp[1] + "/metrics").body();
            String report = "before the pause: fast %d, slow %d; in the 3 s after it: fast %d, slow %d; errors %d"
                    .formatted(fastBefore, slowBefore, fastAfter, slowAfter, errors.get());
            assertThat(errors.get()).as(report).isZero();
            assertThat(held.get(20, TimeUnit.SECONDS).statusCode()).as("the request held across the pause").isEqualTo(200);
            assertThat(fastBefore + slowBefore).as(report).isPositive();
            assertThat(fastAfter + slowAfter).as(report).isPositive();
            // the watchdog saw the pause: most of the second of the stop (more if the machine stalled it too)
            Matcher pauses = Pattern.compile("(?m)^headroom_process_pause_seconds_total(?:\\{[^}]*\\})? ([0-9.eE+]+)$").matcher(metrics);
            assertThat(pauses.find()).as("pause seconds in /metrics").isTrue();
            assertThat(Double.parseDouble(pauses.group(1))).as(report).isGreaterThanOrEqualTo(0.9);
            // without compensation the slow member's share jumped (see docs/reliability.md); with it, it stays where it was
            double before = slowBefore / (double) (fastBefore + slowBefore);
            double after = slowAfter / (double) (fastAfter + slowAfter);
            assertThat(after).as(report).isLessThan(before + 0.10);
        } catch (Exception | AssertionError e) {
            throw new AssertionError(router.output(), e);
        } finally {
            running.set(false);
            router.close();
            fast.close();
            slow.close();
            hold.close();
        }
    }

    /**
     * A backend answering {@code GET}s with 200 after {@code delayMs}, counting them: raw HTTP/1.1 with keep-alive, each
     * answer in one write on a no-delay socket (the JDK's HttpServer writes head and body apart, and Nagle's algorithm
     * with delayed ACKs then adds about 40 ms to every answer, which would hide a 5 ms backend).
     */
    private static final class Backend implements AutoCloseable {
        private final ServerSocket server;
        private final AtomicLong hits;

        Backend(int delayMs, AtomicLong hits) throws IOException {
            this.server = new ServerSocket(0, 256, InetAddress.getLoopbackAddress());
            this.hits = hits;
            byte[] answer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.US_ASCII);
            Thread.ofVirtual().start(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket c = server.accept();
                        c.setTcpNoDelay(true);
                        Thread.ofVirtual().start(() -> serve(c, delayMs, answer));
                    } catch (IOException e) {
                        return;
                    }
                }
            });
        }

        private void serve(Socket c, int delayMs, byte[] answer) {
            try (c; InputStream in = c.getInputStream(); OutputStream out = c.getOutputStream()) {
                int matched = 0;
                int b;
                while ((b = in.read()) != -1) {
                    // a request without a body ends at its blank line
                    matched = (b == '\r' && (matched == 0 || matched == 2)) || (b == '\n' && (matched == 1 || matched == 3)) ? matched + 1 : 0;
                    if (matched == 4) {
                        matched = 0;
                        hits.incrementAndGet();
                        Thread.sleep(delayMs);
                        out.write(answer);
                        out.flush();
                    }
                }
            } catch (IOException e) {
                // the router closed the connection
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        int port() {
            return server.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }

    private static void signal(String sig, long pid) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + sig, Long.toString(pid)).inheritIO().start();
        assertThat(kill.waitFor()).as("kill -" + sig).isZero();
    }
}
