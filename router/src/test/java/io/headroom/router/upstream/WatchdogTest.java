package io.headroom.router.upstream;

import io.headroom.router.config.HostPort;
import io.headroom.time.ManualTicker;
import io.headroom.time.Ticker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The watchdog scans every period only while an exchange is in flight; otherwise it dozes until the oldest idle
 * connection retires (at most its longest doze), and the next exchange wakes it. Scans are driven by a manual ticker;
 * the wake-up is checked on the real thread with a doze of an hour, so only the wake can explain a timely timeout.
 */
class WatchdogTest {
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    private ServerSocket server;
    private final List<Socket> accepted = new ArrayList<>();
    private final List<UpstreamConnection> opened = new ArrayList<>();

    @BeforeEach
    void listen() throws IOException {
        server = new ServerSocket(0, 8, InetAddress.getLoopbackAddress()); // accepts, never answers
    }

    @AfterEach
    void close() throws IOException {
        for (UpstreamConnection c : opened) {
            c.close();
        }
        for (Socket s : accepted) {
            s.close();
        }
        server.close();
    }

    private UpstreamConnection open(Backend backend) throws IOException {
        UpstreamConnection c = backend.connections().open(TimeUnit.SECONDS.toNanos(5));
        accepted.add(server.accept());
        opened.add(c);
        return c;
    }

    @Test
    void scanPlansThePeriodInFlightAndTheNextRetirementOtherwise() throws IOException {
        ManualTicker ticker = new ManualTicker();
        Watchdog w = new Watchdog(ticker, 5 * MS, 1000 * MS);
        BackendSet set = new BackendSet(new ConnectionPool.Settings(TimeUnit.SECONDS.toNanos(5), 300 * MS, 4), w);
        Backend backend = set.get(new HostPort("127.0.0.1", server.getLocalPort()));

        assertThat(w.scan()).as("nothing open: the longest doze").isEqualTo(1000 * MS);

        UpstreamConnection c = open(backend);
        c.begin(ticker.read() + 10_000 * MS);
        assertThat(w.scan()).as("an exchange in flight: the period").isEqualTo(5 * MS);

        backend.connections().release(c, ticker.read());
        ticker.advanceNanos(100 * MS);
        assertThat(w.scan()).as("idle for 100 of 300 ms: until it retires").isEqualTo(200 * MS);
        ticker.advanceNanos(198 * MS);
        assertThat(w.scan()).as("never less than the period").isEqualTo(5 * MS);
        ticker.advanceNanos(2 * MS);
        assertThat(w.scan()).as("retired: nothing left to wait for").isEqualTo(1000 * MS);
        assertThat(c.isClosed()).isTrue();
        assertThat(backend.connections().idleCount()).isZero();

        UpstreamConnection late = open(backend);
        late.begin(ticker.read() + 10 * MS);
        assertThat(w.scan()).isEqualTo(5 * MS);
        ticker.advanceNanos(10 * MS);
        assertThat(w.scan()).as("past its deadline: timed out, so no longer in flight").isEqualTo(1000 * MS);
        assertThat(late.timedOut()).isTrue();
    }

    @Test
    void aDozingWatchdogIsWokenByTheNextExchange() throws Exception {
        Watchdog w = new Watchdog(Ticker.system(), 5 * MS, TimeUnit.HOURS.toNanos(1));
        try {
            BackendSet set = new BackendSet(new ConnectionPool.Settings(TimeUnit.SECONDS.toNanos(5), TimeUnit.HOURS.toNanos(1), 4), w);
            Backend backend = set.get(new HostPort("127.0.0.1", server.getLocalPort()));
            w.start();
            await(w::dozing, "the watchdog dozes with nothing in flight");

            UpstreamConnection c = open(backend);
            c.begin(System.nanoTime() + 50 * MS); // the backend never answers
            await(c::timedOut, "the exchange is timed out well before the hour-long doze would end");
            assertThat(c.isClosed()).isTrue();
            await(w::dozing, "with the exchange gone it dozes again");
        } finally {
            w.close();
        }
    }

    @Test
    void anExchangeThatWakesADozingWatchdogLetsAPauseBeforeItRunsBeSeen() throws IOException {
        ManualTicker ticker = new ManualTicker();
        Watchdog w = new Watchdog(ticker, 5 * MS, 1000 * MS); // its thread is never started: the process "pauses"
        BackendSet set = new BackendSet(new ConnectionPool.Settings(TimeUnit.SECONDS.toNanos(5), 300 * MS, 4), w);
        Backend backend = set.get(new HostPort("127.0.0.1", server.getLocalPort()));
        assertThat(w.prepareDoze()).as("nothing in flight: it may doze").isTrue();

        UpstreamConnection c = open(backend);
        long start = ticker.read();
        c.begin(start + 10_000 * MS); // wakes the dozing watchdog, which does not run before the pause
        ticker.advanceNanos(800 * MS);
        assertThat(w.pauses().overlap(start, ticker.read())).as("the exchange's sample leaves out the pause")
                .isEqualTo(795 * MS);
        assertThat(w.prepareDoze()).as("an exchange in flight: no doze").isFalse();
    }

    @Test
    void refusesADozeShorterThanThePeriod() {
        assertThatThrownBy(() -> new Watchdog(new ManualTicker(), 5 * MS, MS)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Watchdog(new ManualTicker(), 0, MS)).isInstanceOf(IllegalArgumentException.class);
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.sleep(5);
        }
    }
}
