package io.headroom.router.upstream;

import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Keep-alive connections to one backend.
 *
 * <p>Idle connections live in a LIFO deque (the most recently used is reused first, so the oldest age out at the
 * tail); at most {@code maxIdle} are kept. A connection idle longer than {@code idleTimeout} is never handed out and
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

    private final Backend backend;
    private final Settings settings;
    private final Watchdog watchdog;
    private final ConcurrentLinkedDeque<UpstreamConnection> idle = new ConcurrentLinkedDeque<>();
    private final AtomicInteger idleCount = new AtomicInteger();
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
        UpstreamConnection c;
        while ((c = idle.pollFirst()) != null) {
            idleCount.decrementAndGet();
            if (nowNanos - c.idleSinceNanos() < settings.idleTimeoutNanos() && !c.isClosed()) {
                reused.increment();
                return c;
            }
            c.close();
        }
        return null;
    }

    /**
     * Opens a new connection; the connect waits at most {@code min(connect timeout, remainingNanos)}.
     *
     * @throws SocketTimeoutException when the connect timed out
     * @throws IOException            when it failed (refused, unreachable)
     */
    public UpstreamConnection open(long remainingNanos) throws IOException {
        long timeout = Math.min(settings.connectTimeoutNanos(), Math.max(remainingNanos, 1_000_000L));
        Socket s = new Socket();
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
        c.markIdle(nowNanos);
        if (idleCount.incrementAndGet() > settings.maxIdle()) {
            idleCount.decrementAndGet();
            c.close();
            return;
        }
        idle.offerFirst(c);
    }

    /**
     * Closes idle connections that reached the idle timeout (called by the watchdog).
     *
     * @return nanoseconds until the oldest idle connection left reaches it, or {@code Long.MAX_VALUE} with none idle
     */
    long sweep(long nowNanos) {
        UpstreamConnection c;
        while ((c = idle.peekLast()) != null) {
            long age = nowNanos - c.idleSinceNanos();
            if (age < settings.idleTimeoutNanos()) {
                return settings.idleTimeoutNanos() - age;
            }
            if (idle.removeLastOccurrence(c)) {
                idleCount.decrementAndGet();
                c.close();
            }
        }
        return Long.MAX_VALUE;
    }

    /** Closes every idle connection. */
    public void closeIdle() {
        UpstreamConnection c;
        while ((c = idle.pollFirst()) != null) {
            idleCount.decrementAndGet();
            c.close();
        }
    }

    public int idleCount() {
        return idleCount.get();
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
