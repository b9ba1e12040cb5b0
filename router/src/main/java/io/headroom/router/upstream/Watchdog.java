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
 */
public final class Watchdog implements AutoCloseable {
    private final Set<UpstreamConnection> open = ConcurrentHashMap.newKeySet();
    private final Set<ConnectionPool> pools = ConcurrentHashMap.newKeySet();
    private final Ticker ticker;
    private final long periodNanos;
    private final Thread thread;
    private final PauseLog pauses;
    private volatile boolean running = true;

    /** How late (beyond its period) the watchdog must wake for the gap to count as a pause of the process. */
    static final long PAUSE_THRESHOLD_NANOS = 10_000_000;

    /**
     * @param ticker      time source for deadlines
     * @param periodNanos scan period: the resolution of timeouts
     */
    public Watchdog(Ticker ticker, long periodNanos) {
        this.ticker = ticker;
        this.periodNanos = periodNanos;
        this.pauses = new PauseLog(periodNanos, Math.max(PAUSE_THRESHOLD_NANOS, periodNanos));
        this.thread = Thread.ofPlatform().daemon().name("headroom-upstream-watchdog").unstarted(this::run);
    }

    public static Watchdog startSystem() {
        Watchdog w = new Watchdog(Ticker.system(), TimeUnit.MILLISECONDS.toNanos(5));
        w.thread.start();
        return w;
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

    /** One scan: times out exchanges past their deadline and sweeps idle connections. Tests may call it. */
    public void scan() {
        long now = ticker.read();
        for (UpstreamConnection c : open) {
            long d = c.deadlineNanos();
            if (d != 0 && now - d >= 0) {
                c.timeOut();
            }
        }
        for (ConnectionPool p : pools) {
            p.sweep(now);
        }
    }

    private void run() {
        while (running) {
            pauses.sleeps(ticker.read());
            LockSupport.parkNanos(periodNanos);
            pauses.woke(ticker.read());
            try {
                scan();
            } catch (RuntimeException e) {
                // Never let one odd connection stop the watchdog.
                java.util.logging.Logger.getLogger(Watchdog.class.getName()).log(java.util.logging.Level.WARNING, "watchdog scan failed", e);
            }
        }
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        for (UpstreamConnection c : open) {
            c.close();
        }
    }
}
