package io.headroom.predictor.history;

import java.util.Arrays;

/**
 * A bounded ring of 1-minute aggregates: the request count of each minute and which of its seconds were observed
 * (a 60-bit mask), so a minute's rate is the mean over the seconds actually seen (a gap is not a zero), and a second
 * reported by several router instances, or re-read long after the second ring forgot it, counts once. Not
 * thread-safe.
 */
public final class MinuteAggregates {
    private final int capacity;
    private final long[] minute;
    private final double[] sum;
    private final long[] seen;
    private long newest = Long.MIN_VALUE;

    public MinuteAggregates(int capacityMinutes) {
        if (capacityMinutes <= 0) {
            throw new IllegalArgumentException("capacityMinutes: " + capacityMinutes + " (expected: > 0)");
        }
        this.capacity = capacityMinutes;
        this.minute = new long[capacityMinutes];
        this.sum = new double[capacityMinutes];
        this.seen = new long[capacityMinutes];
        Arrays.fill(minute, Long.MIN_VALUE);
    }

    /** Adds requests counted in the second starting at {@code epochSecond}; ignored if its minute left the ring. */
    void add(long epochSecond, double requests) {
        long m = Math.floorDiv(epochSecond, 60);
        if (newest != Long.MIN_VALUE && m <= newest - capacity) {
            return;
        }
        int slot = (int) Math.floorMod(m, (long) capacity);
        if (minute[slot] != m) {
            minute[slot] = m;
            sum[slot] = 0;
            seen[slot] = 0;
        }
        sum[slot] += requests;
        seen[slot] |= 1L << Math.floorMod(epochSecond, 60L);
        newest = Math.max(newest, m);
    }

    /** Mean request rate (req/s over observed seconds) of minutes {@code [fromMinute, toMinute)}; NaN = no data. */
    public double[] rates(long fromMinute, long toMinute) {
        double[] out = new double[(int) Math.max(0, toMinute - fromMinute)];
        for (int i = 0; i < out.length; i++) {
            long m = fromMinute + i;
            int slot = (int) Math.floorMod(m, (long) capacity);
            out[i] = kept(m) && minute[slot] == m && seen[slot] != 0 ? sum[slot] / Long.bitCount(seen[slot]) : Double.NaN;
        }
        return out;
    }

    /** Seconds observed in minute {@code m} (0 if none, or if it left the ring). */
    public int observedSeconds(long m) {
        int slot = (int) Math.floorMod(m, (long) capacity);
        return kept(m) && minute[slot] == m ? Long.bitCount(seen[slot]) : 0;
    }

    private boolean kept(long m) {
        return newest != Long.MIN_VALUE && m > newest - capacity;
    }

    public long newestMinute() {
        return newest;
    }
}
