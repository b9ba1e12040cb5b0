package io.headroom.predictor.history;

import java.util.Arrays;

/**
 * A bounded ring of 1-hour aggregates (the third ring, after seconds and minutes): per hour the requests counted and
 * the seconds observed, 20 bytes an hour kept (a week and a day, 192 hours: 3.8 KB per series).
 *
 * <p>It is filled from the same telemetry through the {@link MinuteAggregates} it belongs to: a minute is folded into
 * its hour when the minute ring lets it go (its slot is reused by a newer minute), and until then an hour's rate is
 * read as what was folded plus the minutes the minute ring still holds. So a second counts once in the hour, however
 * many routes or instances report it (the minute ring deduplicates it), and a minute is never in both places. Data
 * for a minute the minute ring already let go is ignored, as the minute ring ignores it. Not thread-safe.
 */
public final class HourAggregates {
    private final int capacity;
    private final long[] hour;
    private final double[] sum;
    private final int[] seconds;
    private long newest = Long.MIN_VALUE;

    public HourAggregates(int capacityHours) {
        if (capacityHours <= 0) {
            throw new IllegalArgumentException("capacityHours: " + capacityHours + " (expected: > 0)");
        }
        this.capacity = capacityHours;
        this.hour = new long[capacityHours];
        this.sum = new double[capacityHours];
        this.seconds = new int[capacityHours];
        Arrays.fill(hour, Long.MIN_VALUE);
    }

    /** Folds a finished minute ({@code requests} over {@code observedSeconds} seconds) into its hour. */
    void fold(long minute, double requests, int observedSeconds) {
        if (observedSeconds <= 0) {
            return;
        }
        long h = Math.floorDiv(minute, 60);
        if (newest != Long.MIN_VALUE && h <= newest - capacity) {
            return;
        }
        int slot = (int) Math.floorMod(h, (long) capacity);
        if (hour[slot] != h) {
            hour[slot] = h;
            sum[slot] = 0;
            seconds[slot] = 0;
        }
        sum[slot] += requests;
        seconds[slot] += observedSeconds;
        newest = Math.max(newest, h);
    }

    /** Marks hour {@code h} as reached (the minute ring saw data in it), so older hours leave the ring in time. */
    void reached(long h) {
        newest = Math.max(newest, h);
    }

    /** What was folded into hour {@code h}: {requests, seconds}, zeros if nothing or if it left the ring. */
    double[] folded(long h) {
        int slot = (int) Math.floorMod(h, (long) capacity);
        boolean kept = newest != Long.MIN_VALUE && h > newest - capacity && hour[slot] == h;
        return kept ? new double[] {sum[slot], seconds[slot]} : new double[] {0, 0};
    }

    public int capacityHours() {
        return capacity;
    }

    /** Newest hour seen (epoch hours), {@code Long.MIN_VALUE} if none. */
    public long newestHour() {
        return newest;
    }
}
