package io.headroom.router.upstream;

import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Keep-alive connections to one backend.
 *
 * <p>Idle connections live in a LIFO deque (the most recently used is reused first, so the oldest age out at the
 * tail); at most {@code maxIdle} are kept. The deque is an array under a lock held for a few array operations: a
 * request takes one connection and gives it back without allocating (a linked concurrent deque made a node for each
 * release and cost more to unlink than the lock does). A connection idle longer than {@code idleTimeout} is never handed out and
 * is closed by the {@link Watchdog}'s sweep, so it is retired before the backend's own idle timeout closes it under us.
 */
public final class ConnectionPool {

    /**
     * @param connectTimeoutNanos TCP connect timeout
     * @param idleTimeoutNanos    idle connections older than this are retired
     * @param maxIdle             idle connections kept
     */
    public record Settings(long connectTimeoutNanos, long idleTimeoutNanos, int maxIdle) {
    }

    /**
     * Whether upstream connections are made for {@link io.headroom.router.net.NativeSocket}'s recv and send
     * ({@code -Dheadroom.native-socket=false}: the JDK's sockets and streams, as before it).
     */
    private static final boolean NATIVE = Boolean.parseBoolean(System.getProperty("headroom.native-socket", "true"))
            && io.headroom.router.net.NativeSocket.available();

    private final Backend backend;
    private final Settings settings;
    private final Watchdog watchdog;
    /** Most recently released first; guarded by {@link #lock}. */
    private final ArrayDeque<UpstreamConnection> idle = new ArrayDeque<>();
    private final ReentrantLock lock = new ReentrantLock();
    /** {@code idle.size()}, readable without the lock. */
    private volatile int idleCount;
    private final LongAdder opened = new LongAdder();
    private final LongAdder reused = new LongAdder();

    ConnectionPool(Backend backend, Settings settings, Watchdog watchdog) {
        this.backend = backend;
        this.settings = settings;
        this.watchdog = watchdog;
        watchdog.watch(this);
    }

    /** An idle connection young enough to reuse, or null. */
    public UpstreamConnection pollIdle(long nowNanos) {
        while (true) {
            UpstreamConnection c;
            lock.lock();
            try {
                c = idle.pollFirst();
                if (c == null) {
                    return null;
                }
                idleCount = idle.size();
            } finally {
                lock.unlock();
            }
            if (nowNanos - c.idleSinceNanos() < settings.idleTimeoutNanos() && !c.isClosed() && !c.peerEnded()) {
                reused.increment();
                return c;
            }
            c.close();
        }
    }

    /**
     * Opens a new connection; the connect waits at most {@code min(connect timeout, remainingNanos)}.
     *
     * @throws SocketTimeoutException when the connect timed out
     * @throws IOException            when it failed (refused, unreachable)
     */
    public UpstreamConnection open(long remainingNanos) throws IOException {
        long timeout = Math.min(settings.connectTimeoutNanos(), Math.max(remainingNanos, 1_000_000L));
        // on a socket channel (its adaptor is the same blocking Socket), the connection can use recv/send on it
        Socket s = NATIVE ? java.nio.channels.SocketChannel.open().socket() : new Socket();
        try {
            s.setTcpNoDelay(true);
            s.setKeepAlive(true);
            s.connect(backend.socketAddress(), (int) Math.max(1, timeout / 1_000_000L));
        } catch (IOException e) {
            try {
                s.close();
            } catch (IOException ignored) {
                // nothing to do
            }
            throw e;
        }
        opened.increment();
        UpstreamConnection c = new UpstreamConnection(backend, s, watchdog);
        watchdog.register(c);
        return c;
    }

    /** Returns a connection whose exchange completed cleanly; closes it if the pool is full. */
    void release(UpstreamConnection c, long nowNanos) {
        if (c.isClosed()) {
            c.close(); // aborted by the watchdog after its exchange ended: closed by this thread, which holds it
            return;
        }
        c.markIdle(nowNanos);
        lock.lock();
        try {
            if (idle.size() < settings.maxIdle()) {
                idle.offerFirst(c);
                idleCount = idle.size();
                return;
            }
        } finally {
            lock.unlock();
        }
        c.close(); // the pool is full (outside the lock: a close is a system call)
    }

    /**
     * Closes idle connections that reached the idle timeout (called by the watchdog).
     *
     * @return nanoseconds until the oldest idle connection left reaches it, or {@code Long.MAX_VALUE} with none idle
     */
    long sweep(long nowNanos) {
        while (true) {
            UpstreamConnection c;
            lock.lock();
            try {
                c = idle.peekLast();
                if (c == null) {
                    return Long.MAX_VALUE;
                }
                long age = nowNanos - c.idleSinceNanos();
                if (age < settings.idleTimeoutNanos()) {
                    return settings.idleTimeoutNanos() - age;
                }
                idle.pollLast();
                idleCount = idle.size();
            } finally {
                lock.unlock();
            }
            c.close();
        }
    }

    /** Closes every idle connection. */
    public void closeIdle() {
        while (true) {
            UpstreamConnection c;
            lock.lock();
            try {
                c = idle.pollFirst();
                idleCount = idle.size();
            } finally {
                lock.unlock();
            }
            if (c == null) {
                return;
            }
            c.close();
        }
    }

    public int idleCount() {
        return idleCount;
    }

    /** Connections opened so far. */
    public long openedCount() {
        return opened.sum();
    }

    /** Exchanges that reused an idle connection. */
    public long reusedCount() {
        return reused.sum();
    }

    Settings settings() {
        return settings;
    }
}
