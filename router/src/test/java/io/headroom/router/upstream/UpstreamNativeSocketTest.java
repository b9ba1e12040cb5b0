package io.headroom.router.upstream;

import io.headroom.router.config.HostPort;
import io.headroom.router.net.EdgePoller;
import io.headroom.router.net.LaneCarriers;
import io.headroom.router.net.NativeSocket;
import io.headroom.router.net.OnCarrier;
import io.headroom.time.Ticker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Upstream connections on recv/send ({@link NativeSocket}): reads that wait park on the JDK's poller and resume when
 * the backend writes, and the watchdog's close from its own thread ends a parked read at once; on the edge poller, an
 * idle pooled connection the backend closed is known closed and not handed out again.
 */
class UpstreamNativeSocketTest {
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    private ServerSocket server;
    private Watchdog watchdog;
    private Backend backend;

    @BeforeEach
    void start() throws IOException {
        assumeTrue(NativeSocket.available(), "recv/send are not available here: " + NativeSocket.unavailable());
        server = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
        watchdog = new Watchdog(Ticker.system(), 5 * MS, TimeUnit.SECONDS.toNanos(1));
        watchdog.start();
        BackendSet set = new BackendSet(new ConnectionPool.Settings(TimeUnit.SECONDS.toNanos(5), TimeUnit.HOURS.toNanos(1), 4), watchdog);
        backend = set.get(new HostPort("127.0.0.1", server.getLocalPort()));
    }

    @AfterEach
    void stop() throws IOException {
        if (server != null) {
            watchdog.close();
            server.close();
        }
    }

    private static String requestHead(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder();
        while (!sb.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                break;
            }
            sb.append((char) c);
        }
        return sb.toString();
    }

    @Test
    void aReadThatWaitsForTheBackendParksAndResumesWithItsAnswer() throws Exception {
        CompletableFuture<String> seen = new CompletableFuture<>();
        Thread backendThread = Thread.ofPlatform().start(() -> {
            try (Socket s = server.accept()) {
                seen.complete(requestHead(s.getInputStream()));
                Thread.sleep(200); // the router's read finds nothing and parks
                OutputStream out = s.getOutputStream();
                out.write("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                Thread.sleep(100); // the body comes later still
                out.write("hello".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                s.getInputStream().read(); // until the router closes
            } catch (Exception e) {
                seen.completeExceptionally(e);
            }
        });
        CompletableFuture<String> got = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            UpstreamConnection c = null;
            try {
                c = backend.connections().open(TimeUnit.SECONDS.toNanos(5));
                assertThat(c.nativeSocket()).isTrue();
                assertThat(c.edgeReadiness()).as("reads wait on the edge poller: " + EdgePoller.unavailable())
                        .isEqualTo(EdgePoller.shared() != null);
                c.begin(System.nanoTime() + TimeUnit.SECONDS.toNanos(10));
                c.writeAscii("GET /x HTTP/1.1\r\nHost: b\r\n\r\n");
                c.flush();
                ResponseHead head = c.readHead();
                assertThat(c.bufferedBody((int) head.contentLength())).as("the body comes later: not in the buffer").isEqualTo(-1);
                got.complete(head.status + " " + new String(c.readBody((int) head.contentLength()), StandardCharsets.US_ASCII));
            } catch (Throwable t) {
                got.completeExceptionally(t);
            } finally {
                if (c != null) {
                    c.close();
                }
            }
        });
        assertThat(seen.get(10, TimeUnit.SECONDS)).startsWith("GET /x HTTP/1.1\r\n");
        assertThat(got.get(10, TimeUnit.SECONDS)).isEqualTo("200 hello");
        backendThread.join(10_000);
    }

    @Test
    void theWatchdogEndsAParkedReadFromItsOwnThreadAndTheConnectionIsClosedByItsUser() throws Exception {
        CompletableFuture<Integer> backendSaw = new CompletableFuture<>();
        Thread backendThread = Thread.ofPlatform().start(() -> {
            try (Socket s = server.accept()) {
                requestHead(s.getInputStream());
                backendSaw.complete(s.getInputStream().read()); // never answers; -1 when the router ends it
            } catch (Exception e) {
                backendSaw.completeExceptionally(e);
            }
        });
        CompletableFuture<UpstreamConnection> failed = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            UpstreamConnection c = null;
            try {
                c = backend.connections().open(TimeUnit.SECONDS.toNanos(5));
                c.begin(System.nanoTime() + 100 * MS);
                c.writeAscii("GET /slow HTTP/1.1\r\nHost: b\r\n\r\n");
                c.flush();
                c.readHead();
                failed.completeExceptionally(new AssertionError("a head was read from a backend that never answers"));
            } catch (IOException e) {
                failed.complete(c);
            } catch (Throwable t) {
                failed.completeExceptionally(t);
            }
        });
        UpstreamConnection c = failed.get(10, TimeUnit.SECONDS);
        assertThat(c.timedOut()).isTrue();
        assertThat(c.isClosed()).isTrue();
        c.writeAscii("x");
        assertThatThrownBy(c::flush).isInstanceOf(IOException.class);
        c.close(); // the user's close: the socket and its descriptor
        assertThat(c.nativeSocket()).isFalse();
        assertThat(backendSaw.get(10, TimeUnit.SECONDS)).isEqualTo(-1);
        backendThread.join(10_000);
    }

    @Test
    void aConnectionAbortedAfterItsExchangeIsClosedWhenGivenBack() throws Exception {
        Thread backendThread = Thread.ofPlatform().start(() -> {
            try (Socket s = server.accept()) {
                s.getInputStream().read();
            } catch (IOException ignored) {
                // the router closed it
            }
        });
        UpstreamConnection c = backend.connections().open(TimeUnit.SECONDS.toNanos(5));
        c.abort();
        c.release(System.nanoTime());
        assertThat(backend.connections().idleCount()).isZero();
        assertThat(c.nativeSocket()).as("closed by the release").isFalse();
        backendThread.join(10_000);
        assertThat(backendThread.isAlive()).isFalse();
    }

    @Test
    void anIdleConnectionTheBackendClosedIsNotHandedOutAgain() throws Exception {
        assumeTrue(EdgePoller.shared() != null, "no edge poller here: " + EdgePoller.unavailable());
        CompletableFuture<Void> closedByBackend = new CompletableFuture<>();
        Thread backendThread = Thread.ofPlatform().start(() -> {
            try (Socket s = server.accept()) {
                requestHead(s.getInputStream());
                s.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
            } catch (IOException e) {
                closedByBackend.completeExceptionally(e);
                return;
            }
            closedByBackend.complete(null); // the backend closes its keep-alive connection, as on its idle timeout
        });
        CompletableFuture<UpstreamConnection> used = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                UpstreamConnection c = backend.connections().open(TimeUnit.SECONDS.toNanos(5));
                c.begin(System.nanoTime() + TimeUnit.SECONDS.toNanos(10));
                c.writeAscii("GET / HTTP/1.1\r\nHost: b\r\n\r\n");
                c.flush();
                ResponseHead head = c.readHead();
                int at = c.bufferedBody((int) head.contentLength()); // "ok" came with the head, in one write
                if (at < 0) {
                    c.readBody((int) head.contentLength()); // (unless the kernel split it: then read as usual)
                } else {
                    assertThat(new String(c.readBuffer(), at, 2, StandardCharsets.US_ASCII)).isEqualTo("ok");
                }
                c.release(System.nanoTime());
                used.complete(c);
            } catch (Throwable t) {
                used.completeExceptionally(t);
            }
        });
        UpstreamConnection c = used.get(10, TimeUnit.SECONDS);
        closedByBackend.get(10, TimeUnit.SECONDS);
        assertThat(backend.connections().idleCount()).isEqualTo(1);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!c.peerEnded() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(c.peerEnded()).as("the backend's FIN reached the poller").isTrue();
        assertThat(backend.connections().pollIdle(System.nanoTime())).as("a closed one is not reused").isNull();
        assertThat(c.nativeSocket()).as("closed when passed over").isFalse();
        backendThread.join(10_000);
    }

    @Test
    void aLaneCarriersThreadTakesItsCarriersIdleConnectionsFirstAndAnothersWhenItHasNone() throws Exception {
        assumeTrue(OnCarrier.expectedHere(), "no lane carriers here (Linux, JDK 24+)");
        java.util.List<Socket> accepted = new java.util.concurrent.CopyOnWriteArrayList<>();
        Thread acceptor = Thread.ofPlatform().daemon().start(() -> {
            try {
                for (int i = 0; i < 2; i++) {
                    accepted.add(server.accept());
                }
            } catch (IOException ignored) {
                // the test closed the server
            }
        });
        ConnectionPool pool = backend.connections();
        long now = System.nanoTime();
        UpstreamConnection off = pool.open(TimeUnit.SECONDS.toNanos(5));
        assertThat(off.home()).as("opened off the carriers").isZero();
        off.release(now);
        UpstreamConnection[] on = new UpstreamConnection[1];
        UpstreamConnection[] taken = new UpstreamConnection[3];
        int carrierHome = OnCarrier.call(() -> {
            on[0] = pool.open(TimeUnit.SECONDS.toNanos(5));
            on[0].release(now);
            taken[0] = pool.pollIdle(now);
            // with its own taken, a carrier's thread takes another's
            taken[1] = pool.pollIdle(now);
            taken[0].release(now);
            taken[1].release(now); // the most recently released
            // both idle: its carrier's first, though the other was released after it
            taken[2] = pool.pollIdle(now);
            taken[2].release(now); // now the most recently released
            return LaneCarriers.home();
        });
        assertThat(carrierHome).isPositive();
        assertThat(on[0].home()).as("on its carrier's poller").isEqualTo(carrierHome);
        assertThat(taken[0]).isSameAs(on[0]);
        assertThat(taken[1]).isSameAs(off);
        assertThat(taken[2]).isSameAs(on[0]);
        assertThat(pool.idleCount()).isEqualTo(2);
        // off the carriers, a thread takes the connection of no carrier first, though the other was released after it
        assertThat(pool.pollIdle(now)).isSameAs(off);
        assertThat(pool.pollIdle(now)).isSameAs(on[0]);
        assertThat(pool.idleCount()).isZero();

        // the sweep retires the oldest, whichever carrier's it is
        long hour = TimeUnit.HOURS.toNanos(1);
        off.release(now - 2 * hour);
        on[0].release(now);
        long next = pool.sweep(now + 1);
        assertThat(pool.idleCount()).isEqualTo(1);
        assertThat(off.nativeSocket()).as("closed by the sweep").isFalse();
        assertThat(next).isPositive().isLessThanOrEqualTo(hour);
        assertThat(pool.pollIdle(now)).isSameAs(on[0]);
        on[0].close();
        acceptor.join(10_000);
        for (Socket s : accepted) {
            s.close();
        }
    }
}
