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
 * <p>Idle connections live in LIFO deques (the most recently used is reused first, so the oldest age out at the
 * tail), one for each lane carrier whose poller the connections' sockets are on and one for the others; a thread takes
 * from its own carrier's first, so the edge of the backend's answer is seen by the carrier that runs the thread and
 * wakes it with no other thread involved, and takes another's only when its own has none. At most {@code maxIdle} are
 * kept in all. The deque is an array under a lock held for a few array operations: a
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
    /**
     * Idle connections by home ({@link UpstreamConnection#home()}: [0] on no carrier's poller, [k + 1] on carrier k's),
     * most recently released first; guarded by {@link #lock}, grown when a connection of a new home is released.
     */
    @SuppressWarnings("unchecked")
    private ArrayDeque<UpstreamConnection>[] idle = new ArrayDeque[] {new ArrayDeque<UpstreamConnection>()};
    private int idleTotal;
    private final ReentrantLock lock = new ReentrantLock();
    /** {@link #idleTotal}, readable without the lock. */
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
        int home = io.headroom.router.net.LaneCarriers.home();
        while (true) {
            UpstreamConnection c;
            lock.lock();
            try {
                c = take(home);
                if (c == null) {
                    return null;
                }
                idleCount = --idleTotal;
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

    /** The most recently released connection of {@code home}, else of another home; null when none is idle. Under the lock. */
    private UpstreamConnection take(int home) {
        ArrayDeque<UpstreamConnection>[] d = idle;
        if (home < d.length) {
            UpstreamConnection c = d[home].pollFirst();
            if (c != null) {
                return c;
            }
        }
        for (int i = 0; i < d.length; i++) {
            UpstreamConnection c = i == home ? null : d[i].pollFirst();
            if (c != null) {
                return c;
            }
        }
        return null;
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
            if (idleTotal < settings.maxIdle()) {
                int home = c.home();
                if (home >= idle.length) {
                    ArrayDeque<UpstreamConnection>[] grown = java.util.Arrays.copyOf(idle, home + 1);
                    for (int i = idle.length; i < grown.length; i++) {
                        grown[i] = new ArrayDeque<>();
                    }
                    idle = grown;
                }
                idle[home].offerFirst(c);
                idleCount = ++idleTotal;
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
                // the oldest of the deques' oldest
                ArrayDeque<UpstreamConnection> oldestIn = null;
                c = null;
                for (ArrayDeque<UpstreamConnection> d : idle) {
                    UpstreamConnection last = d.peekLast();
                    if (last != null && (c == null || last.idleSinceNanos() - c.idleSinceNanos() < 0)) {
                        c = last;
                        oldestIn = d;
                    }
                }
                if (c == null) {
                    return Long.MAX_VALUE;
                }
                long age = nowNanos - c.idleSinceNanos();
                if (age < settings.idleTimeoutNanos()) {
                    return settings.idleTimeoutNanos() - age;
                }
                oldestIn.pollLast();
                idleCount = --idleTotal;
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
                c = take(0);
                if (c != null) {
                    idleCount = --idleTotal;
                }
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
