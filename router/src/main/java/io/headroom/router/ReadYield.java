package io.headroom.router;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Lets other virtual threads run before a read that would most likely find nothing yet, while the scheduler keeps
 * serving the threads woken from outside it.
 *
 * <p>A virtual thread's socket read that finds no data costs three system calls before the data is read: the read
 * that returns {@code EAGAIN}, the {@code epoll_ctl} that arms the poller for the socket, and the read again once the
 * poller has woken the thread (plus the unmount and mount of the thread). The proxy meets that twice per request: the
 * backend's answer, read right after the request went upstream ({@link #beforeUpstreamRead}), and the client's next
 * request, read right after the answer went out ({@link #beforeNextRequest}). Yielding first puts the thread behind
 * the others that are ready to run; under load, by the time it runs again the data has usually arrived and the read
 * returns it at once. With nothing else ready to run, a yield returns at once and the read parks as before.
 *
 * <p>The danger, and the guard: a thread whose reads always find data never parks, and the scheduler's local queue,
 * busy with such threads, can hold whatever a platform thread woke (a poller with other connections behind it) for up
 * to seconds (see {@link CarrierThreads}). A watch thread therefore wakes a probe virtual thread from outside every
 * two milliseconds while yields are being taken, and a {@link StarvationGate} stops all yields as soon as the probe has
 * waited {@value #LIMIT_MILLIS} ms; connections then park on their reads again, the queue empties, the probe runs, and
 * the yields resume. Measured in docs/router.md ("Performance").
 *
 * <p>The system property {@code headroom.read-yield} chooses: {@code both} (the default), {@code upstream} (only before
 * the backend's answer) or {@code off}.
 */
public final class ReadYield {
    /** How long the probe may wait to run before yields stop, in milliseconds. */
    static final long LIMIT_MILLIS = 5;
    private static final String MODE = System.getProperty("headroom.read-yield", "both");
    private static final boolean UPSTREAM = MODE.equals("both") || MODE.equals("upstream");
    private static final boolean NEXT_REQUEST = MODE.equals("both");
    private static final StarvationGate GATE = new StarvationGate(TimeUnit.MILLISECONDS.toNanos(LIMIT_MILLIS));
    private static final Watch WATCH = new Watch();
    /**
     * Whether a thread yielded since the watch last looked: written only when false, so on many carriers the hot path
     * shares one read-mostly cache line instead of writing a counter on every yield.
     */
    private static volatile boolean yielded;

    static {
        if (!MODE.equals("both") && !MODE.equals("upstream") && !MODE.equals("off")) {
            throw new IllegalArgumentException("headroom.read-yield must be both, upstream or off, not '" + MODE + "'");
        }
    }

    private ReadYield() {
    }

    /** Before reading the backend's answer to a request that just went upstream. */
    public static void beforeUpstreamRead() {
        if (UPSTREAM) {
            yieldIfAllowed();
        }
    }

    /** After an HTTP/1.x answer went out on a connection that stays open, before its next request is read. */
    public static void beforeNextRequest() {
        if (NEXT_REQUEST) {
            yieldIfAllowed();
        }
    }

    private static void yieldIfAllowed() {
        // a platform thread (tests, the L4 relay's) carries on; so does a thread on a lane carrier, whose reads park on
        // its edge poller without a system call, and which takes an edge's thread next without a yield
        if (GATE.open() && Thread.currentThread().isVirtual() && !io.headroom.router.net.LaneCarriers.onCarrier()) {
            WATCH.ensureStarted();
            if (!yielded) {
                yielded = true;
                WATCH.yieldedAfterIdle();
            }
            Thread.yield();
        }
    }

    /**
     * The watch's tick while yields are taken: 2 ms. The gate then closes when the probe has not run by the first tick
     * past {@value #LIMIT_MILLIS} ms, 6 ms after it was sent, as with the 1 ms tick of before (at 5 to 6 ms), with half
     * the wake-ups: at 1 ms the watch and the wake-ups it caused were a third of the process's context switches
     * (docs/router.md, "The watch's tick").
     */
    static long tickMillis() {
        long t = Long.getLong("headroom.read-yield.tick-ms", 2);
        if (t < 1 || t > LIMIT_MILLIS) {
            throw new IllegalArgumentException("headroom.read-yield.tick-ms must be 1 to " + LIMIT_MILLIS + ", not " + t);
        }
        return t;
    }

    /** How many times the yields were stopped because the probe waited too long. */
    public static long stops() {
        return GATE.closings();
    }

    /** How many times the watch has dozed off for want of yields (for tests). */
    static long watchDozes() {
        return WATCH.dozes;
    }

    /** The longest the probe waited to run, in milliseconds. */
    public static double longestProbeWaitMillis() {
        return GATE.longestWaitNanos() / 1e6;
    }

    /**
     * The platform thread that wakes the probe and ticks the gate, and the probe; started on the first yield. While
     * threads yield it ticks every {@link ReadYield#tickMillis} ms; after {@value #IDLE_TICKS} slow ticks without a yield it dozes until
     * the next yield wakes it, so an idle router's watch does not wake at all.
     */
    private static final class Watch {
        /** The tick while threads yield; {@code headroom.read-yield.tick-ms} (1 to {@value #LIMIT_MILLIS}) for A/B runs. */
        private static final long FAST = TimeUnit.MILLISECONDS.toNanos(tickMillis());
        private static final long SLOW = TimeUnit.MILLISECONDS.toNanos(20);
        /** Slow ticks without a yield before the watch dozes. */
        private static final int IDLE_TICKS = 5;
        private volatile boolean started;
        /** Set while the watch sleeps with no time set: the next thread to yield wakes it. */
        private volatile boolean dozing;
        private volatile Thread thread;
        private volatile long dozes;

        void ensureStarted() {
            if (!started) {
                start();
            }
        }

        /** A thread yielded after none had since the watch last sent a probe: wake the watch if it dozes. */
        void yieldedAfterIdle() {
            if (dozing) {
                dozing = false;
                LockSupport.unpark(thread);
            }
        }

        private synchronized void start() {
            if (started) {
                return;
            }
            Thread probe = Thread.ofVirtual().name("headroom-yield-probe").unstarted(() -> {
                while (true) {
                    LockSupport.park();
                    GATE.probeRan(System.nanoTime());
                }
            });
            probe.start();
            thread = Thread.ofPlatform().daemon().name("headroom-yield-watch").unstarted(() -> {
                int idle = 0;
                while (true) {
                    boolean active = yielded;
                    if (GATE.tick(System.nanoTime(), active)) {
                        yielded = false;
                        LockSupport.unpark(probe); // from a platform thread: the path the poller's wake-ups take
                    }
                    if (active || GATE.probePending()) {
                        idle = 0;
                        LockSupport.parkNanos(FAST);
                    } else if (++idle < IDLE_TICKS) {
                        LockSupport.parkNanos(SLOW);
                    } else {
                        // Publish the doze, then look again: a thread that yielded meanwhile either sees dozing and
                        // wakes us, or its yielded is seen here (both volatile: one of the two sees the other's write).
                        dozing = true;
                        if (yielded) {
                            dozing = false;
                        } else {
                            dozes++;
                            LockSupport.park();
                            dozing = false;
                        }
                        idle = 0;
                    }
                }
            });
            thread.start();
            started = true;
        }
    }
}
