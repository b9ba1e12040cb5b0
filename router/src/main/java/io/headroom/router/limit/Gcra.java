package io.headroom.router.limit;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The generic cell rate algorithm on one {@link AtomicLong} that holds the theoretical arrival time (TAT) in ticker
 * nanoseconds: a request at {@code now} is admitted if {@code max(TAT, now) + T - now <= B × T} (T = emission
 * interval = 1 / rate, B = burst), and then TAT moves on by T. The state is one immutable long swapped by CAS: no lock,
 * no allocation. A cell whose TAT lies in the past is full, so forgetting it loses nothing.
 */
public final class Gcra {
    /** The TAT of a cell that has never admitted anything. */
    public static final long EMPTY = Long.MIN_VALUE;

    private Gcra() {
    }

    /**
     * Tries to admit one request.
     *
     * @param cell      the cell's TAT
     * @param now       ticker time
     * @param emission  T in nanoseconds
     * @param capacity  B × T in nanoseconds
     * @return {@code >= 0}: admitted, and the value is the time until the cell is full again ({@code newTat - now});
     * {@code < 0}: refused, and {@code -value} is the time until one request would be admitted
     */
    public static long acquire(AtomicLong cell, long now, long emission, long capacity) {
        while (true) {
            long old = cell.get();
            long tat = old == EMPTY || old - now < 0 ? now : old;
            long next = tat + emission;
            long ahead = next - now;
            if (ahead > capacity) {
                return -Math.max(1, ahead - capacity);
            }
            if (cell.compareAndSet(old, next)) {
                return ahead;
            }
        }
    }

    /** Gives back one admission (when a later limit of the same request refused it). */
    public static void refund(AtomicLong cell, long emission) {
        cell.addAndGet(-emission);
    }
}
