package io.headroom.router.net;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The lane's carriers with real threads and loopback sockets: a task runs on a virtual thread of a carrier, a thread
 * parked there is woken by a platform thread while its carrier sleeps (the eventfd), a socket registered there waits
 * on the carrier's own poller and its reader wakes for each message, and a blocking call is run off the carrier.
 */
class LaneCarriersTest {

    private static boolean expectedHere() {
        return OnCarrier.expectedHere();
    }

    private static <T> T onCarrier(java.util.concurrent.Callable<T> body) throws Exception {
        return OnCarrier.call(body);
    }

    @Test
    void theCountIsOnePerCpuUnlessSetAndABadValueIsRefused() {
        assertThat(LaneCarriers.countFor(null, 8)).isEqualTo(8);
        assertThat(LaneCarriers.countFor(" ", 1)).isEqualTo(1);
        assertThat(LaneCarriers.countFor("0", 8)).isZero();
        assertThat(LaneCarriers.countFor(" 3 ", 8)).isEqualTo(3);
        assertThat(LaneCarriers.countFor("-1", 8)).isEqualTo(-1);
        assertThat(LaneCarriers.countFor("two", 8)).isEqualTo(-1);
        assertThat(LaneCarriers.countFor("1025", 8)).isEqualTo(-1);
    }

    @Test
    void aTaskRunsOnAVirtualThreadOfACarrierAndOnlyThereIsOnACarrier() throws Exception {
        assumeTrue(expectedHere());
        assertThat(LaneCarriers.onCarrier()).isFalse();
        Thread[] seen = new Thread[1];
        boolean on = onCarrier(() -> {
            seen[0] = Thread.currentThread();
            return LaneCarriers.onCarrier();
        });
        assertThat(on).isTrue();
        assertThat(seen[0].isVirtual()).isTrue();
        assertThat(seen[0].getName()).startsWith("headroom-lane-");
        assertThat(LaneCarriers.count()).isEqualTo(Runtime.getRuntime().availableProcessors());
        // round robin: as many tasks as carriers land on every carrier once
        java.util.Set<Object> carriers = java.util.concurrent.ConcurrentHashMap.newKeySet();
        for (int i = 0; i < LaneCarriers.count(); i++) {
            carriers.add(onCarrier(LaneCarriers::current));
        }
        assertThat(carriers).hasSize(LaneCarriers.count());
    }

    @Test
    void aThreadParkedOnASleepingCarrierIsWokenByAPlatformThreadManyTimes() throws Exception {
        assumeTrue(expectedHere());
        int rounds = 300;
        AtomicInteger turn = new AtomicInteger(); // even: the carrier's thread's turn, odd: the platform thread's
        Thread platform = Thread.currentThread();
        LaneCarriers.Carrier[] carrier = new LaneCarriers.Carrier[1];
        long[] wakesBefore = new long[1];
        CompletableFuture<Integer> done = new CompletableFuture<>();
        Thread lane = LaneCarriers.start(() -> {
            carrier[0] = LaneCarriers.current();
            wakesBefore[0] = carrier[0].wakes();
            int mine = 0;
            for (int i = 0; i < rounds; i++) {
                while (turn.get() != 2 * i) {
                    LockSupport.park();
                }
                mine++;
                turn.set(2 * i + 1);
                LockSupport.unpark(platform);
            }
            done.complete(mine);
        });
        assertThat(lane).isNotNull();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        for (int i = 0; i < rounds; i++) {
            while (turn.get() != 2 * i + 1 && System.nanoTime() < deadline) {
                LockSupport.parkNanos(1_000_000);
            }
            assertThat(turn.get()).as("round %d", i).isEqualTo(2 * i + 1);
            // let the carrier go to sleep (its thread is parked and nothing else is runnable there), then wake it
            while (i % 10 == 0 && !carrier[0].sleeping() && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            turn.set(2 * i + 2);
            LockSupport.unpark(lane);
        }
        assertThat(done.get(60, TimeUnit.SECONDS)).isEqualTo(rounds);
        assertThat(carrier[0].wakes()).as("wake-ups through the eventfd").isGreaterThan(wakesBefore[0]);
        assertThat(carrier[0].sleeps()).isPositive();
        assertThat(carrier[0].waitsInEpoll()).as("sleeps in epoll_wait on native memory").isTrue();
    }

    @Test
    void aSocketRegisteredOnACarrierWaitsOnItsPollerAndItsReaderWakesForEveryMessage() throws Exception {
        assumeTrue(expectedHere());
        try (ServerSocketChannel server = ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             SocketChannel client = SocketChannel.open(server.getLocalAddress());
             SocketChannel accepted = server.accept()) {
            int messages = 500;
            CompletableFuture<Boolean> registeredThere = new CompletableFuture<>();
            AtomicInteger received = new AtomicInteger();
            CompletableFuture<String> last = new CompletableFuture<>();
            Thread lane = LaneCarriers.start(() -> {
                int fd = NativeSocket.duplicate(accepted);
                EdgePoller.Readiness r = EdgePoller.register(fd);
                try {
                    registeredThere.complete(r != null && r.poller() == LaneCarriers.current().poller()
                            && r.poller() != EdgePoller.shared());
                    byte[] buf = new byte[64];
                    String got = "";
                    for (int i = 0; i < messages; i++) {
                        // each message is 8 bytes; read until this one is whole, parking when drained
                        int have = 0;
                        while (have < 8) {
                            int n = r.recv(buf, have, 8 - have);
                            if (n > 0) {
                                have += n;
                            } else if (n == 0 || !r.await(() -> true)) {
                                throw new IllegalStateException("the socket ended at message " + i);
                            }
                        }
                        got = new String(buf, 0, 8, StandardCharsets.US_ASCII);
                        received.incrementAndGet();
                        NativeSocket.send(fd, buf, 0, 1); // the ack: the writer sends the next one after it
                    }
                    last.complete(got);
                } catch (Throwable e) {
                    last.completeExceptionally(e);
                } finally {
                    if (r != null) {
                        r.close();
                    }
                    NativeSocket.close(fd);
                }
            });
            assertThat(lane).isNotNull();
            assertThat(registeredThere.get(30, TimeUnit.SECONDS)).as("registered on the carrier's own poller").isTrue();
            ByteBuffer ack = ByteBuffer.allocate(1);
            for (int i = 0; i < messages; i++) {
                client.write(ByteBuffer.wrap(String.format("m%07d", i).getBytes(StandardCharsets.US_ASCII)));
                ack.clear();
                assertThat(client.read(ack)).as("ack %d", i).isEqualTo(1);
            }
            assertThat(last.get(30, TimeUnit.SECONDS)).isEqualTo(String.format("m%07d", messages - 1));
            assertThat(received.get()).isEqualTo(messages);
        }
    }

    @Test
    void aBlockingCallRunsOffTheCarrierAndItsFailureComesBack() throws Exception {
        assumeTrue(expectedHere());
        Thread ran = onCarrier(() -> LaneCarriers.offCarrier(Thread::currentThread));
        assertThat(ran.isVirtual()).isFalse();
        assertThat(ran.getName()).isEqualTo("headroom-lane-offload");
        assertThatThrownBy(() -> onCarrier(() -> LaneCarriers.offCarrier(() -> {
            throw new java.net.UnknownHostException("no.such.host.invalid");
        }))).isInstanceOf(java.net.UnknownHostException.class).hasMessageContaining("no.such.host.invalid");
    }

    @Test
    void aBlockingCallFromAnyThreadGivesItsResult() throws IOException {
        // off a carrier too the call runs on the pool and gives its result
        assertThat(LaneCarriers.offCarrier(() -> 42)).isEqualTo(42);
    }
}
