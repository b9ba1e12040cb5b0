package io.headroom.router.net;

import java.io.FileDescriptor;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.ArrayDeque;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The lane's own carriers: one platform thread per CPU, each running the virtual threads of the client connections
 * given to it and its own {@link EdgePoller}, the way an nginx worker runs its connections and its epoll instance.
 *
 * <p>Why: on the JDK's scheduler (a {@code ForkJoinPool}) the edge poller is a virtual thread of its own that yields
 * between polls, and every wake-up it pushes onto an empty queue signals an idle carrier, which then takes turns with
 * the busy one on the CPU (a {@code futex} and a context switch each time). A carrier that polls its own epoll
 * instance between batches of the threads it runs wakes nobody: an edge's unpark, made on the carrier itself, puts the
 * woken thread on the carrier's own queue, and the carrier runs it next. Measured in docs/router.md ("Carriers").
 *
 * <p>Each carrier loops: take what other threads submitted, run every virtual thread that was runnable when the batch
 * began (each until it parks or yields), poll the epoll instance without waiting, and, when that found nothing and no
 * thread is runnable, block in {@code poll} on the epoll instance until a socket has an edge or another thread
 * submits (which writes an {@code eventfd} in the same epoll set only while the carrier sleeps). So a carrier never
 * spins, and a thread woken from elsewhere (the JDK's poller for a socket the lane waits on the JDK's way, a timer,
 * a new connection) waits at most one batch.
 *
 * <p>What runs here must not block its carrier for long: the lane's reads and writes park (on this carrier's poller
 * or the JDK's), and the rest of the request path does not do blocking file or name lookups. Virtual threads started
 * from a lane thread inherit its carrier. A thread that never parks keeps its carrier's other connections waiting, as
 * an nginx worker's busy connection does.
 *
 * <p>Needs JDK 24 or later (before it a virtual thread blocked in {@code synchronized} holds its carrier, and one
 * waiting there for another thread of the same carrier would wait forever), the JDK's virtual-thread builder with a
 * scheduler ({@code java.lang.ThreadBuilders$VirtualThreadBuilder}) and its single-descriptor poll and {@code eventfd} ({@code sun.nio.ch}), so {@code java.base/java.lang}
 * and {@code java.base/sun.nio.ch} open to the router (the launchers open both), and the edge poller. Off with
 * {@code -Dheadroom.lane-carriers=0}; {@code -Dheadroom.lane-carriers=N} sets their number (default: one per CPU).
 * Without them the lane's connections run on the threads Helidon gives them, as before.
 */
public final class LaneCarriers {
    private static final System.Logger LOG = System.getLogger(LaneCarriers.class.getName());
    /** {@code (Executor) -> Thread.Builder.OfVirtual}: the JDK's builder of virtual threads on a given scheduler. */
    private static final MethodHandle NEW_BUILDER;
    /** {@code sun.nio.ch.Net.poll(FileDescriptor, int events, long timeout) -> int}, blocking on a platform thread. */
    private static final MethodHandle NET_POLL;
    /** {@code sun.nio.ch.IOUtil.newFD(int) -> FileDescriptor}. */
    private static final MethodHandle NEW_FD;
    /** {@code new sun.nio.ch.EventFD()}, its {@code efd()} and {@code set()}. */
    private static final MethodHandle NEW_EVENT_FD;
    private static final MethodHandle EVENT_FD_VAL;
    private static final MethodHandle EVENT_FD_SET;
    private static final short POLLIN;
    private static final String MISSING;
    private static final ThreadLocal<Carrier> CURRENT = new ThreadLocal<>();

    static {
        MethodHandle newBuilder = null;
        MethodHandle netPoll = null;
        MethodHandle newFd = null;
        MethodHandle newEventFd = null;
        MethodHandle eventFdVal = null;
        MethodHandle eventFdSet = null;
        short pollin = 0;
        String why = null;
        try {
            Class<?> builder = Class.forName("java.lang.ThreadBuilders$VirtualThreadBuilder");
            newBuilder = MethodHandles.privateLookupIn(builder, MethodHandles.lookup())
                    .findConstructor(builder, MethodType.methodType(void.class, Executor.class))
                    .asType(MethodType.methodType(Thread.Builder.OfVirtual.class, Executor.class));
            Class<?> net = Class.forName("sun.nio.ch.Net");
            netPoll = MethodHandles.privateLookupIn(net, MethodHandles.lookup())
                    .findStatic(net, "poll", MethodType.methodType(int.class, FileDescriptor.class, int.class, long.class));
            pollin = net.getField("POLLIN").getShort(null);
            Class<?> ioUtil = Class.forName("sun.nio.ch.IOUtil");
            newFd = MethodHandles.privateLookupIn(ioUtil, MethodHandles.lookup())
                    .findStatic(ioUtil, "newFD", MethodType.methodType(FileDescriptor.class, int.class));
            Class<?> eventFd = Class.forName("sun.nio.ch.EventFD");
            MethodHandles.Lookup l = MethodHandles.privateLookupIn(eventFd, MethodHandles.lookup());
            newEventFd = l.findConstructor(eventFd, MethodType.methodType(void.class)).asType(MethodType.methodType(Object.class));
            eventFdVal = l.findVirtual(eventFd, "efd", MethodType.methodType(int.class))
                    .asType(MethodType.methodType(int.class, Object.class));
            eventFdSet = l.findVirtual(eventFd, "set", MethodType.methodType(void.class))
                    .asType(MethodType.methodType(void.class, Object.class));
        } catch (ReflectiveOperationException | RuntimeException e) {
            why = e.getClass().getSimpleName() + ": " + e.getMessage()
                    + " (the launchers open java.base/java.lang and java.base/sun.nio.ch to the router)";
        }
        MISSING = why;
        NEW_BUILDER = why == null ? newBuilder : null;
        NET_POLL = netPoll;
        NEW_FD = newFd;
        NEW_EVENT_FD = newEventFd;
        EVENT_FD_VAL = eventFdVal;
        EVENT_FD_SET = eventFdSet;
        POLLIN = pollin;
    }

    private static volatile Carrier[] carriers;
    private static volatile String unavailable;
    private static final AtomicInteger NEXT = new AtomicInteger();

    private LaneCarriers() {
    }

    /** The carriers, started on first use, or null where there are none (then {@link #unavailable()} says why). */
    static Carrier[] carriers() {
        Carrier[] cs = carriers;
        if (cs != null || unavailable != null) {
            return cs;
        }
        synchronized (LaneCarriers.class) {
            if (carriers == null && unavailable == null) {
                String why = null;
                String p = System.getProperty("headroom.lane-carriers");
                int cpus = Runtime.getRuntime().availableProcessors();
                int n = countFor(p, cpus);
                if (n < 0) {
                    LOG.log(System.Logger.Level.WARNING, "-Dheadroom.lane-carriers={0} is not a whole number from 0 to"
                            + " 1024; the lane uses one carrier per CPU ({1})", p, cpus);
                    n = cpus;
                }
                if (n == 0) {
                    why = "turned off (-Dheadroom.lane-carriers=0)";
                } else if (Runtime.version().feature() < 24) {
                    // before JDK 24 a virtual thread blocked in synchronized (or waiting in it) holds its carrier: one
                    // waiting there for another thread of the same carrier would wait forever
                    why = "JDK " + Runtime.version().feature() + " pins virtual threads in synchronized (24 or later does not)";
                } else if (MISSING != null) {
                    why = MISSING;
                } else if (EdgePoller.shared() == null) {
                    why = "no edge poller: " + EdgePoller.unavailable();
                } else {
                    Carrier[] made = new Carrier[n];
                    try {
                        for (int i = 0; i < n; i++) {
                            made[i] = new Carrier(i);
                        }
                        for (Carrier c : made) {
                            c.thread.start();
                        }
                        carriers = made;
                    } catch (Throwable t) {
                        why = "could not start: " + t;
                    }
                }
                if (why != null) {
                    unavailable = why;
                    LOG.log(System.Logger.Level.DEBUG, "the lane's carriers are off: {0}", why);
                }
            }
        }
        return carriers;
    }

    /**
     * The number of carriers for the property's value: one per CPU when it is not set, else its value (0 turns them
     * off); -1 when it is not a whole number from 0 to 1024.
     */
    static int countFor(String property, int cpus) {
        if (property == null || property.isBlank()) {
            return Math.max(1, cpus);
        }
        try {
            int n = Integer.parseInt(property.trim());
            return n >= 0 && n <= 1024 ? n : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Why there are no carriers, or null when there are (or none were asked for yet). */
    public static String unavailable() {
        return unavailable;
    }

    /** How many carriers run; 0 when none (not started yet, off, or not available here). */
    public static int count() {
        Carrier[] cs = carriers;
        return cs == null ? 0 : cs.length;
    }

    /** Whether the current thread runs on one of the carriers. */
    public static boolean onCarrier() {
        return CURRENT.get() != null;
    }

    /** The carrier the current thread runs on, or null. */
    static Carrier current() {
        return CURRENT.get();
    }

    /**
     * The current thread's carrier as a small number: its index + 1, or 0 off the carriers. Sockets a thread registers
     * go on that carrier's poller, so a pool can keep the connections of each carrier apart and hand a thread its own
     * carrier's first (their edges then wake it with no other thread involved).
     */
    public static int home() {
        Carrier c = CURRENT.get();
        return c == null ? 0 : c.index + 1;
    }

    /**
     * Starts {@code task} in a new virtual thread on the next carrier (round robin).
     *
     * @return the thread, or null when there are no carriers (the caller then runs the task itself)
     */
    public static Thread start(Runnable task) {
        Carrier[] cs = carriers();
        if (cs == null) {
            return null;
        }
        Carrier c = cs[Math.floorMod(NEXT.getAndIncrement(), cs.length)];
        return c.start(task);
    }

    /** Platform threads for what must not block a carrier (a name lookup), at most 16, idle ones ending after 30 s. */
    private static final java.util.concurrent.ThreadPoolExecutor OFFLOAD;

    static {
        var pool = new java.util.concurrent.ThreadPoolExecutor(16, 16, 30, java.util.concurrent.TimeUnit.SECONDS,
                new java.util.concurrent.LinkedBlockingQueue<>(4096), r -> {
                    Thread t = new Thread(r, "headroom-lane-offload");
                    t.setDaemon(true);
                    return t;
                });
        pool.allowCoreThreadTimeOut(true);
        OFFLOAD = pool;
    }

    /**
     * Runs {@code call} on a platform thread and parks the current (carrier's) thread until it is done, so a call that
     * blocks in the kernel or in native code (a name lookup) holds up only this thread, not the carrier's others.
     * Runs it in place when the offload pool is full.
     *
     * @throws java.io.IOException what {@code call} threw, or an interrupt while waiting
     */
    public static <T> T offCarrier(java.util.concurrent.Callable<T> call) throws java.io.IOException {
        java.util.concurrent.Future<T> f;
        try {
            f = OFFLOAD.submit(call);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            try {
                return call.call();
            } catch (java.io.IOException | RuntimeException ex) {
                throw ex;
            } catch (Exception ex) {
                throw new java.io.IOException(ex);
            }
        }
        try {
            return f.get();
        } catch (InterruptedException e) {
            f.cancel(true);
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while waiting off the lane carrier");
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof java.io.IOException io) {
                throw io;
            } else if (c instanceof RuntimeException re) {
                throw re;
            } else if (c instanceof Error err) {
                throw err;
            }
            throw new java.io.IOException(c);
        }
    }

    /** Sockets registered on the carriers' edge pollers now. */
    static int sockets() {
        Carrier[] cs = carriers;
        int n = 0;
        if (cs != null) {
            for (Carrier c : cs) {
                n += c.poller.registered();
            }
        }
        return n;
    }

    /** Times other threads woke a sleeping carrier through its eventfd, all carriers together (for the admin API). */
    public static long wakeups() {
        Carrier[] cs = carriers;
        long n = 0;
        if (cs != null) {
            for (Carrier c : cs) {
                n += c.wakes.get();
            }
        }
        return n;
    }

    /** One carrier: a platform thread, its run queue, its edge poller, and an eventfd to wake it. */
    static final class Carrier implements Executor {
        final int index;
        private final Thread thread;
        private final EdgePoller poller;
        private final FileDescriptor epoll;
        private final Object eventFd;
        private final ThreadFactory factory;
        /** Runnable continuations submitted on this carrier; only its thread touches it. */
        private final ArrayDeque<Runnable> local = new ArrayDeque<>(256);
        /** Those submitted by other threads. */
        private final ConcurrentLinkedQueue<Runnable> remote = new ConcurrentLinkedQueue<>();
        /** Whether the carrier is (about to be) blocked waiting: a remote submission then writes the eventfd. */
        private volatile boolean sleeping;
        final AtomicLong wakes = new AtomicLong();
        private volatile long sleeps;
        private boolean pollFailed;
        private volatile boolean waitFailed; // read by submitting threads in wake()
        private boolean nativeWaitOff;
        private int waitErrors;

        Carrier(int index) throws Throwable {
            this.index = index;
            this.poller = EdgePoller.create();
            if (poller == null) {
                throw new IllegalStateException("no epoll instance");
            }
            this.epoll = (FileDescriptor) NEW_FD.invokeExact(poller.descriptor());
            this.eventFd = NEW_EVENT_FD.invokeExact();
            if (!poller.addWakeUp((int) EVENT_FD_VAL.invokeExact(eventFd))) {
                throw new IllegalStateException("cannot add the eventfd to the epoll instance");
            }
            Thread.Builder.OfVirtual builder = (Thread.Builder.OfVirtual) NEW_BUILDER.invokeExact((Executor) this);
            this.factory = builder.name("headroom-lane-" + index + "-", 0).factory();
            this.thread = new Thread(this::loop, "headroom-lane-carrier-" + index);
            thread.setDaemon(true);
        }

        EdgePoller poller() {
            return poller;
        }

        /** Times this carrier went to sleep on its epoll instance (for tests). */
        long sleeps() {
            return sleeps;
        }

        /** Whether it sleeps in {@code epoll_wait} itself (not the fallback of {@code poll} on the descriptor). */
        boolean waitsInEpoll() {
            return !pollFailed && !waitFailed && !nativeWaitOff;
        }

        /** Whether it is about to sleep or sleeps, and no thread has woken it yet (for tests). */
        boolean sleeping() {
            return sleeping;
        }

        /** Times another thread woke it through its eventfd (for tests). */
        long wakes() {
            return wakes.get();
        }

        Thread start(Runnable task) {
            Thread t = factory.newThread(() -> {
                CURRENT.set(this);
                try {
                    task.run();
                } finally {
                    CURRENT.remove();
                }
            });
            t.start();
            return t;
        }

        @Override
        public void execute(Runnable task) {
            if (Thread.currentThread() == thread) {
                local.addLast(task);
                return;
            }
            remote.add(task);
            if (sleeping) {
                sleeping = false;
                wake();
            }
        }

        /** Polls the edge poller without waiting; after it failed (its sockets then wait the JDK's way), 0. */
        private int poll() {
            if (pollFailed) {
                return 0;
            }
            try {
                return poller.pollNow();
            } catch (Throwable t) {
                pollFailed = true; // logged by the poller, which marked its sockets ended
                return 0;
            }
        }

        /**
         * Blocks in {@code epoll_wait} until an edge and dispatches the edges; -1 when that is not available (or failed
         * too often): then {@link #await} and {@link #poll}.
         */
        private int sleep() {
            if (pollFailed || waitFailed || nativeWaitOff) {
                return -1;
            }
            int got;
            try {
                got = poller.waitAndPoll();
            } catch (Throwable t) {
                pollFailed = true; // logged by the poller, which marked its sockets ended
                return -1;
            }
            if (got == -1) {
                nativeWaitOff = true;
            } else if (got == -2) {
                if (++waitErrors > 1000) {
                    nativeWaitOff = true;
                    LOG.log(System.Logger.Level.WARNING, "a lane carrier's epoll_wait keeps failing; it waits with poll");
                }
                return 0;
            } else {
                waitErrors = 0;
            }
            return got;
        }

        /**
         * Blocks until the epoll instance has an edge (a socket's, or the eventfd's); if that wait fails, sleeps a
         * millisecond at most instead (a submission unparks it), so the carrier goes on serving (slower) rather than
         * spinning or stopping.
         */
        private void await() {
            if (!waitFailed) {
                try {
                    int ignored = (int) NET_POLL.invokeExact(epoll, (int) POLLIN, -1L);
                    return;
                } catch (Throwable t) {
                    waitFailed = true;
                    LOG.log(System.Logger.Level.WARNING, "a lane carrier cannot wait on its epoll instance; it polls"
                            + " every millisecond from now on", t);
                }
            }
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000L);
        }

        private void wake() {
            wakes.incrementAndGet();
            if (waitFailed) {
                // it sleeps in parkNanos, not on the eventfd: cut that millisecond short
                java.util.concurrent.locks.LockSupport.unpark(thread);
                return;
            }
            try {
                EVENT_FD_SET.invokeExact(eventFd);
            } catch (Throwable t) {
                LOG.log(System.Logger.Level.WARNING, "cannot wake a lane carrier", t);
            }
        }

        private void loop() {
            ArrayDeque<Runnable> q = local;
            for (;;) {
                for (Runnable r; (r = remote.poll()) != null; ) {
                    q.addLast(r);
                }
                for (int n = q.size(); n > 0; n--) {
                    Runnable r = q.pollFirst();
                    try {
                        r.run();
                    } catch (Throwable t) {
                        LOG.log(System.Logger.Level.WARNING, "a task failed on a lane carrier", t);
                    }
                }
                if (poll() > 0 || !q.isEmpty()) {
                    continue;
                }
                sleeping = true;
                if (remote.isEmpty()) {
                    sleeps = sleeps + 1;
                    if (sleep() < 0) {
                        await();
                        poll();
                    }
                }
                sleeping = false;
            }
        }
    }
}
