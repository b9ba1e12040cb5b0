package io.headroom.router.l4;

import com.sun.net.httpserver.HttpServer;
import io.headroom.ingest.model.ControlPlan;
import io.headroom.time.ManualTicker;
import io.headroom.time.Ticker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static io.headroom.router.l4.TcpTestServer.Mode.COUNT;
import static io.headroom.router.l4.TcpTestServer.Mode.ECHO;
import static io.headroom.router.l4.TcpTestServer.Mode.GREET_ECHO;
import static io.headroom.router.l4.TcpTestServer.connect;
import static io.headroom.router.l4.TcpTestServer.readLine;
import static io.headroom.router.l4.TcpTestServer.roundTrip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The L4 edge over real loopback sockets: any protocol through, limits, idle timeout, balancing, dead members. */
@Timeout(60)
class EdgeServerTest {
    private final List<AutoCloseable> closeAfter = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = closeAfter.size() - 1; i >= 0; i--) {
            closeAfter.get(i).close();
        }
    }

    private <T extends AutoCloseable> T later(T c) {
        closeAfter.add(c);
        return c;
    }

    private TcpTestServer member(String name, TcpTestServer.Mode mode) throws IOException {
        return later(new TcpTestServer(name, mode));
    }

    private EdgeServer edge(EdgeConfig config, Ticker ticker) throws IOException {
        EdgeMembership m = new EdgeMembership(config.pool(), config.members(), config.balancer(), Clock.systemUTC(), 42);
        return edge(config, m, ticker);
    }

    private EdgeServer edge(EdgeConfig config, EdgeMembership m, Ticker ticker) throws IOException {
        EdgeServer e = later(new EdgeServer(config, m, ticker));
        e.start();
        return e;
    }

    private static EdgeConfig config(EdgeConfig.BalancerType type, String... members) {
        return EdgeConfig.of("127.0.0.1:0", List.of(members), type);
    }

    @Test
    void http11KeepAliveExchangeGoesThroughOneConnection() throws Exception {
        HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        AtomicInteger requests = new AtomicInteger();
        http.createContext("/", x -> {
            byte[] body = ("hello " + x.getRequestURI().getPath()).getBytes(StandardCharsets.US_ASCII);
            requests.incrementAndGet();
            x.sendResponseHeaders(200, body.length);
            try (OutputStream o = x.getResponseBody()) {
                o.write(body);
            }
        });
        http.start();
        later(() -> http.stop(0));
        EdgeServer edge = edge(config(EdgeConfig.BalancerType.LEAST_CONNECTIONS, "127.0.0.1:" + http.getAddress().getPort()),
                Ticker.system());

        try (Socket s = connect(edge.port())) {
            for (String path : List.of("/one", "/two", "/three")) {
                s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: test\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                assertThat(readHttpBody(s.getInputStream())).isEqualTo("hello " + path);
            }
        }
        assertThat(requests.get()).isEqualTo(3);
        assertThat(edge.stats().accepted()).isEqualTo(1);
        assertThat(edge.memberStates().getFirst().connections()).isEqualTo(1);
    }

    /** Reads one HTTP/1.1 response with a Content-Length and returns its body; asserts a 200. */
    private static String readHttpBody(InputStream in) throws IOException {
        String status = readLine(in);
        assertThat(status).startsWith("HTTP/1.1 200");
        int length = -1;
        String line;
        while (!(line = readLine(in).strip()).isEmpty()) {
            if (line.toLowerCase().startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).strip());
            }
        }
        assertThat(length).isNotNegative();
        return new String(in.readNBytes(length), StandardCharsets.US_ASCII);
    }

    @Test
    void largeEchoTransferArrivesByteForByte() throws Exception {
        TcpTestServer echo = member("echo", ECHO);
        EdgeServer edge = edge(config(EdgeConfig.BalancerType.LEAST_CONNECTIONS, echo.address()), Ticker.system());
        long size = 32L * 1024 * 1024;
        try (Socket s = connect(edge.port())) {
            AtomicReference<Throwable> writeError = new AtomicReference<>();
            Thread writer = Thread.ofVirtual().start(() -> {
                Random r = new Random(7);
                byte[] chunk = new byte[64 * 1024];
                try {
                    OutputStream out = s.getOutputStream();
                    for (long sent = 0; sent < size; sent += chunk.length) {
                        r.nextBytes(chunk);
                        out.write(chunk);
                    }
                    s.shutdownOutput();
                } catch (IOException e) {
                    writeError.set(e);
                }
            });
            Random expected = new Random(7);
            byte[] want = new byte[64 * 1024];
            int wantPos = want.length;
            byte[] buf = new byte[50_000]; // not a multiple of the writer's chunk, to cross chunk edges
            long received = 0;
            long mismatchAt = -1;
            InputStream in = s.getInputStream();
            int n;
            while ((n = in.read(buf)) >= 0) {
                for (int i = 0; i < n; i++) {
                    if (wantPos == want.length) {
                        expected.nextBytes(want);
                        wantPos = 0;
                    }
                    if (mismatchAt < 0 && buf[i] != want[wantPos]) {
                        mismatchAt = received + i;
                    }
                    wantPos++;
                }
                received += n;
            }
            writer.join();
            assertThat(writeError.get()).isNull();
            assertThat(mismatchAt).as("first differing byte").isEqualTo(-1);
            assertThat(received).isEqualTo(size);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> edge.stats().active() == 0);
        assertThat(edge.stats().bytesUp()).isEqualTo(size);
        assertThat(edge.stats().bytesDown()).isEqualTo(size);
    }

    @Test
    void halfCloseIsPropagatedAndTheOtherDirectionCarriesOn() throws Exception {
        TcpTestServer counter = member("count", COUNT);
        EdgeServer edge = edge(config(EdgeConfig.BalancerType.LEAST_CONNECTIONS, counter.address()), Ticker.system());
        try (Socket s = connect(edge.port())) {
            s.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));
            s.shutdownOutput(); // the member answers only once it sees our end-of-stream
            assertThat(readLine(s.getInputStream())).isEqualTo("got 5 bytes");
            assertThat(s.getInputStream().read()).isEqualTo(-1);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> edge.stats().active() == 0);
        assertThat(edge.stats().idleClosed()).isZero();
    }

    @Test
    void connectionsPastTheLimitAreClosedAtOnceAndCounted() throws Exception {
        TcpTestServer a = member("a", GREET_ECHO);
        EdgeServer edge = edge(config(EdgeConfig.BalancerType.LEAST_CONNECTIONS, a.address()).withMaxConnections(2), Ticker.system());
        try (Socket one = connect(edge.port()); Socket two = connect(edge.port())) {
            assertThat(readLine(one.getInputStream())).isEqualTo("a");
            assertThat(readLine(two.getInputStream())).isEqualTo("a");
            try (Socket three = connect(edge.port())) {
                assertThat(readLine(three.getInputStream())).isNull(); // closed without a byte
            }
            assertThat(edge.stats().refused()).isEqualTo(1);
            assertThat(a.accepted.get()).isEqualTo(2);
            one.close();
            await().atMost(Duration.ofSeconds(10)).until(() -> edge.stats().active() == 1);
            try (Socket four = connect(edge.port())) {
                assertThat(readLine(four.getInputStream())).isEqualTo("a");
            }
        }
        assertThat(edge.stats().refused()).isEqualTo(1);
        assertThat(edge.stats().accepted()).isEqualTo(3);
    }

    @Test
    void idleConnectionsAreClosedByTheWatchdogAndBusyOnesAreNot() throws Exception {
        TcpTestServer a = member("a", GREET_ECHO);
        ManualTicker ticker = new ManualTicker(1_000_000_000L);
        EdgeServer edge = edge(config(EdgeConfig.BalancerType.LEAST_CONNECTIONS, a.address()).withIdleTimeout(Duration.ofSeconds(10)),
                ticker);
        try (Socket idle = connect(edge.port()); Socket busy = connect(edge.port())) {
            assertThat(readLine(idle.getInputStream())).isEqualTo("a");
            assertThat(readLine(busy.getInputStream())).isEqualTo("a");
            ticker.advance(Duration.ofSeconds(6));
            assertThat(roundTrip(busy, "ping")).isEqualTo("ping"); // traffic at t+6s
            ticker.advance(Duration.ofSeconds(5));                 // idle one: 11 s quiet; busy one: 5 s
            edge.sweep(); // the watchdog thread may have swept first: count on the counter, not on this call
            assertThat(edge.stats().idleClosed()).isEqualTo(1);
            assertThat(idle.getInputStream().read()).isEqualTo(-1);
            assertThat(roundTrip(busy, "still here")).isEqualTo("still here");
            assertThat(edge.stats().idleClosed()).isEqualTo(1);
        }
    }

    @Test
    void leastConnectionsSpreadsAndFillsTheEmptiestMember() throws Exception {
        TcpTestServer a = member("a", GREET_ECHO);
        TcpTestServer b = member("b", GREET_ECHO);
        TcpTestServer c = member("c", GREET_ECHO);
        EdgeServer edge = edge(config(EdgeConfig.BalancerType.LEAST_CONNECTIONS, a.address(), b.address(), c.address()),
                Ticker.system());
        Map<String, List<Socket>> byMember = new HashMap<>();
        List<Socket> all = new ArrayList<>();
        try {
            for (int i = 0; i < 9; i++) {
                Socket s = connect(edge.port());
                all.add(s);
                byMember.computeIfAbsent(readLine(s.getInputStream()), k -> new ArrayList<>()).add(s);
            }
            assertThat(byMember).hasSize(3);
            assertThat(byMember.values()).allSatisfy(l -> assertThat(l).hasSize(3));
            assertThat(edge.memberStates()).extracting(EdgeMemberStatus::active).containsExactly(3, 3, 3);

            for (Socket s : byMember.get("a")) {
                s.close();
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> edge.memberState(a.address()).active() == 0);
            for (int i = 0; i < 3; i++) {
                Socket s = connect(edge.port());
                all.add(s);
                assertThat(readLine(s.getInputStream())).isEqualTo("a");
            }
        } finally {
            for (Socket s : all) {
                s.close();
            }
        }
    }

    @Test
    void hashKeepsEachClientIpOnItsMemberAndARemovedMemberDrains() throws Exception {
        TcpTestServer a = member("a", GREET_ECHO);
        TcpTestServer b = member("b", GREET_ECHO);
        TcpTestServer c = member("c", GREET_ECHO);
        MutableClock clock = new MutableClock(1_000_000);
        EdgeConfig cfg = config(EdgeConfig.BalancerType.HASH, a.address());
        EdgeMembership membership = new EdgeMembership(cfg.pool(), cfg.members(), cfg.balancer(), clock, 1);
        assertThat(membership.apply(plan(1, clock, b.address(), c.address()))).isEqualTo(EdgeMembership.Outcome.APPLIED);
        EdgeServer edge = edge(cfg, membership, Ticker.system());

        Map<String, String> before = new HashMap<>();
        Socket heldOnC = null;
        try {
            for (int i = 2; i < 32; i++) {
                String ip = "127.0.0." + i;
                String first;
                try (Socket s = connect(edge.port(), ip)) {
                    first = readLine(s.getInputStream());
                }
                Socket again = connect(edge.port(), ip);
                assertThat(readLine(again.getInputStream())).as("second connection from " + ip).isEqualTo(first);
                if (heldOnC == null && first.equals("c")) {
                    heldOnC = again;
                } else {
                    again.close();
                }
                before.put(ip, first);
            }
            assertThat(before.values()).contains("a", "b", "c");
            assertThat(heldOnC).isNotNull();

            // the autoscaler takes c out: its clients move, nobody else does, and the open connection to c drains
            assertThat(membership.apply(plan(2, clock, b.address()))).isEqualTo(EdgeMembership.Outcome.APPLIED);
            for (Map.Entry<String, String> e : before.entrySet()) {
                try (Socket s = connect(edge.port(), e.getKey())) {
                    String now = readLine(s.getInputStream());
                    if (e.getValue().equals("c")) {
                        assertThat(now).isIn("a", "b");
                    } else {
                        assertThat(now).as("client " + e.getKey()).isEqualTo(e.getValue());
                    }
                }
            }
            assertThat(roundTrip(heldOnC, "draining")).isEqualTo("draining");
            EdgeMemberStatus cs = edge.memberState(c.address());
            assertThat(cs.inPool()).isFalse();
            // the held connection stays; the ones its clients closed above are counted off once their pumps end,
            // which may be a moment after the close
            await().atMost(Duration.ofSeconds(10)).until(() -> edge.memberState(c.address()).active() == 1);
        } finally {
            if (heldOnC != null) {
                heldOnC.close();
            }
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> edge.memberState(c.address()).active() == 0);
        membership.expire(); // forgets the drained member
        assertThat(edge.memberState(c.address())).isNull();
    }

    @Test
    void aDeadMemberIsRetriedOnAnotherAndThenSkipped() throws Exception {
        TcpTestServer live = member("live", GREET_ECHO);
        String dead = "127.0.0.1:" + TcpTestServer.deadPort();
        ManualTicker ticker = new ManualTicker();
        EdgeServer edge = edge(config(EdgeConfig.BalancerType.LEAST_CONNECTIONS, dead, live.address()), ticker);
        List<Socket> held = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) {
                Socket s = connect(edge.port());
                held.add(s);
                assertThat(readLine(s.getInputStream())).isEqualTo("live");
            }
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
        // one connect failed (then retried on the live member); afterwards the dead member was down and skipped
        assertThat(edge.stats().connectFailures()).isEqualTo(1);
        assertThat(edge.stats().failed()).isZero();
        EdgeMemberStatus d = edge.memberState(dead);
        assertThat(d.down()).isTrue();
        assertThat(d.connectFailures()).isEqualTo(1);
        assertThat(d.connections()).isZero();
    }

    @Test
    void aClientIsClosedWhenNoMemberCanBeReached() throws Exception {
        String dead1 = "127.0.0.1:" + TcpTestServer.deadPort();
        String dead2 = "127.0.0.1:" + TcpTestServer.deadPort();
        EdgeServer edge = edge(config(EdgeConfig.BalancerType.HASH, dead1, dead2), new ManualTicker());
        try (Socket s = connect(edge.port())) {
            assertThat(s.getInputStream().read()).isEqualTo(-1);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> edge.stats().failed() == 1);
        assertThat(edge.stats().connectFailures()).isEqualTo(2);
        assertThat(edge.stats().active()).isZero();
    }

    static ControlPlan plan(long epoch, Clock clock, String... members) {
        long now = clock.millis();
        return new ControlPlan("pool:" + EdgeConfig.DEFAULT_POOL, ControlPlan.SOURCE_AUTOSCALER, epoch, now, now + 60_000, Map.of(),
                List.of(), List.of(members), "test");
    }

    /** A wall clock that moves only when told to. */
    static final class MutableClock extends Clock {
        private volatile long millis;

        MutableClock(long millis) {
            this.millis = millis;
        }

        void advance(Duration d) {
            millis += d.toMillis();
        }

        @Override
        public long millis() {
            return millis;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis);
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }
}
