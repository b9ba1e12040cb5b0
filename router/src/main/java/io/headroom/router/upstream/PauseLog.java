package io.headroom.router.upstream;

/**
 * The recent pauses of this process: stretches of time in which none of its threads ran (a garbage collection, the
 * host not scheduling the process, a container's CPU quota spent), as seen by one thread that expects to wake at a
 * fixed period (the {@link Watchdog}: {@link #sleeps} before each sleep, {@link #woke} after it). A latency sample that overlapped a pause measured the process, not the backend;
 * {@link #overlap} says by how much, so latency estimates (peak-EWMA, the adaptive concurrency limit) can leave it out.
 *
 * <p>One writer (the waking thread, and the thread that wakes it from a doze: {@link #dueAgain}), any number of
 * readers, no locks. The last {@value #CAPACITY} pauses are kept; a pause is at least the threshold long, so that
 * covers far more than any exchange. A pause still under way (the waking thread is overdue by more than the
 * threshold) counts up to the reader's {@code end}: after a stall the request threads may run before the waking
 * thread does, and their samples must see the same pause.
 */
public final class PauseLog {
    static final int CAPACITY = 64;

    /** A log that never records a pause: every overlap is 0. */
    public static final PauseLog NONE = new PauseLog(Long.MAX_VALUE / 4, Long.MAX_VALUE / 4);

    private final long periodNanos;
    private final long thresholdNanos;
    private final long[] begins = new long[CAPACITY];
    private final long[] ends = new long[CAPACITY];
    /** Pauses recorded so far; slot {@code (count - 1) % CAPACITY} is the newest. Written after the slot. */
    private volatile long count;
    private volatile long totalNanos;
    /** When the waking thread expects to run next; {@code Long.MIN_VALUE} before it first says (nothing is ongoing). */
    private volatile long due = Long.MIN_VALUE;

    /**
     * @param periodNanos    how often the waking thread expects to run
     * @param thresholdNanos how late it must wake (beyond the period) for the gap to count as a pause
     */
    public PauseLog(long periodNanos, long thresholdNanos) {
        if (periodNanos <= 0 || thresholdNanos <= 0) {
            throw new IllegalArgumentException("period and threshold must be > 0: " + periodNanos + ", " + thresholdNanos);
        }
        this.periodNanos = periodNanos;
        this.thresholdNanos = thresholdNanos;
    }

    /**
     * The waking thread woke at {@code now}: if that is more than the threshold after it was due, the gap from the due
     * time is recorded as a pause. It is next due one period later. Writer only.
     */
    public void woke(long now) {
        long d = due;
        if (d != Long.MIN_VALUE && now - d > thresholdNanos) {
            record(d, now);
        }
        due = now + periodNanos;
    }

    /**
     * The waking thread sleeps with no time it is due (it dozes until something wakes it): nothing is ongoing, and
     * its next wake-up records no pause. Writer only.
     */
    public void dozes() {
        due = Long.MIN_VALUE;
    }

    /**
     * A dozing waking thread was just woken at {@code now}: it is due again one period later, so that a pause which
     * starts before it runs is seen, as overdue and then recorded when it wakes. Called by the thread that wakes it
     * (the one other writer, and only while the waking thread dozes); does nothing if it is not dozing.
     */
    public void dueAgain(long now) {
        if (due == Long.MIN_VALUE) {
            due = now + periodNanos;
        }
    }

    /** The waking thread goes to sleep at {@code now} and is due one period later. Writer only. */
    public void sleeps(long now) {
        due = now + periodNanos;
    }

    /** Records a pause {@code [begin, end)}. Writer only; pauses are recorded in time order. */
    public void record(long begin, long end) {
        if (end - begin <= 0) {
            return;
        }
        long n = count;
        int slot = (int) (n % CAPACITY);
        begins[slot] = begin;
        ends[slot] = end;
        totalNanos = totalNanos + (end - begin);
        count = n + 1;
    }

    /**
     * Nanoseconds of {@code [start, end)} during which the process was paused: the recorded pauses plus one still
     * under way. {@code end} is now (a sample that just ended): a waking thread overdue at {@code end} is read as
     * paused. 0 for a sample that overlapped none, which is the common case and costs two volatile reads.
     */
    public long overlap(long start, long end) {
        if (end - start <= 0) {
            return 0;
        }
        long sum = 0;
        long d = due;
        boolean ongoing = d != Long.MIN_VALUE && end - d > thresholdNanos;
        long n = count;
        for (long i = n - 1; i >= 0 && i >= n - CAPACITY; i--) {
            int slot = (int) (i % CAPACITY);
            long b = begins[slot];
            long e = ends[slot];
            if (count - i > CAPACITY) {
                break; // the writer lapped this slot while we read it: older pauses are out of reach anyway
            }
            if (ongoing && b == d) {
                ongoing = false; // recorded between our reads of due and count: count it once
            }
            if (e - start <= 0) {
                break; // this pause and every older one ended before the sample began
            }
            sum += intersect(b, e, start, end);
        }
        if (ongoing) {
            sum += intersect(d, end, start, end);
        }
        return Math.min(sum, end - start);
    }

    private static long intersect(long b, long e, long start, long end) {
        long lo = b - start > 0 ? b : start;
        long hi = e - end < 0 ? e : end;
        return Math.max(0, hi - lo);
    }

    /** Pauses recorded since start. */
    public long pauses() {
        return count;
    }

    /** Total nanoseconds of the recorded pauses. */
    public long pausedNanos() {
        return totalNanos;
    }

    /** A latency sample {@code [end - nanos, end)} without the pauses it overlapped (at least 1 ns of it is kept). */
    public long withoutPauses(long nanos, long end) {
        long p = overlap(end - nanos, end);
        return p == 0 ? nanos : Math.max(1, nanos - p);
    }
}
