package io.headroom.predictor.history;

import java.util.Arrays;

/**
 * A bounded ring of 1-minute aggregates: the request count of each minute and how many of its seconds were
 * observed, so a minute's rate is the mean over the seconds actually seen (a gap is not a zero). Not thread-safe.
 */
public final class MinuteAggregates {
    private final int capacity;
    private final long[] minute;
    private final double[] sum;
    private final int[] seconds;
    private long newest = Long.MIN_VALUE;

    public MinuteAggregates(int capacityMinutes) {
        if (capacityMinutes <= 0) {
            throw new IllegalArgumentException("capacityMinutes: " + capacityMinutes + " (expected: > 0)");
        }
        this.capacity = capacityMinutes;
        this.minute = new long[capacityMinutes];
        this.sum = new double[capacityMinutes];
        this.seconds = new int[capacityMinutes];
        Arrays.fill(minute, Long.MIN_VALUE);
    }

    /**
     * Adds requests of one second; {@code newSecond} says whether this second had no data before (so it counts
     * once towards the observed seconds however many router instances report it).
     */
    void add(long epochSecond, double requests, boolean newSecond) {
        long m = Math.floorDiv(epochSecond, 60);
        if (newest != Long.MIN_VALUE && m <= newest - capacity) {
            return;
        }
        int slot = (int) Math.floorMod(m, (long) capacity);
        if (minute[slot] != m) {
            minute[slot] = m;
            sum[slot] = 0;
            seconds[slot] = 0;
        }
        sum[slot] += requests;
        if (newSecond) {
            seconds[slot]++;
        }
        newest = Math.max(newest, m);
    }

    /** Mean request rate (req/s over observed seconds) of minutes {@code [fromMinute, toMinute)}; NaN = no data. */
    public double[] rates(long fromMinute, long toMinute) {
        double[] out = new double[(int) Math.max(0, toMinute - fromMinute)];
        for (int i = 0; i < out.length; i++) {
            long m = fromMinute + i;
            int slot = (int) Math.floorMod(m, (long) capacity);
            out[i] = kept(m) && minute[slot] == m && seconds[slot] > 0 ? sum[slot] / seconds[slot] : Double.NaN;
        }
        return out;
    }

    /** Seconds observed in minute {@code m} (0 if none, or if it left the ring). */
    public int observedSeconds(long m) {
        int slot = (int) Math.floorMod(m, (long) capacity);
        return kept(m) && minute[slot] == m ? seconds[slot] : 0;
    }

    private boolean kept(long m) {
        return newest != Long.MIN_VALUE && m > newest - capacity;
    }

    public long newestMinute() {
        return newest;
    }
}
