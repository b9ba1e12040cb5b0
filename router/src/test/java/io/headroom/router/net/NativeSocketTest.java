package io.headroom.router.net;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The lane's recv/send on a socket's duplicated descriptor, on a real loopback connection. The build's test JVM opens
 * {@code java.base/sun.nio.ch} as the launcher does, so on Linux with JDK 22 or later the calls must be there.
 */
class NativeSocketTest {
    private ServerSocketChannel server;
    private SocketChannel client;
    private SocketChannel accepted;
    private int fd = -1;

    @BeforeEach
    void connect() throws IOException {
        server = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        client = SocketChannel.open(server.getLocalAddress());
        accepted = server.accept();
    }

    @AfterEach
    void close() throws IOException {
        NativeSocket.close(fd);
        client.close();
        accepted.close();
        server.close();
    }

    private static boolean expectedHere() {
        return System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")
                && Runtime.version().feature() >= 22;
    }

    @Test
    void availableOnLinuxFromJdk22WithTheSocketPackageOpen() {
        if (expectedHere()) {
            assertThat(NativeSocket.available()).as(String.valueOf(NativeSocket.unavailable())).isTrue();
            assertThat(NativeSocket.unavailable()).isNull();
        } else {
            assertThat(NativeSocket.available()).isFalse();
            assertThat(NativeSocket.unavailable()).isNotBlank();
        }
    }

    @Test
    void readsWhatIsThereWithoutWaitingAndTellsNothingFromTheEnd() throws IOException {
        assumeTrue(NativeSocket.available());
        fd = NativeSocket.duplicate(accepted);
        assertThat(fd).isGreaterThanOrEqualTo(0);
        byte[] buf = new byte[32];
        assertThat(NativeSocket.recv(fd, buf, 0, buf.length)).as("nothing sent yet: no wait, -1").isEqualTo(-1);

        client.write(ByteBuffer.wrap("GET / HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII)));
        int n = recvWithin(buf, 4, 28);
        assertThat(new String(buf, 4, n, StandardCharsets.US_ASCII)).isEqualTo("GET / HTTP/1.1\r\n");

        client.shutdownOutput();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        int end;
        while ((end = NativeSocket.recv(fd, buf, 0, buf.length)) < 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertThat(end).as("the end of the stream").isZero();
    }

    @Test
    void sendsFromAnOffsetAndStopsWhereTheSocketIsFull() throws IOException {
        assumeTrue(NativeSocket.available());
        fd = NativeSocket.duplicate(accepted);
        byte[] msg = "xxHTTP/1.1 200 OK\r\n".getBytes(StandardCharsets.US_ASCII);
        assertThat(NativeSocket.send(fd, msg, 2, msg.length - 2)).isEqualTo(msg.length - 2);
        ByteBuffer in = ByteBuffer.allocate(64);
        client.read(in);
        assertThat(new String(in.array(), 0, in.position(), StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 200 OK\r\n");

        // the client reads nothing more: sends take what the buffers hold, then a partial one, then -1 (never a wait)
        accepted.setOption(StandardSocketOptions.SO_SNDBUF, 8192);
        byte[] big = new byte[64 * 1024];
        long total = 0;
        int r;
        int calls = 0;
        while ((r = NativeSocket.send(fd, big, 0, big.length)) > 0 && calls++ < 10_000) {
            total += r;
        }
        assertThat(r).isEqualTo(-1);
        assertThat(total).isPositive();
    }

    @Test
    void theDuplicateOutlivesTheChannelsOwnCloseSoItsNumberIsNeverAnotherSockets() throws Exception {
        assumeTrue(NativeSocket.available());
        fd = NativeSocket.duplicate(accepted);
        accepted.shutdownInput();
        accepted.shutdownOutput();
        accepted.close();
        // the duplicate still names the (shut down) socket: a read says the end, not someone else's bytes
        try (SocketChannel other = SocketChannel.open(server.getLocalAddress()); SocketChannel otherAccepted = server.accept()) {
            other.write(ByteBuffer.wrap("someone else's".getBytes(StandardCharsets.US_ASCII)));
            byte[] buf = new byte[32];
            assertThat(NativeSocket.recv(fd, buf, 0, buf.length)).isIn(0, -1);
            assertThat(NativeSocket.duplicate(accepted)).as("a closed channel gives no descriptor").isEqualTo(-1);
            assertThat(otherAccepted.isOpen()).isTrue();
        }
    }

    @Test
    void aVirtualThreadParksUntilTheSocketIsReadable() throws Exception {
        assumeTrue(NativeSocket.available());
        fd = NativeSocket.duplicate(accepted);
        AtomicInteger got = new AtomicInteger(-2);
        CompletableFuture<Boolean> parked = new CompletableFuture<>();
        Thread reader = Thread.ofVirtual().start(() -> {
            try {
                byte[] buf = new byte[16];
                boolean waited = NativeSocket.awaitReadable(fd, () -> true);
                got.set(NativeSocket.recv(fd, buf, 0, buf.length));
                parked.complete(waited);
            } catch (Throwable t) {
                parked.completeExceptionally(t);
            }
        });
        Thread.sleep(100);
        assertThat(parked).as("parked while nothing came").isNotDone();
        client.write(ByteBuffer.wrap("ping".getBytes(StandardCharsets.US_ASCII)));
        assertThat(parked.get(5, TimeUnit.SECONDS)).isTrue();
        assertThat(got.get()).isEqualTo(4);
        reader.join();
    }

    @Test
    void aPlatformThreadIsToldToWaitTheJdksWay() throws IOException {
        assumeTrue(NativeSocket.available());
        fd = NativeSocket.duplicate(accepted);
        assertThat(NativeSocket.awaitReadable(fd, () -> true)).isFalse();
    }

    @Test
    void findsTheSocketOfAnObjectThatHoldsOne() {
        Object holder = new Object() {
            @SuppressWarnings("unused")
            private final SocketChannel socket = client;
        };
        assertThat(NativeSocket.channelOf(holder)).isSameAs(client);
        assertThat(NativeSocket.channelOf(new Object())).isNull();
    }

    private int recvWithin(byte[] buf, int off, int len) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        int n;
        while ((n = NativeSocket.recv(fd, buf, off, len)) < 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        return n;
    }
}
