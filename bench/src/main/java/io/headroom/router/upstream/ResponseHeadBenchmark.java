package io.headroom.router.upstream;

import io.headroom.router.config.HostPort;
import io.headroom.time.Ticker;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The upstream codec's work on one response: {@link UpstreamConnection#readHead} and the small body after it, on nginx's
 * answer to {@code GET /} (the README benchmark's backend), from memory instead of a socket. {@code repeatedHead}: the
 * backend repeats its last head byte for byte, as nginx does within a second; {@code changingHead}: every head differs
 * from the one before (two Dates in turn), so each is parsed in full, as every head was before the repeat check.
 * It lives in the codec's package for its package-private constructor.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ResponseHeadBenchmark {
    private static final String HEAD = "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Sun, 29 Nov 2026 07:45:2%d GMT\r\n"
            + "Content-Type: text/plain\r\nContent-Length: 2\r\nConnection: keep-alive\r\nX-Backend: b1\r\n\r\nok";

    private Watchdog watchdog;
    private UpstreamConnection same;
    private UpstreamConnection changing;

    /** An unconnected socket whose input is {@code responses} over and over, one response per read, and whose output is dropped. */
    private static final class ReplaySocket extends Socket {
        private final InputStream in;

        ReplaySocket(byte[]... responses) {
            in = new InputStream() {
                private int next;

                @Override
                public int read() {
                    throw new UnsupportedOperationException();
                }

                @Override
                public int read(byte[] b, int off, int len) {
                    byte[] r = responses[next];
                    next = (next + 1) % responses.length;
                    System.arraycopy(r, 0, b, off, r.length); // the codec reads into a 16 KiB buffer: always room
                    return r.length;
                }
            };
        }

        @Override
        public InputStream getInputStream() {
            return in;
        }

        @Override
        public OutputStream getOutputStream() {
            return OutputStream.nullOutputStream();
        }
    }

    @Setup(Level.Trial)
    public void setup() throws IOException {
        watchdog = new Watchdog(Ticker.system(), TimeUnit.SECONDS.toNanos(1));
        BackendSet set = new BackendSet(new ConnectionPool.Settings(1_000_000_000L, 1_000_000_000L, 1), watchdog);
        Backend backend = set.get(new HostPort("127.0.0.1", 9));
        same = new UpstreamConnection(backend, new ReplaySocket(response(0)), watchdog);
        changing = new UpstreamConnection(backend, new ReplaySocket(response(0), response(1)), watchdog);
    }

    private static byte[] response(int second) {
        return String.format(HEAD, second).getBytes(StandardCharsets.ISO_8859_1);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        watchdog.close();
    }

    private static byte[] exchange(UpstreamConnection c) throws IOException {
        ResponseHead h = c.readHead();
        return c.readBody((int) h.contentLength());
    }

    @Benchmark
    public byte[] repeatedHead() throws IOException {
        return exchange(same);
    }

    @Benchmark
    public byte[] changingHead() throws IOException {
        return exchange(changing);
    }
}
