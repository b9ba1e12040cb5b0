package io.headroom.router.l4;

import io.headroom.router.balance.Hashing;
import io.headroom.time.Ticker;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The L4 (TCP) edge: accepts connections, picks a member of its pool for each one (least connections or a consistent
 * hash on the client IP), and splices bytes both ways until both sides are done. It carries any TCP protocol (HTTP/1.1
 * keep-alive, HTTP/2, TLS end to end, raw protocols) because it never looks at the bytes.
 *
 * <ul>
 *   <li><b>Threads.</b> One accept thread; per connection one virtual thread per direction. One watchdog thread
 *       closes connections idle past {@code idle-timeout} (no per-read {@code SO_TIMEOUT}) and expires plans.</li>
 *   <li><b>Limit.</b> Past {@code max-connections} open client connections, a new one is closed at once and counted
 *       as refused.</li>
 *   <li><b>Connect.</b> Each connect has {@code connect-timeout}; a failure marks the member down for
 *       {@code down-time} and is retried on another member, up to {@code connect-attempts} tries.</li>
 *   <li><b>Half-close.</b> End-of-stream from one side becomes {@code shutdownOutput} towards the other; the other
 *       direction carries on.</li>
 *   <li><b>Membership.</b> Read from {@link EdgeMembership}'s snapshot per connection: a member that left gets no new
 *       connections and its open ones drain.</li>
 * </ul>
 */
public final class EdgeServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(EdgeServer.class.getName());

    private final EdgeConfig config;
    private final EdgeMembership membership;
    private final Ticker ticker;
    private final long idleNanos;
    private final long downNanos;
    private final int connectTimeoutMillis;
    private final Set<EdgeConnection> open = ConcurrentHashMap.newKeySet();
    private final AtomicInteger active = new AtomicInteger();
    private final LongAdder accepted = new LongAdder();
    private final LongAdder refused = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final LongAdder connectFailures = new LongAdder();
    private final LongAdder idleClosed = new LongAdder();
    private final LongAdder bytesUp = new LongAdder();
    private final LongAdder bytesDown = new LongAdder();
    private volatile boolean running;
    private ServerSocket server;
    private Thread acceptor;
    private Thread watchdog;

    /**
     * @param config     listen address, limits and timeouts (its members are {@code membership}'s static members)
     * @param membership who gets new connections
     * @param ticker     monotonic time for idle and down times; tests move it by hand and call {@link #sweep()}
     */
    public EdgeServer(EdgeConfig config, EdgeMembership membership, Ticker ticker) {
        this.config = Objects.requireNonNull(config, "config");
        this.membership = Objects.requireNonNull(membership, "membership");
        this.ticker = Objects.requireNonNull(ticker, "ticker");
        this.idleNanos = config.idleTimeout().toNanos();
        this.downNanos = config.downTime().toNanos();
        this.connectTimeoutMillis = (int) Math.max(1, Math.min(Integer.MAX_VALUE, config.connectTimeout().toMillis()));
    }

    /** An edge on the system ticker. */
    public EdgeServer(EdgeConfig config, EdgeMembership membership) {
        this(config, membership, Ticker.system());
    }

    /**
     * Binds the listen address and starts the accept and watchdog threads.
     *
     * @return the bound port (the configured one, or a free one for port 0)
     * @throws IOException if the address cannot be bound (port in use)
     */
    public synchronized int start() throws IOException {
        if (running) {
            return server.getLocalPort();
        }
        ServerSocket ss = new ServerSocket();
        try {
            ss.setReuseAddress(true);
            ss.bind(new InetSocketAddress(InetAddress.getByName(config.listen().host()), config.listen().port()), 1024);
        } catch (IOException e) {
            ss.close();
            throw new java.net.BindException("edge cannot listen on " + config.listen() + ": " + e.getMessage());
        }
        server = ss;
        running = true;
        acceptor = Thread.ofPlatform().daemon().name("headroom-edge-accept").start(this::acceptLoop);
        long period = Math.clamp(idleNanos / 10, TimeUnit.MILLISECONDS.toNanos(10), TimeUnit.SECONDS.toNanos(1));
        watchdog = Thread.ofPlatform().daemon().name("headroom-edge-watchdog").start(() -> watch(period));
        LOG.log(Level.FINE, "edge listening on {0}:{1} -> pool {2} {3} ({4})", new Object[]{config.listen().host(),
                String.valueOf(ss.getLocalPort()), membership.pool(), membership.snapshot().addresses(), config.balancer().yamlName()});
        return ss.getLocalPort();
    }

    /** The bound port; -1 before {@link #start()}. */
    public synchronized int port() {
        return server == null ? -1 : server.getLocalPort();
    }

    public EdgeMembership membership() {
        return membership;
    }

    private void acceptLoop() {
        while (running) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                if (running) {
                    LOG.log(Level.WARNING, "edge accept failed: {0}", e.toString());
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10)); // e.g. out of file descriptors: do not spin
                }
                continue;
            }
            if (active.incrementAndGet() > config.maxConnections()) {
                active.decrementAndGet();
                refused.increment();
                EdgeConnection.closeQuietly(client);
                continue;
            }
            accepted.increment();
            Thread.ofVirtual().name("headroom-edge-conn").start(() -> handle(client));
        }
    }

    private void handle(Socket client) {
        try {
            client.setTcpNoDelay(true);
            connectAndSplice(client);
        } catch (IOException | RuntimeException e) {
            LOG.log(Level.FINE, "edge connection failed", e);
            EdgeConnection.closeQuietly(client);
        } finally {
            active.decrementAndGet();
        }
    }

    private void connectAndSplice(Socket client) throws IOException {
        EdgeSnapshot snap = membership.snapshot();
        long hash = Hashing.hash64(clientIp(client.getRemoteSocketAddress()));
        List<EdgeMember> tried = new ArrayList<>(2);
        Socket upstream = null;
        EdgeMember member = null;
        while (upstream == null && tried.size() < config.connectAttempts()) {
            member = snap.balancer().pick(hash, ticker.read(), tried);
            if (member == null) {
                break;
            }
            member.acquire(); // counted from the pick, so concurrent least-connections picks see it
            Socket s = new Socket();
            try {
                s.setTcpNoDelay(true);
                s.connect(new InetSocketAddress(member.address().host(), member.address().port()), connectTimeoutMillis);
                member.connected();
                upstream = s;
            } catch (IOException e) {
                EdgeConnection.closeQuietly(s);
                member.release();
                connectFailures.increment();
                if (member.connectFailed(ticker.read() + downNanos)) {
                    LOG.log(Level.WARNING, "edge pool {0}: connect to {1} failed ({2}); skipping it for {3} ms",
                            new Object[]{membership.pool(), member.address(), e.toString(), String.valueOf(downNanos / 1_000_000)});
                }
                tried.add(member);
            }
        }
        if (upstream == null) {
            failed.increment();
            EdgeConnection.closeQuietly(client);
            return;
        }
        EdgeConnection c = new EdgeConnection(client, upstream, member, ticker);
        open.add(c);
        try {
            if (!running) {
                c.close();
                return;
            }
            Thread down = Thread.ofVirtual().name("headroom-edge-down").start(() -> c.pump(c.upstream, c.client, bytesDown));
            c.pump(c.client, c.upstream, bytesUp);
            down.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            c.close();
            open.remove(c);
            member.release();
        }
    }

    private static String clientIp(SocketAddress a) {
        if (a instanceof InetSocketAddress isa && isa.getAddress() != null) {
            return isa.getAddress().getHostAddress();
        }
        return String.valueOf(a);
    }

    private void watch(long periodNanos) {
        while (running) {
            LockSupport.parkNanos(periodNanos);
            try {
                sweep();
                membership.expire();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "edge watchdog pass failed", e); // never let one odd connection stop it
            }
        }
    }

    /** One watchdog pass: closes connections with no traffic for the idle timeout. Returns how many it closed. */
    public int sweep() {
        long now = ticker.read();
        int closed = 0;
        for (EdgeConnection c : open) {
            if (now - c.lastActivityNanos() >= idleNanos && c.close()) {
                idleClosed.increment();
                closed++;
            }
        }
        return closed;
    }

    public EdgeStats stats() {
        return new EdgeStats(accepted.sum(), active.get(), refused.sum(), failed.sum(), connectFailures.sum(), idleClosed.sum(),
                bytesUp.sum(), bytesDown.sum());
    }

    /** Every member in the pool, then those draining, with their counters. */
    public List<EdgeMemberStatus> memberStates() {
        EdgeSnapshot snap = membership.snapshot();
        Set<EdgeMember> inPool = new HashSet<>(snap.members());
        long now = ticker.read();
        List<EdgeMemberStatus> out = new ArrayList<>();
        for (EdgeMember m : membership.known()) {
            out.add(new EdgeMemberStatus(m.address().toString(), inPool.contains(m), m.isDown(now), m.active(), m.connections(),
                    m.connectFailures()));
        }
        return out;
    }

    /** The status of the member at {@code address} (host:port), or null if the edge does not know it. */
    public EdgeMemberStatus memberState(String address) {
        for (EdgeMemberStatus s : memberStates()) {
            if (s.address().equals(address)) {
                return s;
            }
        }
        return null;
    }

    /** Stops accepting, closes every open connection and stops the watchdog. */
    @Override
    public void close() {
        Thread a;
        Thread w;
        synchronized (this) {
            if (!running) {
                return;
            }
            running = false;
            try {
                server.close();
            } catch (IOException ignored) {
                // closing
            }
            a = acceptor;
            w = watchdog;
        }
        w.interrupt();
        for (EdgeConnection c : open) {
            c.close();
        }
        try {
            a.join(5_000);
            w.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
