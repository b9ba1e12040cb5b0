package io.headroom.router.net;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The router's edge-triggered poller on real loopback sockets: a drained socket is not read again until an edge, a
 * parked reader wakes for new bytes, for the peer's end and for an interrupt, and many connections exchanging many
 * messages through it never lose a wake-up.
 */
class EdgePollerTest {
    private ServerSocketChannel server;
    private final List<SocketChannel> channels = new ArrayList<>();
    private final List<Integer> fds = new ArrayList<>();
    private final List<EdgePoller.Readiness> registrations = new ArrayList<>();

    @BeforeEach
    void listen() throws IOException {
        server = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    }

    @AfterEach
    void close() throws IOException {
        for (EdgePoller.Readiness r : registrations) {
            r.close();
        }
        for (int fd : fds) {
            NativeSocket.close(fd);
        }
        for (SocketChannel c : channels) {
            c.close();
        }
        server.close();
    }

    /** A connected pair: [0] the client's end, [1] the accepted end. */
    private SocketChannel[] pair() throws IOException {
        SocketChannel client = SocketChannel.open(server.getLocalAddress());
        SocketChannel accepted = server.accept();
        channels.add(client);
        channels.add(accepted);
        return new SocketChannel[] {client, accepted};
    }

    private EdgePoller.Readiness register(SocketChannel c) {
        int fd = NativeSocket.duplicate(c);
        assertThat(fd).isGreaterThanOrEqualTo(0);
        fds.add(fd);
        EdgePoller.Readiness r = EdgePoller.register(fd);
        assertThat(r).as(String.valueOf(EdgePoller.unavailable())).isNotNull();
        registrations.add(r);
        return r;
    }

    private static boolean expectedHere() {
        return System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")
                && Runtime.version().feature() >= 22
                && List.of("amd64", "x86_64", "aarch64").contains(System.getProperty("os.arch"));
    }

    /** A read as the lane and upstream connections make it: -1 without a call when known drained. */
    private static int read(EdgePoller.Readiness r, int fd, byte[] buf, int off, int len) {
        assertThat(r.fd).isEqualTo(fd);
        return r.recv(buf, off, len);
    }

    @Test
    void thereOnLinuxFromJdk22() {
        if (expectedHere()) {
            assertThat(EdgePoller.shared()).as(String.valueOf(EdgePoller.unavailable())).isNotNull();
        } else {
            assertThat(EdgePoller.shared()).isNull();
        }
    }

    @Test
    void aDrainedSocketIsNotReadAgainUntilAnEdgeAndAParkedReaderWakesForNewBytes() throws Exception {
        assumeTrue(expectedHere());
        SocketChannel[] p = pair();
        EdgePoller.Readiness r = register(p[1]);
        int fd = fds.get(0);
        int before = EdgePoller.shared().registered();

        p[0].write(ByteBuffer.wrap("hello".getBytes(StandardCharsets.US_ASCII)));
        byte[] buf = new byte[64];
        int n = awaitAndRead(r, fd, buf);
        assertThat(new String(buf, 0, n, StandardCharsets.US_ASCII)).isEqualTo("hello");
        // a short read drained it: reads say nothing at once, until a new edge
        int drained = 0;
        for (int i = 0; i < 5; i++) {
            drained += read(r, fd, buf, 0, buf.length) == -1 ? 1 : 0;
        }
        assertThat(drained).isEqualTo(5);
        assertThat(r.mayRead()).as("no edge since the drain").isFalse();

        // a reader parked on the drained socket wakes for bytes sent later, and reads them
        CompletableFuture<String> got = new CompletableFuture<>();
        Thread reader = Thread.ofVirtual().start(() -> {
            byte[] b = new byte[64];
            got.complete(new String(b, 0, awaitAndRead(r, fd, b), StandardCharsets.US_ASCII));
        });
        awaitParked(reader);
        assertThat(got).isNotDone();
        p[0].write(ByteBuffer.wrap("world".getBytes(StandardCharsets.US_ASCII)));
        assertThat(got.get(10, TimeUnit.SECONDS)).isEqualTo("world");
        assertThat(EdgePoller.shared().registered()).isEqualTo(before);
        assertThat(r.ended()).isFalse();
    }

    @Test
    void aReadOfTheWholeRoomDoesNotCountAsDrained() throws Exception {
        assumeTrue(expectedHere());
        SocketChannel[] p = pair();
        EdgePoller.Readiness r = register(p[1]);
        int fd = fds.get(0);
        p[0].write(ByteBuffer.wrap("0123456789".getBytes(StandardCharsets.US_ASCII)));
        byte[] buf = new byte[4];
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        int n;
        while ((n = read(r, fd, buf, 0, 4)) == -1 && System.nanoTime() < deadline) {
            r.await(() -> true);
        }
        assertThat(n).isEqualTo(4);
        StringBuilder rest = new StringBuilder(new String(buf, 0, 4, StandardCharsets.US_ASCII));
        // the socket may hold more: the next reads call recv without waiting for another edge
        assertThat(r.mayRead()).isTrue();
        while (rest.length() < 10 && (n = read(r, fd, buf, 0, 4)) > 0) {
            rest.append(new String(buf, 0, n, StandardCharsets.US_ASCII));
        }
        assertThat(rest).hasToString("0123456789");
    }

    @Test
    void thePeersEndWakesAParkedReaderAndMarksTheSocketEnded() throws Exception {
        assumeTrue(expectedHere());
        SocketChannel[] p = pair();
        EdgePoller.Readiness r = register(p[1]);
        int fd = fds.get(0);
        byte[] buf = new byte[16];
        assertThat(read(r, fd, buf, 0, buf.length)).isEqualTo(-1);
        CompletableFuture<Boolean> woke = new CompletableFuture<>();
        Thread reader = Thread.ofVirtual().start(() -> woke.complete(r.await(() -> true)));
        awaitParked(reader);
        p[0].close();
        assertThat(woke.get(10, TimeUnit.SECONDS)).isTrue();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!r.ended() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(r.ended()).as("EPOLLRDHUP seen").isTrue();
        assertThat(r.mayRead()).as("an ended socket is always read").isTrue();
        assertThat(NativeSocket.recv(fd, buf, 0, buf.length)).as("its end").isZero();
        assertThat(r.await(() -> true)).as("an ended socket waits the JDK's way").isFalse();
    }

    @Test
    void anInterruptOrAClosedConnectionEndsTheWait() throws Exception {
        assumeTrue(expectedHere());
        SocketChannel[] p = pair();
        EdgePoller.Readiness r = register(p[1]);
        int fd = fds.get(0);
        assertThat(read(r, fd, new byte[8], 0, 8)).isEqualTo(-1);
        CompletableFuture<Boolean> interrupted = new CompletableFuture<>();
        Thread reader = Thread.ofVirtual().start(() -> {
            r.await(() -> true);
            interrupted.complete(Thread.currentThread().isInterrupted());
        });
        awaitParked(reader);
        reader.interrupt();
        assertThat(interrupted.get(10, TimeUnit.SECONDS)).isTrue();

        java.util.concurrent.atomic.AtomicBoolean open = new java.util.concurrent.atomic.AtomicBoolean(true);
        CompletableFuture<Void> ended = new CompletableFuture<>();
        Thread second = Thread.ofVirtual().start(() -> {
            r.await(open::get);
            ended.complete(null);
        });
        awaitParked(second);
        open.set(false);
        // a wake-up with neither an edge nor an interrupt: the wait rechecks and sees the connection closed
        java.util.concurrent.locks.LockSupport.unpark(second);
        ended.get(10, TimeUnit.SECONDS);
    }

    @Test
    void aRemovedSocketLeavesThePollerAndItsNumberStartsAfresh() throws Exception {
        assumeTrue(expectedHere());
        SocketChannel[] p = pair();
        int fd = NativeSocket.duplicate(p[1]);
        EdgePoller.Readiness r = EdgePoller.register(fd);
        int with = EdgePoller.shared().registered();
        assertThat(read(r, fd, new byte[8], 0, 8)).isEqualTo(-1);
        assertThat(r.mayRead()).isFalse();
        r.close();
        r.close(); // idempotent
        assertThat(EdgePoller.shared().registered()).isEqualTo(with - 1);
        NativeSocket.close(fd);

        SocketChannel[] q = pair();
        q[0].write(ByteBuffer.wrap("x".getBytes(StandardCharsets.US_ASCII)));
        EdgePoller.Readiness again = register(q[1]); // likely the same number: its state is new
        assertThat(again.mayRead()).as("a new registration is not known drained").isTrue();
        byte[] b = new byte[8];
        assertThat(awaitAndRead(again, fds.get(fds.size() - 1), b)).isEqualTo(1);
    }

    /**
     * Many connections, each a virtual thread reading through the poller and answering every message, while their
     * peers send the next message only after the answer: every wait depends on an edge, so a lost wake-up hangs a
     * connection and the test. Bounded in count and time.
     */
    @Test
    void manyConnectionsPingPongWithoutALostWakeUp() throws Exception {
        assumeTrue(expectedHere());
        int connections = 32;
        int rounds = 500;
        AtomicLong answered = new AtomicLong();
        AtomicInteger failures = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        List<SocketChannel> clients = new ArrayList<>();
        for (int c = 0; c < connections; c++) {
            SocketChannel[] p = pair();
            clients.add(p[0]);
            EdgePoller.Readiness r = register(p[1]);
            int fd = fds.get(fds.size() - 1);
            threads.add(Thread.ofVirtual().start(() -> {
                byte[] b = new byte[16];
                for (int i = 0; i < rounds; i++) {
                    int n = awaitAndRead(r, fd, b);
                    if (n != 4) {
                        failures.incrementAndGet();
                        return;
                    }
                    b[0] = 'p'; // pong
                    if (NativeSocket.send(fd, b, 0, 4) != 4) {
                        failures.incrementAndGet();
                        return;
                    }
                    answered.incrementAndGet();
                }
            }));
        }
        List<Thread> peers = new ArrayList<>();
        for (SocketChannel client : clients) {
            peers.add(Thread.ofVirtual().start(() -> {
                ByteBuffer in = ByteBuffer.allocate(4);
                try {
                    for (int i = 0; i < rounds; i++) {
                        client.write(ByteBuffer.wrap(new byte[] {'i', (byte) i, (byte) (i >> 8), '\n'}));
                        in.clear();
                        while (in.hasRemaining()) {
                            if (client.read(in) < 0) {
                                failures.incrementAndGet();
                                return;
                            }
                        }
                        if (in.get(0) != 'p' || in.get(1) != (byte) i) {
                            failures.incrementAndGet();
                            return;
                        }
                    }
                } catch (IOException e) {
                    failures.incrementAndGet();
                }
            }));
        }
        for (Thread t : peers) {
            assertThat(t.join(java.time.Duration.ofSeconds(60))).as("a peer finished (no lost wake-up)").isTrue();
        }
        for (Thread t : threads) {
            assertThat(t.join(java.time.Duration.ofSeconds(10))).isTrue();
        }
        assertThat(failures).hasValue(0);
        assertThat(answered).hasValue((long) connections * rounds);
        assertThat(EdgePoller.shared().edges()).isGreaterThanOrEqualTo((long) connections * rounds / 2);
    }

    /** Reads at least one byte, parking on the poller while the socket is drained. */
    private static int awaitAndRead(EdgePoller.Readiness r, int fd, byte[] buf) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            int n = read(r, fd, buf, 0, buf.length);
            if (n != -1) {
                return n;
            }
            r.await(() -> true);
        }
        throw new AssertionError("no bytes within 30 s");
    }

    private static void awaitParked(Thread t) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (t.getState() != Thread.State.WAITING && System.nanoTime() < deadline) {
            Thread.sleep(2);
        }
        assertThat(t.getState()).isEqualTo(Thread.State.WAITING);
    }
}
