package io.headroom.autoscaler.backend;

import io.headroom.time.Ticker;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A small HTTP/1.1 keep-alive server that plays a backend instance with finite capacity: every path answers
 * 200 with a short body after a latency that grows with utilisation, {@code GET /health} answers 200 (503 once
 * draining), and requests past capacity get 503 with {@code Retry-After: 1} (see {@link OverloadModel}).
 *
 * <p>One virtual thread per connection; no framework. Start with {@link #start(BackendConfig)}.
 */
public final class SimulatedBackend implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(SimulatedBackend.class.getName());
    private static final int MAX_HEADER_BYTES = 16 * 1024;

    private final BackendConfig config;
    private final OverloadModel model;
    private final ServerSocket server;
    private final ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor();
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;
    private final AtomicLong served = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private volatile boolean draining;
    private volatile boolean closed;

    private SimulatedBackend(BackendConfig config, Ticker ticker) throws IOException {
        this.config = config;
        this.model = new OverloadModel(config.capacity(), config.baseLatency(), ticker);
        this.server = new ServerSocket();
        this.server.setReuseAddress(true);
        this.server.bind(new InetSocketAddress(InetAddress.getByName(config.host()), config.port()), 512);
        this.acceptor = Thread.ofVirtual().name("backend-accept-" + port()).unstarted(this::acceptLoop);
    }

    /** Binds and starts serving; returns once the socket is listening. */
    public static SimulatedBackend start(BackendConfig config) throws IOException {
        return start(config, Ticker.system());
    }

    /** As {@link #start(BackendConfig)}, with the overload model's clock injected (tests). */
    public static SimulatedBackend start(BackendConfig config, Ticker ticker) throws IOException {
        SimulatedBackend b = new SimulatedBackend(config, ticker);
        b.acceptor.start();
        return b;
    }

    /** The bound port (useful with port 0). */
    public int port() {
        return server.getLocalPort();
    }

    public String host() {
        return config.host();
    }

    /** {@code host:port}. */
    public String address() {
        return config.host() + ":" + port();
    }

    public long served() {
        return served.get();
    }

    public long rejected() {
        return rejected.get();
    }

    public boolean draining() {
        return draining;
    }

    /** From now on {@code /health} answers 503 so health checkers take this instance out; requests still succeed. */
    public void startDraining() {
        draining = true;
    }

    /** Drains for the configured shutdown delay, then closes (what SIGTERM does). */
    public void drainAndClose() {
        startDraining();
        try {
            Thread.sleep(config.shutdownDelay());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        close();
    }

    private void acceptLoop() {
        while (!closed) {
            Socket s;
            try {
                s = server.accept();
            } catch (IOException e) {
                if (!closed) {
                    LOG.log(Level.WARNING, "accept failed: {0}", e.toString());
                }
                continue;
            }
            open.add(s);
            try {
                workers.execute(() -> serve(s));
            } catch (RuntimeException e) {
                // closing: the executor no longer takes work
                closeQuietly(s);
            }
        }
    }

    private void serve(Socket s) {
        try (s) {
            s.setTcpNoDelay(true);
            InputStream in = new BufferedInputStream(s.getInputStream(), 8192);
            OutputStream out = s.getOutputStream();
            while (!closed) {
                Request req = readRequest(in);
                if (req == null) {
                    return;
                }
                boolean keepAlive = req.keepAlive && !closed;
                respond(req, out, keepAlive);
                if (!keepAlive) {
                    return;
                }
            }
        } catch (IOException e) {
            // the client went away or we are closing
        } finally {
            open.remove(s);
        }
    }

    private record Request(String method, String path, boolean keepAlive) {
    }

    /** Reads one request head (and skips a Content-Length body); null at a clean end of stream. */
    private static Request readRequest(InputStream in) throws IOException {
        String requestLine = readLine(in);
        if (requestLine == null) {
            return null;
        }
        if (requestLine.isEmpty()) {
            requestLine = readLine(in); // tolerate a stray CRLF between requests
            if (requestLine == null) {
                return null;
            }
        }
        String[] parts = requestLine.split(" ");
        if (parts.length != 3) {
            throw new IOException("bad request line: " + requestLine);
        }
        boolean http11 = parts[2].equals("HTTP/1.1");
        boolean keepAlive = http11;
        long contentLength = 0;
        int total = requestLine.length();
        String line;
        while ((line = readLine(in)) != null && !line.isEmpty()) {
            total += line.length();
            if (total > MAX_HEADER_BYTES) {
                throw new IOException("request head too large");
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                continue;
            }
            String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = line.substring(colon + 1).trim();
            if (name.equals("connection")) {
                String v = value.toLowerCase(Locale.ROOT);
                keepAlive = v.contains("close") ? false : (v.contains("keep-alive") || keepAlive);
            } else if (name.equals("content-length")) {
                contentLength = Long.parseLong(value);
            } else if (name.equals("transfer-encoding")) {
                throw new IOException("chunked request bodies are not supported by the simulated backend");
            }
        }
        if (line == null) {
            return null;
        }
        in.skipNBytes(contentLength);
        return new Request(parts[0], parts[1], keepAlive);
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder sb = new StringBuilder(64);
        int c;
        while ((c = in.read()) != -1) {
            if (c == '\n') {
                int n = sb.length();
                if (n > 0 && sb.charAt(n - 1) == '\r') {
                    sb.setLength(n - 1);
                }
                return sb.toString();
            }
            if (sb.length() > MAX_HEADER_BYTES) {
                throw new IOException("header line too long");
            }
            sb.append((char) c);
        }
        return sb.isEmpty() ? null : sb.toString();
    }

    private void respond(Request req, OutputStream out, boolean keepAlive) throws IOException {
        String path = req.path;
        int q = path.indexOf('?');
        if (q >= 0) {
            path = path.substring(0, q);
        }
        if (path.equals("/health")) {
            if (draining || closed) {
                write(out, 503, "Service Unavailable", "draining\n", keepAlive, null, req.method);
            } else {
                write(out, 200, "OK", "ok\n", keepAlive, null, req.method);
            }
            return;
        }
        OverloadModel.Admission a = model.admit();
        if (!a.admitted()) {
            rejected.incrementAndGet();
            write(out, 503, "Service Unavailable", "overloaded\n", keepAlive, "Retry-After: 1\r\n", req.method);
            return;
        }
        Duration latency = a.latency();
        if (!latency.isZero()) {
            try {
                Thread.sleep(latency);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted");
            }
        }
        served.incrementAndGet();
        write(out, 200, "OK", "hello from " + port() + "\n", keepAlive, null, req.method);
    }

    private static void write(OutputStream out, int status, String text, String body, boolean keepAlive, String extra,
                              String method) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.US_ASCII);
        String head = "HTTP/1.1 " + status + " " + text + "\r\n"
                + "Content-Type: text/plain\r\n"
                + "Content-Length: " + b.length + "\r\n"
                + (keepAlive ? "" : "Connection: close\r\n")
                + (extra == null ? "" : extra)
                + "\r\n";
        out.write(head.getBytes(StandardCharsets.US_ASCII));
        if (!method.equals("HEAD")) {
            out.write(b);
        }
        out.flush();
    }

    /** Stops accepting, closes every connection and waits briefly for handlers to finish. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        draining = true;
        closeQuietly(server);
        for (Socket s : open) {
            closeQuietly(s);
        }
        workers.shutdown();
        try {
            if (!workers.awaitTermination(2, TimeUnit.SECONDS)) {
                workers.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            workers.shutdownNow();
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            if (!(e instanceof SocketException)) {
                LOG.log(Level.FINE, "close failed", e);
            }
        }
    }
}
