package io.headroom.cli.reliability;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * A paced, open-loop HTTP/1.1 load for the reliability tests, measured in windows.
 *
 * <p>{@code senders} platform threads each own one keep-alive connection and send a GET at fixed times ({@code rate /
 * senders} a second each, staggered), so what is offered does not depend on how fast the answers come. A sender that
 * is late (its last request took longer than its interval, or the machine did not run it) sends at once until it is
 * back on schedule, up to one second behind; further behind it skips ahead and counts the sends it skipped. Over a
 * window the requests served therefore equal the requests offered unless the router is slower than the load for more
 * than a moment: a throughput comparison measures the router, not how quickly the test's own threads ran.
 *
 * <p>Requests go round the given paths (each sender starts at a different one), so two conditions, for example a
 * healthy and a degraded pool, see the same offered load at the same instants and the same noise from the machine.
 *
 * <p>The client is a few lines over a socket, not {@code java.net.http.HttpClient}: that client costs tens of µs of
 * CPU a request in its own selector thread and futures, as much as the router, and on a loaded machine its delays
 * showed up as the router's. {@link Window#generatorCpuShare()} says how much of the process's CPU the load itself took.
 */
final class PacedLoad implements AutoCloseable {
    private static final long MAX_BEHIND_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private final String[] paths;
    private final byte[][] requests;
    private final Recorder[] latency;
    private final LongAdder[] ok;
    private final LongAdder[] failed;
    private final Recorder lag = new Recorder(3);
    private final LongAdder skipped = new LongAdder();
    private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    private final List<Thread> threads = new ArrayList<>();
    private final int port;
    private final long intervalNanos;
    private volatile boolean running = true;
    private long windowStart = System.nanoTime();
    private long lastGeneratorCpu;
    private long lastProcessCpu = processCpuNanos();

    private PacedLoad(int port, double rate, int senders, String... paths) {
        if (rate <= 0 || senders <= 0 || paths.length == 0) {
            throw new IllegalArgumentException("rate " + rate + ", senders " + senders + ", paths " + Arrays.toString(paths)
                    + " (expected: rate > 0, senders > 0, at least one path)");
        }
        this.port = port;
        this.paths = paths.clone();
        this.intervalNanos = (long) (1e9 * senders / rate);
        this.requests = new byte[paths.length][];
        this.latency = new Recorder[paths.length];
        this.ok = new LongAdder[paths.length];
        this.failed = new LongAdder[paths.length];
        for (int p = 0; p < paths.length; p++) {
            requests[p] = ("GET " + paths[p] + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nUser-Agent: paced-load\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII);
            latency[p] = new Recorder(3);
            ok[p] = new LongAdder();
            failed[p] = new LongAdder();
        }
        long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20);
        for (int i = 0; i < senders; i++) {
            int index = i;
            long first = start + intervalNanos * i / senders;
            threads.add(Thread.ofPlatform().daemon().name("paced-load-" + i).unstarted(() -> send(index, first)));
        }
    }

    /** Starts {@code senders} threads offering {@code rate} GETs a second in total to 127.0.0.1:{@code port}, round the paths. */
    static PacedLoad start(int port, double rate, int senders, String... paths) {
        PacedLoad load = new PacedLoad(port, rate, senders, paths);
        load.threads.forEach(Thread::start);
        load.lastGeneratorCpu = load.generatorCpuNanos();
        return load;
    }

    /**
     * Closed-loop capacity: {@code clients} threads send GETs to {@code path} back to back, each on its own keep-alive
     * connection, for one second of warm-up and then {@code measure}; returns the 200s a second of the measured part.
     */
    static double capacity(int port, String path, int clients, Duration measure) throws InterruptedException {
        byte[] request = ("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nUser-Agent: paced-load\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        LongAdder served = new LongAdder();
        AtomicBoolean go = new AtomicBoolean(true);
        List<Thread> ts = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            ts.add(Thread.ofPlatform().daemon().name("capacity-" + i).start(() -> {
                Connection c = null;
                while (go.get()) {
                    try {
                        if (c == null) {
                            c = new Connection(port);
                        }
                        if (c.exchange(request) == 200) {
                            served.increment();
                        }
                        if (c.closed) {
                            c = null;
                        }
                    } catch (IOException e) {
                        if (c != null) {
                            c.close();
                        }
                        c = null;
                    }
                }
                if (c != null) {
                    c.close();
                }
            }));
        }
        Thread.sleep(1_000);
        long before = served.sum();
        long t0 = System.nanoTime();
        Thread.sleep(measure.toMillis());
        double rate = (served.sum() - before) * 1e9 / (System.nanoTime() - t0);
        go.set(false);
        for (Thread t : ts) {
            t.join(15_000);
        }
        return rate;
    }

    /** Offered requests a second. */
    double rate() {
        return 1e9 * threads.size() / intervalNanos;
    }

    /** Closes the current window (what happened since the previous call, or since the start) and opens the next. */
    synchronized Window next() {
        long now = System.nanoTime();
        List<PathWindow> byPath = new ArrayList<>(paths.length);
        for (int p = 0; p < paths.length; p++) {
            byPath.add(new PathWindow(paths[p], ok[p].sumThenReset(), failed[p].sumThenReset(), latency[p].getIntervalHistogram()));
        }
        long gen = generatorCpuNanos();
        long proc = processCpuNanos();
        Window w = new Window(now - windowStart, byPath, lag.getIntervalHistogram(), skipped.sumThenReset(), gen - lastGeneratorCpu,
                proc - lastProcessCpu, loadAverage());
        windowStart = now;
        lastGeneratorCpu = gen;
        lastProcessCpu = proc;
        return w;
    }

    /** Sleeps {@code millis}, then closes the window. */
    Window window(long millis) throws InterruptedException {
        Thread.sleep(millis);
        return next();
    }

    /** Up to ten examples of failed requests (status or exception). */
    List<String> failures() {
        return List.copyOf(failures);
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        for (Thread t : threads) {
            t.join(15_000);
        }
    }

    private void send(int index, long first) {
        long next = first;
        int p = index % paths.length;
        Connection c = null;
        try {
            while (running) {
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                    continue;
                }
                if (-wait > MAX_BEHIND_NANOS) {
                    long missed = -wait / intervalNanos;
                    skipped.add(missed);
                    next += missed * intervalNanos;
                }
                long intended = next;
                next += intervalNanos;
                long t0 = System.nanoTime();
                lag.recordValue(TimeUnit.NANOSECONDS.toMicros(Math.max(0, t0 - intended)));
                try {
                    if (c == null) {
                        c = new Connection(port);
                    }
                    int status = c.exchange(requests[p]);
                    long micros = TimeUnit.NANOSECONDS.toMicros(System.nanoTime() - t0);
                    if (status == 200) {
                        ok[p].increment();
                        latency[p].recordValue(micros);
                    } else {
                        failed[p].increment();
                        note(paths[p] + ": status " + status);
                    }
                    if (c.closed) {
                        c = null;
                    }
                } catch (IOException e) {
                    failed[p].increment();
                    note(paths[p] + ": " + e);
                    if (c != null) {
                        c.close();
                    }
                    c = null;
                }
                p = (p + 1) % paths.length;
            }
        } finally {
            if (c != null) {
                c.close();
            }
        }
    }

    private void note(String failure) {
        if (failures.size() < 10) {
            failures.add(failure);
        }
    }

    private long generatorCpuNanos() {
        long sum = 0;
        for (Thread t : threads) {
            long n = THREADS.getThreadCpuTime(t.threadId());
            sum += Math.max(0, n);
        }
        return sum;
    }

    private static long processCpuNanos() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getProcessCpuTime() : 0;
    }

    /** The 1-minute load average of the machine ({@code /proc/loadavg}), or -1 where there is none. */
    private static double loadAverage() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        } catch (IOException | RuntimeException e) {
            return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        }
    }

    /** One path's answers in a window: 200s with their latency (µs, from the write of the request to the end of the answer). */
    record PathWindow(String path, long ok, long failed, Histogram latency) {
        double p99Millis() {
            return latency.getTotalCount() == 0 ? 0 : latency.getValueAtPercentile(99) / 1000.0;
        }

        double p50Millis() {
            return latency.getTotalCount() == 0 ? 0 : latency.getValueAtPercentile(50) / 1000.0;
        }
    }

    /**
     * One window: per path; how late the senders sent (µs behind schedule), sends skipped, the CPU the senders used and
     * the CPU the whole process used, and the machine's load average at its end.
     */
    record Window(long nanos, List<PathWindow> paths, Histogram lag, long skipped, long generatorCpuNanos, long processCpuNanos,
                  double loadAverage) {
        PathWindow path(String path) {
            return paths.stream().filter(p -> p.path().equals(path)).findFirst().orElseThrow();
        }

        long ok() {
            return paths.stream().mapToLong(PathWindow::ok).sum();
        }

        long failed() {
            return paths.stream().mapToLong(PathWindow::failed).sum();
        }

        double okPerSecond() {
            return ok() * 1e9 / nanos;
        }

        double generatorCpuShare() {
            return processCpuNanos <= 0 ? 0 : (double) generatorCpuNanos / processCpuNanos;
        }

        /** A one-line summary for the test's output. */
        String describe() {
            StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%5.1f s: %7.1f ok/s", nanos / 1e9, okPerSecond()));
            for (PathWindow p : paths) {
                b.append(String.format(Locale.ROOT, " | %s ok %d failed %d p50 %.2f ms p99 %.2f ms", p.path(), p.ok(), p.failed(),
                        p.p50Millis(), p.p99Millis()));
            }
            b.append(String.format(Locale.ROOT, " | send lag p99 %.2f ms, skipped %d | process CPU %.0f %% of a core, load's share %.0f %%,"
                            + " loadavg %.2f", lag.getTotalCount() == 0 ? 0 : lag.getValueAtPercentile(99) / 1000.0, skipped,
                    100.0 * processCpuNanos / nanos, 100 * generatorCpuShare(), loadAverage));
            return b.toString();
        }
    }

    /** Median of the values. */
    static double median(double[] v) {
        double[] c = v.clone();
        Arrays.sort(c);
        int n = c.length;
        return n == 0 ? Double.NaN : n % 2 == 1 ? c[n / 2] : (c[n / 2 - 1] + c[n / 2]) / 2;
    }

    /** One keep-alive HTTP/1.1 connection: writes a request, reads the status, headers and body (length or chunked). */
    private static final class Connection {
        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;
        private final StringBuilder line = new StringBuilder(128);
        boolean closed;

        Connection(int port) throws IOException {
            socket = new Socket(InetAddress.getLoopbackAddress(), port);
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(10_000);
            in = new BufferedInputStream(socket.getInputStream(), 8192);
            out = socket.getOutputStream();
        }

        int exchange(byte[] request) throws IOException {
            out.write(request);
            out.flush();
            String status = readLine();
            if (!status.startsWith("HTTP/1.") || status.length() < 12) {
                throw new IOException("bad status line: " + status);
            }
            int code = Integer.parseInt(status.substring(9, 12));
            long length = -1;
            boolean chunked = false;
            for (String h = readLine(); !h.isEmpty(); h = readLine()) {
                int colon = h.indexOf(':');
                if (colon < 0) {
                    continue;
                }
                String name = h.substring(0, colon).trim();
                String value = h.substring(colon + 1).trim();
                if (name.equalsIgnoreCase("Content-Length")) {
                    length = Long.parseLong(value);
                } else if (name.equalsIgnoreCase("Transfer-Encoding") && value.toLowerCase(Locale.ROOT).contains("chunked")) {
                    chunked = true;
                } else if (name.equalsIgnoreCase("Connection") && value.equalsIgnoreCase("close")) {
                    closed = true;
                }
            }
            if (chunked) {
                for (long size = chunkSize(); size > 0; size = chunkSize()) {
                    skip(size);
                    readLine();
                }
                while (!readLine().isEmpty()) {
                    // trailers
                }
            } else if (length >= 0) {
                skip(length);
            } else {
                in.transferTo(OutputStream.nullOutputStream());
                closed = true;
            }
            if (closed) {
                close();
            }
            return code;
        }

        private long chunkSize() throws IOException {
            String s = readLine();
            int semi = s.indexOf(';');
            return Long.parseLong((semi < 0 ? s : s.substring(0, semi)).trim(), 16);
        }

        private void skip(long n) throws IOException {
            while (n > 0) {
                long k = in.skip(n);
                if (k <= 0) {
                    if (in.read() < 0) {
                        throw new EOFException("connection closed inside a body");
                    }
                    k = 1;
                }
                n -= k;
            }
        }

        private String readLine() throws IOException {
            line.setLength(0);
            for (int b = in.read(); b != '\n'; b = in.read()) {
                if (b < 0) {
                    throw new EOFException("connection closed by the server");
                }
                if (b != '\r') {
                    line.append((char) b);
                }
            }
            return line.toString();
        }

        void close() {
            closed = true;
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }
}
