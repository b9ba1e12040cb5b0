package io.headroom.router.net;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The router's own edge-triggered readiness for the sockets it reads with {@link NativeSocket}: one epoll instance,
 * each socket added once ({@code EPOLLIN | EPOLLRDHUP | EPOLLET}), and one virtual thread that drains it and counts, per
 * socket, the edges it saw. A connection that found its socket drained (a {@code recv} that returned fewer bytes than
 * it asked for, or none) remembers the count it read before that {@code recv}; its next read parks at once, without a
 * {@code recv} that would find nothing, until the count moves. That is how nginx reads (it never calls {@code recv}
 * on a socket its last read drained, until epoll reports it again), where a read through the JDK's poller costs a
 * failed {@code recv} and an {@code epoll_ctl} (the JDK's one-shot registration) on every wait: measured in
 * docs/router.md ("Edges").
 *
 * <p>Why a count read <i>before</i> the {@code recv} is enough: bytes that the {@code recv} did not see arrived after
 * it looked, so the kernel queued the socket's edge after the count was read, and the count moves after that. Bytes
 * it did see may also have moved the count, which costs one {@code recv} that finds nothing, never a lost wake-up.
 *
 * <p>Waiting and waking: the waiting thread stores itself in {@link Readiness#waiter} and then reads the count; this
 * poller adds to the count and then reads the waiter. Both are volatile, so at least one of them sees the other's
 * write: either the thread does not park, or it is unparked.
 *
 * <p>A socket whose peer hung up or failed ({@code EPOLLHUP}, {@code EPOLLERR}, {@code EPOLLRDHUP}) is marked ended
 * for good; its reads then go the way they went before (a {@code recv} each time, and the JDK's poller to wait), so an
 * error's single edge can never be consumed by a read that then waits for another.
 *
 * <p>The loop is the JDK's own sub-poller pattern: poll without waiting, yield to the threads it woke, poll again; when
 * a poll finds nothing, park on the JDK's poller until the epoll instance is readable. Under load a poll returns many
 * sockets' edges at once, and no extra thread wakes. Available where {@link NativeSocket} is, on x86-64 and AArch64
 * Linux, with virtual threads; {@code -Dheadroom.edge-poller=false} turns it off (connections then wait as before).
 */
public final class EdgePoller {
    private static final System.Logger LOG = System.getLogger(EdgePoller.class.getName());
    private static final int EPOLL_CTL_ADD = 1;
    private static final int EPOLL_CTL_DEL = 2;
    static final int EPOLLIN = 0x001;
    static final int EPOLLERR = 0x008;
    static final int EPOLLHUP = 0x010;
    static final int EPOLLRDHUP = 0x2000;
    static final int EPOLLET = 1 << 31;
    private static final int EPOLL_CLOEXEC = 0x80000;
    /** {@code struct epoll_event}: packed (12 bytes, data at 4) on x86-64, 16 bytes with data at 8 elsewhere. */
    private static final int EVENT_SIZE;
    private static final int DATA_AT;
    private static final int MAX_EVENTS = 256;
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(Readiness[].class);

    static {
        String arch = System.getProperty("os.arch", "");
        if (arch.equals("amd64") || arch.equals("x86_64")) {
            EVENT_SIZE = 12;
            DATA_AT = 4;
        } else if (arch.equals("aarch64")) {
            EVENT_SIZE = 16;
            DATA_AT = 8;
        } else {
            EVENT_SIZE = 0;
            DATA_AT = 0;
        }
    }

    private static volatile EdgePoller shared;
    private static volatile String unavailable;

    private final int epfd;
    /** The registrations by descriptor number (a descriptor is one registration's while it is registered). */
    private volatile Readiness[] table = new Readiness[1024];
    private final Object tableLock = new Object();
    private final AtomicInteger registered = new AtomicInteger();
    private final AtomicInteger generations = new AtomicInteger();
    private final byte[] events = new byte[Math.max(1, EVENT_SIZE) * MAX_EVENTS];
    /** Native memory for {@link #waitAndPoll} (a carrier's poller only), allocated on its first call; 0 before. */
    private long waitBuffer;
    /** The edges seen since the start (for tests). */
    private volatile long edgeCount;
    private volatile boolean broken;

    private EdgePoller(int epfd) {
        this.epfd = epfd;
    }

    /**
     * The poller, started on first use, or null where there is none (not available here, turned off, or broken):
     * connections then wait the JDK's way.
     */
    public static EdgePoller shared() {
        EdgePoller p = shared;
        if (p != null || unavailable != null) {
            return p != null && !p.broken ? p : null;
        }
        synchronized (EdgePoller.class) {
            if (shared == null && unavailable == null) {
                String why = null;
                if (!Boolean.parseBoolean(System.getProperty("headroom.edge-poller", "true"))) {
                    why = "turned off (-Dheadroom.edge-poller=false)";
                } else if (EVENT_SIZE == 0) {
                    why = "no epoll_event layout for " + System.getProperty("os.arch");
                } else if (!NativeSocket.epollAvailable()) {
                    why = NativeSocket.available() ? "no epoll calls or poller park in this JDK" : NativeSocket.unavailable();
                } else {
                    int fd = NativeSocket.epollCreate(EPOLL_CLOEXEC);
                    if (fd < 0) {
                        why = "epoll_create1 failed";
                    } else {
                        EdgePoller poller = new EdgePoller(fd);
                        Thread.ofVirtual().name("headroom-edge-poller").start(poller::loop);
                        shared = poller;
                    }
                }
                if (why != null) {
                    unavailable = why;
                    LOG.log(System.Logger.Level.DEBUG, "the router's edge poller is off: {0}", why);
                }
            }
        }
        p = shared;
        return p != null && !p.broken ? p : null;
    }

    /** Why there is no poller, or null when there is one (or none was asked for yet). */
    public static String unavailable() {
        return unavailable;
    }

    /**
     * Adds {@code fd} (a descriptor its caller owns and will not close before {@link Readiness#close()}) to the poller.
     *
     * @return its readiness, or null when there is no poller or the socket could not be added: the caller then waits
     *         the JDK's way
     */
    public static Readiness register(int fd) {
        LaneCarriers.Carrier c = LaneCarriers.current();
        EdgePoller p = c != null ? c.poller() : shared();
        return p == null || p.broken || fd < 0 ? null : p.add(fd);
    }

    /**
     * A poller without a thread of its own, for a {@link LaneCarriers} carrier, which polls it ({@link #pollNow}) and
     * blocks on its descriptor; null when there can be none.
     */
    static EdgePoller create() {
        if (shared() == null) {
            return null;
        }
        int fd = NativeSocket.epollCreate(EPOLL_CLOEXEC);
        return fd < 0 ? null : new EdgePoller(fd);
    }

    /** The epoll instance's descriptor. */
    int descriptor() {
        return epfd;
    }

    /** Adds a descriptor whose edges only wake the poll (an eventfd): it has no readiness. */
    boolean addWakeUp(int fd) {
        byte[] ev = new byte[EVENT_SIZE];
        INT.set(ev, 0, EPOLLIN | EPOLLET);
        LONG.set(ev, DATA_AT, fd & 0xFFFFFFFFL); // generation 0: never a registration's
        return NativeSocket.epollCtl(epfd, EPOLL_CTL_ADD, fd, ev) == 0;
    }

    /** One poll without waiting ({@link #poll}), for a carrier: the edges found, including wake-ups. */
    int pollNow() {
        try {
            return poll();
        } catch (RuntimeException | Error e) {
            LOG.log(System.Logger.Level.WARNING, "a lane carrier's edge poller failed; its connections wait the JDK's way", e);
            breakDown();
            throw e;
        }
    }

    /** Sockets registered on the edge pollers now (the shared one and the lane carriers'); 0 when none was started. */
    public static int sockets() {
        EdgePoller p = shared;
        return (p == null ? 0 : p.registered()) + LaneCarriers.sockets();
    }

    /** Sockets registered now. */
    public int registered() {
        return registered.get();
    }

    /** The edges seen since the start. */
    public long edges() {
        return edgeCount;
    }

    private Readiness add(int fd) {
        int gen = generations.incrementAndGet();
        Readiness r = new Readiness(this, fd, gen);
        synchronized (tableLock) {
            Readiness[] t = table;
            if (fd >= t.length) {
                t = java.util.Arrays.copyOf(t, Math.max(fd + 1, t.length * 2));
                table = t;
            }
            SLOT.setRelease(t, fd, r);
        }
        byte[] ev = new byte[EVENT_SIZE];
        INT.set(ev, 0, EPOLLIN | EPOLLRDHUP | EPOLLET);
        LONG.set(ev, DATA_AT, ((long) gen << 32) | (fd & 0xFFFFFFFFL));
        if (NativeSocket.epollCtl(epfd, EPOLL_CTL_ADD, fd, ev) != 0) {
            clear(r);
            return null;
        }
        registered.incrementAndGet();
        return r;
    }

    private void remove(Readiness r) {
        NativeSocket.epollCtl(epfd, EPOLL_CTL_DEL, r.fd, new byte[EVENT_SIZE]); // before the owner closes the descriptor
        clear(r);
        registered.decrementAndGet();
    }

    private void clear(Readiness r) {
        synchronized (tableLock) {
            Readiness[] t = table;
            if (r.fd < t.length && t[r.fd] == r) {
                SLOT.setRelease(t, r.fd, (Readiness) null);
            }
        }
    }

    private void loop() {
        int polled = 0;
        try {
            for (;;) {
                if (polled == 0) {
                    if (!NativeSocket.parkUntilReadable(epfd)) {
                        throw new IllegalStateException("cannot park on the JDK's poller");
                    }
                } else {
                    Thread.yield(); // the threads just woken run before the next poll, which then finds more
                }
                polled = poll();
            }
        } catch (Throwable t) {
            LOG.log(System.Logger.Level.WARNING, "the router's edge poller stopped; connections wait the JDK's way", t);
            breakDown();
        }
    }

    /** One poll without waiting: every socket with an edge gets its count moved and its waiter unparked. */
    private int poll() {
        return dispatch(NativeSocket.epollWait(epfd, events, MAX_EVENTS, 0));
    }

    /**
     * For a carrier (a platform thread) with nothing to run: blocks in {@code epoll_wait} until an edge (a socket's or
     * the wake-up's), then dispatches what it returned as {@link #pollNow} does.
     *
     * @return the edges found, -2 when the call failed (EINTR, or an error), or -1 when this wait is not available
     *         here: the carrier then waits on the descriptor with {@code poll} and polls after it
     */
    int waitAndPoll() {
        if (!NativeSocket.epollWaitBlockingAvailable()) {
            return -1;
        }
        if (waitBuffer == 0) {
            waitBuffer = NativeSocket.allocate((long) EVENT_SIZE * MAX_EVENTS);
            if (waitBuffer == 0) {
                return -1;
            }
        }
        int n = NativeSocket.epollWaitBlocking(epfd, waitBuffer, events, MAX_EVENTS, EVENT_SIZE, -1);
        return n < 0 ? -2 : dispatch(n);
    }

    /** Moves the counts of the {@code n} edges in {@link #events} and unparks their waiters. */
    private int dispatch(int n) {
        if (n <= 0) {
            return 0; // none, or EINTR: the park on the JDK's poller wakes again while any edge is pending
        }
        byte[] ev = events;
        Readiness[] t = table;
        for (int i = 0; i < n; i++) {
            int at = i * EVENT_SIZE;
            int flags = (int) INT.get(ev, at);
            long data = (long) LONG.get(ev, at + DATA_AT);
            int fd = (int) data;
            if (fd < 0 || fd >= t.length) {
                continue;
            }
            Readiness r = (Readiness) SLOT.getAcquire(t, fd);
            if (r == null || r.generation != (int) (data >>> 32)) {
                continue; // an edge from before its socket was removed
            }
            r.edge((flags & (EPOLLHUP | EPOLLERR | EPOLLRDHUP)) != 0);
        }
        edgeCount = edgeCount + n;
        return n;
    }

    /** After a failure of the loop: every socket is marked ended, so its reads go the JDK's way; none waits forever. */
    private void breakDown() {
        broken = true;
        Readiness[] t = table;
        for (int i = 0; i < t.length; i++) {
            Readiness r = (Readiness) SLOT.getAcquire(t, i);
            if (r != null) {
                r.edge(true);
            }
        }
    }

    /**
     * One socket's readiness, used by the one thread that reads it ({@link #recv}, {@link #await} and {@link #close}
     * are that thread's), and moved by the poller.
     */
    public static final class Readiness {
        private final EdgePoller poller;
        final int fd;
        final int generation;
        /** Edges the poller saw for this socket. */
        private volatile int edges;
        /** Whether the socket's peer hung up or it failed: from then on reads go the way they would without this. */
        private volatile boolean ended;
        private volatile Thread waiter;
        /** The count the reader last found the socket drained at; a new registration is not known drained. */
        private int seen = -1;
        private boolean closed;

        Readiness(EdgePoller poller, int fd, int generation) {
            this.poller = poller;
            this.fd = fd;
            this.generation = generation;
        }

        /**
         * {@link NativeSocket#recv} on the registered descriptor into {@code buf[off, off + len)}, or -1 at once,
         * without the call, when the socket was found drained and no edge came since ({@link #await} then waits for
         * one). A call that returns fewer bytes than asked for (or none) found the socket drained: the edge count read
         * before it is remembered.
         *
         * @return the bytes read, 0 at the end of the stream, -1 when nothing was read (none there, or an error)
         */
        public int recv(byte[] buf, int off, int len) {
            int e = edges;
            if (e == seen && !ended) {
                return -1;
            }
            int n = NativeSocket.recv(fd, buf, off, len);
            if (n < len && n != 0) {
                seen = e;
            }
            return n;
        }

        /** Whether a {@link #recv} now would call the kernel: an edge came since the last drain, or the socket ended. */
        boolean mayRead() {
            return edges != seen || ended;
        }

        /** The poller this socket is registered on (for tests). */
        EdgePoller poller() {
            return poller;
        }

        /** Whether the socket ended (then {@link #await} waits the JDK's way and reads always call recv). */
        public boolean ended() {
            return ended;
        }

        /**
         * Parks the current thread until an edge came since the socket was last found drained, or the socket ended,
         * {@code open} turns false, or the thread is interrupted (the caller checks those).
         *
         * @return false when this wait is not the one to use (the socket ended): the caller waits the JDK's way
         */
        public boolean await(java.util.function.BooleanSupplier open) {
            if (ended) {
                return false;
            }
            Thread t = Thread.currentThread();
            waiter = t;
            try {
                while (edges == seen && !ended && open.getAsBoolean() && !t.isInterrupted()) {
                    LockSupport.park(this);
                }
            } finally {
                waiter = null;
            }
            return true;
        }

        void edge(boolean end) {
            if (end) {
                ended = true;
            }
            edges = edges + 1; // only the poller writes it
            Thread w = waiter;
            if (w != null) {
                LockSupport.unpark(w);
            }
        }

        /** Removes the socket from the poller; before its descriptor is closed. Idempotent. */
        public void close() {
            if (!closed) {
                closed = true;
                poller.remove(this);
            }
        }
    }
}
