package io.headroom.autoscaler.provider;

import io.headroom.ingest.model.ScalingEvent;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Role gateway of the local provider, with in-process TCP servers as instances: readiness by accepting a connection,
 * and a scale-in that waits for the connections the instance accepted before it stops it.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GatewayDrainTest {

    /** A TCP server that keeps each accepted connection open until the peer closes it; records when it was stopped. */
    static final class HoldingServer implements InstanceLauncher.Running {
        final ServerSocket server;
        final CompletableFuture<Integer> exit = new CompletableFuture<>();
        final AtomicLong stoppedAtNanos = new AtomicLong();

        HoldingServer(String host, int port) throws IOException {
            server = new ServerSocket();
            server.bind(new InetSocketAddress(InetAddress.getByName(host), port));
            Thread.ofVirtual().start(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket s = server.accept();
                        Thread.ofVirtual().start(() -> {
                            try (s; InputStream in = s.getInputStream()) {
                                while (in.read() >= 0) {
                                    // hold until the peer closes
                                }
                            } catch (IOException ignored) {
                                // closed
                            }
                        });
                    } catch (IOException e) {
                        return;
                    }
                }
            });
        }

        @Override
        public String id() {
            return "in-process-" + server.getLocalPort();
        }

        @Override
        public boolean isAlive() {
            return !server.isClosed();
        }

        @Override
        public CompletableFuture<Integer> onExit() {
            return exit;
        }

        @Override
        public int stop(Duration grace) {
            stoppedAtNanos.compareAndSet(0, System.nanoTime());
            try {
                server.close();
            } catch (IOException ignored) {
                // already closed
            }
            exit.complete(0);
            return 0;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static LocalProviderConfig gateways(Path logs, Duration drainTimeout) throws IOException {
        return LocalProviderConfig.gateways(freePort(), List.of("127.0.0.1:9")).withDrain(Duration.ZERO).withDrainTimeout(drainTimeout)
                .withLogDir(logs);
    }

    @Test
    void theKernelTableCountsConnectionsAcceptedOnAPortOnly() {
        List<String> table = List.of(
                "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
                "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0",
                "   1: 0100007F:1F90 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 2 1 0 20 4 30 10 -1",
                "   2: 0100007F:1F90 0100007F:C351 08 00000000:00000000 00:00000000 00000000     0        0 3 1 0 20 4 30 10 -1",
                "   3: 0100007F:1F90 0100007F:C352 06 00000000:00000000 00:00000000 00000000     0        0 0 1 0 20 4 30 10 -1",
                "   4: 0100007F:C350 0100007F:1F90 01 00000000:00000000 00:00000000 00000000     0        0 4 1 0 20 4 30 10 -1");
        // port 0x1F90 = 8080: listening (0A) and TIME_WAIT (06) are not open connections; the client side of row 4 is not
        // accepted on 8080
        assertThat(TcpConnections.count(table, 8080)).isEqualTo(2);
        assertThat(TcpConnections.count(table, 0xC350)).isEqualTo(1);
        assertThat(TcpConnections.accepted(8080, List.of(Path.of("/nonexistent/tcp")))).isEqualTo(OptionalInt.empty());
    }

    @Test
    void scaleInWaitsForTheConnectionsTheGatewayAcceptedThenStopsIt(@TempDir Path logs) throws Exception {
        Assumptions.assumeTrue(Files.isReadable(Path.of("/proc/net/tcp")), "needs the kernel's TCP table (Linux)");
        List<String> events = new CopyOnWriteArrayList<>();
        List<HoldingServer> started = new CopyOnWriteArrayList<>();
        LocalProviderConfig cfg = gateways(logs, Duration.ofSeconds(30));
        try (LocalProcessProvider p = new LocalProcessProvider("gateways", cfg, (i, a, r) -> events.add(a + " " + r), Clock.systemUTC(),
                (host, port, log) -> {
                    HoldingServer s = new HoldingServer(host, port);
                    started.add(s);
                    return s;
                })) {
            Instance ready = p.startOne().get(30, TimeUnit.SECONDS);
            assertThat(ready.state()).isEqualTo(Instance.State.READY);
            assertThat(events.get(1)).startsWith("READY accepting connections after");
            int port = Integer.parseInt(ready.address().substring(ready.address().indexOf(':') + 1));
            Socket client = new Socket("127.0.0.1", port);
            await().atMost(Duration.ofSeconds(10)).until(() -> TcpConnections.accepted(port).orElse(-1) == 1);

            CompletableFuture<Instance> stopped = p.drainOne().orElseThrow();
            assertThat(p.ready()).isEmpty(); // out of the membership plan at once
            // the drain waits for the open connection: give it time to (wrongly) stop, then close the connection
            Thread.sleep(500);
            assertThat(stopped).isNotDone();
            long closedAt = System.nanoTime();
            client.close();
            Instance gone = stopped.get(20, TimeUnit.SECONDS);
            assertThat(gone.state()).isEqualTo(Instance.State.STOPPED);
            assertThat(started.getFirst().stoppedAtNanos.get()).isGreaterThan(closedAt);
            assertThat(events.getLast()).startsWith("STOPPED connections drained in");
        }
    }

    @Test
    void aConnectionThatStaysOpenPastTheDrainTimeoutDoesNotHoldTheStop(@TempDir Path logs) throws Exception {
        Assumptions.assumeTrue(Files.isReadable(Path.of("/proc/net/tcp")), "needs the kernel's TCP table (Linux)");
        List<ScalingEvent.Action> actions = new CopyOnWriteArrayList<>();
        List<String> reasons = new CopyOnWriteArrayList<>();
        LocalProviderConfig cfg = gateways(logs, Duration.ofMillis(300));
        try (LocalProcessProvider p = new LocalProcessProvider("gateways", cfg, (i, a, r) -> {
            actions.add(a);
            reasons.add(r);
        }, Clock.systemUTC(), (host, port, log) -> new HoldingServer(host, port))) {
            Instance ready = p.startOne().get(30, TimeUnit.SECONDS);
            int port = Integer.parseInt(ready.address().substring(ready.address().indexOf(':') + 1));
            try (Socket ignored = new Socket("127.0.0.1", port)) {
                await().atMost(Duration.ofSeconds(10)).until(() -> TcpConnections.accepted(port).orElse(-1) == 1);
                Instance gone = p.drainOne().orElseThrow().get(20, TimeUnit.SECONDS);
                assertThat(gone.state()).isEqualTo(Instance.State.STOPPED);
            }
            assertThat(actions).containsExactly(ScalingEvent.Action.STARTING, ScalingEvent.Action.READY, ScalingEvent.Action.DRAINING,
                    ScalingEvent.Action.STOPPED);
            assertThat(reasons.getLast()).startsWith("1 connection(s) still open after the drain timeout of 300 ms");
        }
    }

    @Test
    void theGatewayCommandLineRunsTheProxyInFrontOfTheUpstreams() {
        LocalProviderConfig cfg = LocalProviderConfig.gateways(9200, List.of("127.0.0.1:9001", "127.0.0.1:9002"));
        List<String> cmd = new ProcessLauncher(cfg).command("127.0.0.1", 9201);
        assertThat(cmd).containsSubsequence(ProcessLauncher.CLI_MAIN, "proxy", "--listen", "127.0.0.1:9201", "--upstreams",
                "127.0.0.1:9001,127.0.0.1:9002");
        assertThat(cmd).doesNotContain("--kafka");
    }
}
