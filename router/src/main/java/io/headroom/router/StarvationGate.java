package io.headroom.router;

/**
 * Decides whether {@link ReadYield} may yield, from how long a probe woken by a platform thread waits to run.
 *
 * <p>The JDK's virtual-thread scheduler serves what platform threads wake (the master poller waking a read sub-poller,
 * timers, new connections) only when a carrier's local queue is empty (see {@link CarrierThreads}). Yields keep that
 * queue busy: a thread that yields and then finds its data never parks. So a watch thread wakes a probe virtual thread
 * from outside, as the poller does, and measures how long the probe waits: past {@code limitNanos} the gate closes,
 * the yields stop, connections park on their reads again, the queue empties, and the probe (with everything else
 * woken from outside) runs and opens the gate. While nothing yields there is nothing to guard and no probe is sent.
 *
 * <p>Pure state, driven by the watch ({@link #tick}) and the probe ({@link #probeRan}) with times passed in, so tests
 * are exact. The fields the hot path reads are volatile; the watch is the only writer of the probe's send time.
 */
final class StarvationGate {
    private final long limitNanos;
    private volatile boolean open = true;
    private volatile boolean probePending;
    private volatile long probeSentAt;
    private volatile long closings;
    private volatile long longestWaitNanos;

    /** @param limitNanos how long the probe may wait to run before the yields stop */
    StarvationGate(long limitNanos) {
        if (limitNanos <= 0) {
            throw new IllegalArgumentException("limitNanos must be positive: " + limitNanos);
        }
        this.limitNanos = limitNanos;
    }

    /** Whether yields are allowed now (read on every yield). */
    boolean open() {
        return open;
    }

    /**
     * One tick of the watch.
     *
     * @param now    the watch's clock
     * @param active whether any thread yielded since the last probe was sent
     * @return true when the watch must wake the probe now
     */
    boolean tick(long now, boolean active) {
        if (probePending) {
            if (open && now - probeSentAt > limitNanos) {
                open = false;
                closings++;
            }
            return false;
        }
        if (!active) {
            return false; // nothing yielded since the last probe: nothing to guard
        }
        probeSentAt = now;
        probePending = true;
        return true;
    }

    /** Whether the watch is waiting for the probe (it then ticks fast; else it may tick slowly). */
    boolean probePending() {
        return probePending;
    }

    /** Called by the probe when it runs: the scheduler served a thread woken from outside, so yields may go on. */
    void probeRan(long now) {
        if (!probePending) {
            return; // a spurious wake-up
        }
        long waited = now - probeSentAt;
        if (waited > longestWaitNanos) {
            longestWaitNanos = waited;
        }
        probePending = false;
        open = true;
    }

    /** How many times the gate has closed. */
    long closings() {
        return closings;
    }

    /** The longest the probe waited to run. */
    long longestWaitNanos() {
        return longestWaitNanos;
    }
}
