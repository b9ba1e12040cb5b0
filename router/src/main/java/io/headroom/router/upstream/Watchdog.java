package io.headroom.router.upstream;

import io.headroom.time.Ticker;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * One thread that enforces every upstream exchange's total deadline by closing the socket of an exchange past it,
 * and retires idle keep-alive connections.
 *
 * <p>A per-read {@code SO_TIMEOUT} cost about 40% of throughput in measurements; a scan every few milliseconds
 * over the open connections costs nothing measurable on the request path (one volatile write per exchange).
 *
 * <p>It scans every period only while some exchange is in flight. With none, it dozes until the oldest idle
 * connection is due to retire, at most {@link #DOZE_MAX_NANOS}, and the next exchange to begin wakes it
 * ({@link #exchangeBegan}, one volatile read on the request path): an idle router does not wake two hundred times a
 * second for nothing. While it dozes it expects no wake-up, so {@link #pauses()} records no pause then; no exchange
 * is in flight for a pause to distort. The exchange that wakes it also makes it due again within a period, so a pause
 * that starts before the woken thread runs is still seen.
 */
public final class Watchdog implements AutoCloseable {
    private final Set<UpstreamConnection> open = ConcurrentHashMap.newKeySet();
    private final Set<ConnectionPool> pools = ConcurrentHashMap.newKeySet();
    private final Ticker ticker;
    private final long periodNanos;
    private final long dozeMaxNanos;
    private final Thread thread;
    private final PauseLog pauses;
    private volatile boolean running = true;
    /** Set while the thread sleeps past its period because nothing was in flight: the next exchange must wake it. */
    private volatile boolean dozing;

    /** The longest the watchdog sleeps while no exchange is in flight: the idle-connection sweep's resolution then. */
    static final long DOZE_MAX_NANOS = TimeUnit.SECONDS.toNanos(1);

    /** How late (beyond its period) the watchdog must wake for the gap to count as a pause of the process. */
    static final long PAUSE_THRESHOLD_NANOS = 10_000_000;

    /**
     * @param ticker      time source for deadlines
     * @param periodNanos scan period: the resolution of timeouts
     */
    public Watchdog(Ticker ticker, long periodNanos) {
        this(ticker, periodNanos, DOZE_MAX_NANOS);
    }

    /**
     * @param ticker       time source for deadlines
     * @param periodNanos  scan period: the resolution of timeouts
     * @param dozeMaxNanos the longest sleep while no exchange is in flight
     */
    Watchdog(Ticker ticker, long periodNanos, long dozeMaxNanos) {
        if (periodNanos <= 0 || dozeMaxNanos < periodNanos) {
            throw new IllegalArgumentException("need 0 < period <= longest doze: " + periodNanos + ", " + dozeMaxNanos);
        }
        this.ticker = ticker;
        this.periodNanos = periodNanos;
        this.dozeMaxNanos = dozeMaxNanos;
        this.pauses = new PauseLog(periodNanos, Math.max(PAUSE_THRESHOLD_NANOS, periodNanos));
        this.thread = Thread.ofPlatform().daemon().name("headroom-upstream-watchdog").unstarted(this::run);
    }

    public static Watchdog startSystem() {
        Watchdog w = new Watchdog(Ticker.system(), TimeUnit.MILLISECONDS.toNanos(5));
        w.start();
        return w;
    }

    /** Starts the thread. */
    void start() {
        thread.start();
    }

    /**
     * The process's pauses as this thread saw them: it expects to wake every period, so a wake more than
     * {@value #PAUSE_THRESHOLD_NANOS} ns late means the process did not run (a GC pause, the host or a CPU quota
     * starving it). The kernel normally runs a thread waking from a sleep within a few milliseconds even when the
     * process's other threads keep its cores busy, so a busy process alone does not read as paused.
     */
    public PauseLog pauses() {
        return pauses;
    }

    public Ticker ticker() {
        return ticker;
    }

    void register(UpstreamConnection c) {
        open.add(c);
    }

    void unregister(UpstreamConnection c) {
        open.remove(c);
    }

    void watch(ConnectionPool pool) {
        pools.add(pool);
    }

    /** Number of open upstream connections (idle or busy). */
    public int openConnections() {
        return open.size();
    }

    /**
     * One scan: times out exchanges past their deadline and sweeps idle connections. Tests may call it.
     *
     * @return how long the watchdog may sleep before the next scan: its period while an exchange is in flight, else
     *         until the oldest idle connection is due to retire, between the period and the longest doze
     */
    public long scan() {
        long now = ticker.read();
        boolean inFlight = false;
        for (UpstreamConnection c : open) {
            long d = c.deadlineNanos();
            if (d != 0) {
                if (now - d >= 0) {
                    c.timeOut();
                } else {
                    inFlight = true;
                }
            }
        }
        long retireIn = dozeMaxNanos;
        for (ConnectionPool p : pools) {
            retireIn = Math.min(retireIn, p.sweep(now));
        }
        return inFlight ? periodNanos : Math.max(periodNanos, retireIn);
    }

    /** Whether any open connection has an exchange with a deadline. */
    private boolean anyInFlight() {
        for (UpstreamConnection c : open) {
            if (c.deadlineNanos() != 0) {
                return true;
            }
        }
        return false;
    }

    /**
     * An exchange began (its deadline was just written): wakes the watchdog if it dozes. Called on the request path;
     * costs one volatile read unless the router was idle.
     */
    void exchangeBegan() {
        if (dozing) {
            dozing = false;
            // Due again within a period from now: a pause of the process that begins before this thread runs (and
            // delays it too) is then seen as one, so the exchange that just began leaves it out of its latency.
            pauses.dueAgain(ticker.read());
            LockSupport.unpark(thread);
        }
    }

    /**
     * Before a doze: publishes it, then looks again for an exchange in flight (see {@link #run}). The pause log is
     * told first, so that an exchange which sees the doze and sets the next due time is not overwritten.
     *
     * @return whether the thread may doze (nothing is in flight)
     */
    boolean prepareDoze() {
        pauses.dozes();
        dozing = true;
        if (anyInFlight()) {
            dozing = false;
            return false;
        }
        return true;
    }

    /** Whether the thread is dozing (for tests). */
    boolean dozing() {
        return dozing;
    }

    private void run() {
        long sleep = periodNanos;
        while (running) {
            // Publish the doze before looking again: an exchange that began after the scan either sees dozing and
            // wakes us, or is seen here (both are volatile, so one of the two sees the other's write).
            if (sleep > periodNanos && !prepareDoze()) {
                sleep = periodNanos;
            }
            if (sleep <= periodNanos) {
                pauses.sleeps(ticker.read());
            }
            LockSupport.parkNanos(sleep);
            dozing = false;
            pauses.woke(ticker.read());
            try {
                sleep = scan();
            } catch (RuntimeException e) {
                // Never let one odd connection stop the watchdog.
                sleep = periodNanos;
                java.util.logging.Logger.getLogger(Watchdog.class.getName()).log(java.util.logging.Level.WARNING, "watchdog scan failed", e);
            }
        }
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        for (UpstreamConnection c : open) {
            c.abort(); // from this thread: ends what the connection's own thread is doing (which then closes it)
        }
    }
}
