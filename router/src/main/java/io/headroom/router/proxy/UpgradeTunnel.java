package io.headroom.router.proxy;

import io.headroom.router.auth.AuthResult;
import io.headroom.router.balance.RequestContext;
import io.headroom.router.control.PoolState;
import io.headroom.router.limit.RouteLimiter;
import io.headroom.router.route.PathNormalizer;
import io.headroom.router.route.RequestView;
import io.headroom.router.upstream.Backend;
import io.headroom.router.upstream.ResponseHead;
import io.headroom.router.upstream.UpstreamConnection;
import io.helidon.common.buffers.BufferData;
import io.helidon.common.buffers.DataReader;
import io.helidon.common.buffers.DataWriter;
import io.helidon.http.Header;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.HttpPrologue;
import io.helidon.http.Method;
import io.helidon.http.WritableHeaders;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.http1.spi.Http1Upgrader;
import io.helidon.webserver.spi.ServerConnection;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Semaphore;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * WebSocket passthrough (and any other {@code Upgrade: websocket} protocol) through Helidon's HTTP/1.1 upgrade SPI:
 * Helidon hands the upgrade request to {@link #upgrade} before its routing; when the route admits it (route match,
 * auth, rate limit, a member), the request goes to the member on a fresh connection with its {@code Upgrade}, and on
 * {@code 101 Switching Protocols} the client connection becomes a byte tunnel to it: no frame is parsed, nothing is
 * buffered beyond one read. Anything else (no route, refused credentials, a member that cannot be reached) returns
 * null, and the request goes through the ordinary proxy path, which gives the ordinary answers (404, 401, 429, 502...).
 */
public final class UpgradeTunnel implements Http1Upgrader {
    private static final Logger LOG = Logger.getLogger(UpgradeTunnel.class.getName());
    private final java.util.function.Supplier<RouteTable> routes;
    private final java.util.function.Supplier<io.headroom.router.tls.ClientCertificates> clientCertificates;
    private final java.util.function.Supplier<io.headroom.router.config.Forwarding> forwarding;
    private final String protocol;

    /**
     * @param routes   the router's routes now (read per upgrade, so a reload applies)
     * @param protocol the {@code Upgrade} token handled ({@code websocket})
     */
    public UpgradeTunnel(java.util.function.Supplier<RouteTable> routes, String protocol) {
        this(routes, () -> null, protocol);
    }

    /**
     * As {@link #UpgradeTunnel(java.util.function.Supplier, String)}, with the reader of verified client certificates
     * now (a supplier of null when mTLS is off).
     */
    public UpgradeTunnel(java.util.function.Supplier<RouteTable> routes,
                         java.util.function.Supplier<io.headroom.router.tls.ClientCertificates> clientCertificates, String protocol) {
        this(routes, clientCertificates, () -> io.headroom.router.config.Forwarding.APPEND, protocol);
    }

    /** As above, with the router's {@code router.forwarding} now (read per upgrade, so a reload applies). */
    public UpgradeTunnel(java.util.function.Supplier<RouteTable> routes,
                         java.util.function.Supplier<io.headroom.router.tls.ClientCertificates> clientCertificates,
                         java.util.function.Supplier<io.headroom.router.config.Forwarding> forwarding, String protocol) {
        this.forwarding = forwarding;
        this.routes = routes;
        this.clientCertificates = clientCertificates;
        this.protocol = protocol;
    }

    @Override
    public String supportedProtocol() {
        return protocol;
    }

    @Override
    public ServerConnection upgrade(ConnectionContext ctx, HttpPrologue prologue, WritableHeaders<?> headers) {
        if (prologue.method() != Method.GET) {
            return null;
        }
        String path = PathNormalizer.normalize(prologue.uriPath().rawPath());
        if (path == null) {
            return null;
        }
        Route route = routes.get().match(new View(prologue, headers, path));
        if (route == null) {
            return null;
        }
        RoutePolicy policy = route.policy();
        io.headroom.router.tls.ClientCertificates certs = clientCertificates.get();
        io.headroom.router.tls.ClientCertificate certificate = certs == null ? null : certs.of(ctx.remotePeer());
        if (policy.auth() != null) {
            String key = policy.apiKeyHeader() != null && headers.contains(policy.apiKeyHeader()) ? headers.get(policy.apiKeyHeader()).get() : null;
            String authz = headers.contains(HeaderNames.AUTHORIZATION) ? headers.get(HeaderNames.AUTHORIZATION).get() : null;
            AuthResult a = policy.authenticator().authenticate(policy.auth(), key, authz, certificate);
            if (!a.ok()) {
                return null;
            }
            if (policy.limits() != null) {
                RouteLimiter.Decision d = policy.limits().acquire(a.identity().consumer());
                if (d != null && !d.allowed()) {
                    return null;
                }
            }
        } else if (policy.limits() != null) {
            RouteLimiter.Decision d = policy.limits().acquire(io.headroom.router.auth.Identity.ANONYMOUS.consumer());
            if (d != null && !d.allowed()) {
                return null;
            }
        }
        Route.Target target = route.pick();
        PoolState pool = target.pool();
        Backend backend = pool.snapshot().balancer().pick(context(pool, route.name(), path, headers, ctx));
        if (backend == null || !pool.admit(backend)) {
            return null;
        }
        UpstreamConnection conn;
        ResponseHead head;
        long start = System.nanoTime();
        try {
            conn = backend.connections().open(pool.requestTimeoutNanos());
        } catch (IOException e) {
            pool.release(backend);
            return null; // the ordinary path retries, or answers 502/504
        }
        try {
            conn.begin(start + pool.requestTimeoutNanos());
            writeHead(conn, prologue, headers, route.upstreamPath(path), policy.strip(), ctx, certificate, certs, forwarding.get());
            conn.flush();
            head = conn.readHead();
        } catch (IOException e) {
            conn.close();
            pool.failed(backend, "upgrade failed: " + e.getMessage(), System.nanoTime() - start);
            return null;
        }
        conn.untimed();
        long took = System.nanoTime() - start;
        pool.succeeded(backend, head.status(), head.hasRetryAfter(), took, start + took);
        target.telemetry().response(backend, head.status(), 0, 0, took); // the handshake counts as one request
        return new Tunnel(ctx, conn, head, backend);
    }

    private static RequestContext context(PoolState pool, String route, String path, WritableHeaders<?> headers, ConnectionContext ctx) {
        var on = pool.hashOn();
        if (on == null) {
            return new RequestContext(route, path);
        }
        switch (on.source()) {
            case CLIENT_IP -> {
                if (ctx.remotePeer().address() instanceof InetSocketAddress isa && isa.getAddress() != null) {
                    return RequestContext.hashed(route, path, isa.getAddress().getHostAddress());
                }
            }
            case HEADER -> {
                if (headers.contains(pool.hashHeader())) {
                    return RequestContext.hashed(route, path, headers.get(pool.hashHeader()).get());
                }
            }
            default -> {
                if (headers.contains(pool.hashHeader())) {
                    for (String c : headers.get(pool.hashHeader()).allValues()) {
                        long h = ProxyHandler.cookieHash(c, on.name());
                        if (h != ProxyHandler.NO_COOKIE) {
                            return new RequestContext(route, path, h, true);
                        }
                    }
                }
            }
        }
        return new RequestContext(route, path);
    }

    /** The upgrade request as the member sees it: end-to-end headers, the upgrade itself, forwarding headers. */
    private static void writeHead(UpstreamConnection c, HttpPrologue prologue, WritableHeaders<?> headers, String path, String[] strip,
                                  ConnectionContext ctx, io.headroom.router.tls.ClientCertificate certificate,
                                  io.headroom.router.tls.ClientCertificates certs,
                                  io.headroom.router.config.Forwarding fw) throws IOException {
        c.writeAscii("GET ");
        c.writeAscii(path);
        if (prologue.query() != null && !prologue.query().rawValue().isEmpty()) {
            c.writeAscii("?");
            c.writeAscii(prologue.query().rawValue());
        }
        c.writeAscii(" HTTP/1.1\r\n");
        String host = null;
        String xff = null;
        String forwarded = null;
        boolean off = fw == io.headroom.router.config.Forwarding.OFF;
        boolean append = fw == io.headroom.router.config.Forwarding.APPEND;
        for (Header h : headers) {
            String lower = h.headerName().lowerCase();
            switch (lower) {
                case "connection", "keep-alive", "te", "trailer", "transfer-encoding", "content-length", "upgrade" -> {
                    continue;
                }
                case "x-forwarded-proto", "x-forwarded-host" -> {
                    if (!off) {
                        continue;
                    }
                }
                case "x-forwarded-for" -> {
                    if (!off) {
                        xff = append ? h.values() : null;
                        continue;
                    }
                }
                case "forwarded" -> {
                    if (!off) {
                        forwarded = append ? h.values() : null;
                        continue;
                    }
                }
                case "host" -> host = h.get();
                default -> {
                    if (lower.startsWith("proxy-") || listed(strip, lower)) {
                        continue;
                    }
                }
            }
            for (String v : h.allValues()) {
                c.writeHeader(h.name(), v);
            }
        }
        if (certificate != null) {
            c.writeHeader(certs.config().subjectHeader(), certificate.subject());
            if (!certificate.san().isEmpty()) {
                c.writeHeader(certs.config().sanHeader(), certificate.san());
            }
            if (certificate.xfcc() != null) {
                c.writeHeader(io.headroom.router.config.TlsConfig.XFCC_HEADER, certificate.xfcc());
            }
        }
        c.writeHeader("Connection", "Upgrade");
        c.writeHeader("Upgrade", headers.get(HeaderNames.UPGRADE).get());
        String client = ctx.remotePeer().address() instanceof InetSocketAddress isa && isa.getAddress() != null
                ? isa.getAddress().getHostAddress() : "unknown";
        if (!off) {
            String proto = ctx.isSecure() ? "https" : "http";
            c.writeHeader("X-Forwarded-For", xff == null ? client : xff + ", " + client);
            c.writeHeader("X-Forwarded-Proto", proto);
            if (host != null) {
                c.writeHeader("X-Forwarded-Host", host);
            }
            String element = ProxyHandler.forwardedElement(client, ctx.isSecure(), host);
            c.writeHeader("Forwarded", forwarded == null ? element : forwarded + ", " + element);
        }
        c.writeCrlf();
    }

    private static boolean listed(String[] names, String lower) {
        for (String n : names) {
            if (n.equals(lower)) {
                return true;
            }
        }
        return false;
    }

    /** Route matching's view of the upgrade request. */
    private record View(HttpPrologue prologue, WritableHeaders<?> headers, String path) implements RequestView {
        @Override
        public String method() {
            return prologue.method().text();
        }

        @Override
        public String host() {
            return headers.contains(HeaderNames.HOST) ? headers.get(HeaderNames.HOST).get() : null;
        }

        @Override
        public List<String> headerValues(HeaderName name) {
            return headers.contains(name) ? headers.get(name).allValues() : List.of();
        }

        @Override
        public String query(String name) {
            var q = prologue.query();
            return q != null && q.contains(name) ? q.first(name).orElse(null) : null;
        }
    }

    /** The client connection after the upgrade request: relays the member's answer, then bytes both ways. */
    private static final class Tunnel implements ServerConnection {
        private final ConnectionContext ctx;
        private final UpstreamConnection conn;
        private final ResponseHead head;
        private final Backend backend;
        private volatile long lastActivity = System.nanoTime();

        Tunnel(ConnectionContext ctx, UpstreamConnection conn, ResponseHead head, Backend backend) {
            this.ctx = ctx;
            this.conn = conn;
            this.head = head;
            this.backend = backend;
        }

        @Override
        public void handle(Semaphore requestSemaphore) {
            run();
        }

        @Override
        public void handle(io.helidon.common.concurrency.limits.Limit limit) {
            run();
        }

        private void run() {
            DataWriter writer = ctx.dataWriter();
            backend.started();
            try {
                boolean upgraded = head.status() == 101;
                StringBuilder sb = new StringBuilder(256).append("HTTP/1.1 ").append(head.status()).append(' ').append(head.reason())
                        .append("\r\n");
                for (int i = 0; i < head.headerCount(); i++) {
                    String lower = head.name(i).toLowerCase(Locale.ROOT);
                    if (!upgraded && (lower.equals("connection") || lower.equals("transfer-encoding") || lower.equals("content-length")
                            || lower.equals("keep-alive"))) {
                        continue;
                    }
                    sb.append(head.name(i)).append(": ").append(head.value(i)).append("\r\n");
                }
                if (!upgraded) {
                    sb.append("Connection: close\r\n"); // the member refused the upgrade: its answer, then the end
                }
                sb.append("\r\n");
                writer.writeNow(BufferData.create(sb.toString().getBytes(StandardCharsets.ISO_8859_1)));
                if (!upgraded) {
                    if (head.hasBody(false)) {
                        conn.transferBody(head, new WriterStream(writer));
                    }
                    return;
                }
                Thread upstreamToClient = Thread.ofVirtual().name("headroom-tunnel-up").start(() -> pumpToClient(writer));
                pumpToUpstream(ctx.dataReader());
                upstreamToClient.join(Duration.ofSeconds(5));
            } catch (IOException | RuntimeException e) {
                LOG.log(Level.FINE, "tunnel to " + backend.address() + " ended", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                conn.close();
                backend.finished();
                try {
                    ctx.serverSocket().close();
                } catch (RuntimeException ignored) {
                    // already closed
                }
            }
        }

        private void pumpToClient(DataWriter writer) {
            byte[] buf = new byte[16 * 1024];
            try (InputStream in = conn.tunnelIn()) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    lastActivity = System.nanoTime();
                    writer.writeNow(BufferData.create(buf, 0, n));
                }
            } catch (IOException | RuntimeException e) {
                // the member or the client went away
            } finally {
                try {
                    ctx.serverSocket().close(); // unblocks the client-side reader
                } catch (RuntimeException ignored) {
                    // already closed
                }
            }
        }

        private void pumpToUpstream(DataReader reader) throws IOException {
            OutputStream out = conn.tunnelOut();
            try {
                while (true) {
                    reader.ensureAvailable();
                    BufferData data = reader.readBuffer();
                    lastActivity = System.nanoTime();
                    data.writeTo(out);
                    out.flush();
                }
            } catch (IOException | RuntimeException e) { // DataReader.InsufficientDataAvailableException at the end
                // the client closed, or the member did (then the other pump closed the client socket)
            } finally {
                conn.close(); // unblocks the member-side reader
            }
        }

        @Override
        public Duration idleTime() {
            return Duration.ofNanos(System.nanoTime() - lastActivity);
        }

        @Override
        public void close(boolean interrupt) {
            conn.close();
            try {
                ctx.serverSocket().close();
            } catch (RuntimeException ignored) {
                // already closed
            }
        }
    }

    /** An output stream over Helidon's connection writer (for relaying a refused upgrade's body). */
    private static final class WriterStream extends OutputStream {
        private final DataWriter writer;

        WriterStream(DataWriter writer) {
            this.writer = writer;
        }

        @Override
        public void write(int b) {
            writer.writeNow(BufferData.create(new byte[]{(byte) b}));
        }

        @Override
        public void write(byte[] b, int off, int len) {
            writer.writeNow(BufferData.create(java.util.Arrays.copyOfRange(b, off, off + len)));
        }
    }
}
