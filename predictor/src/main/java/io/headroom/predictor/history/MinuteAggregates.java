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
    private final HourAggregates hours;
    private long newest = Long.MIN_VALUE;

    /** Without an hour ring (one hour slot: hours read only what the minute ring holds). */
    public MinuteAggregates(int capacityMinutes) {
        this(capacityMinutes, 1);
    }

    /** With an hour ring of {@code capacityHours} hours, into which minutes the ring lets go are folded. */
    public MinuteAggregates(int capacityMinutes, int capacityHours) {
        this.hours = new HourAggregates(capacityHours);
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
            if (minute[slot] != Long.MIN_VALUE) {
                hours.fold(minute[slot], sum[slot], Long.bitCount(seen[slot]));
            }
            minute[slot] = m;
            sum[slot] = 0;
            seen[slot] = 0;
        }
        sum[slot] += requests;
        seen[slot] |= 1L << Math.floorMod(epochSecond, 60L);
        newest = Math.max(newest, m);
        hours.reached(Math.floorDiv(m, 60));
    }

    /**
     * Mean request rate (req/s over observed seconds) of hours {@code [fromHour, toHour)} (epoch hours); NaN = no data.
     * An hour is what the hour ring folded plus the minutes of it this ring still holds; an hour that left the hour ring
     * reads NaN.
     */
    public double[] hourlyRates(long fromHour, long toHour) {
        return hourly(fromHour, toHour, null);
    }

    /**
     * As {@link #hourlyRates}, also writing the seconds observed in each hour into {@code seconds} (0 where none, or
     * where the hour left the ring), which must be as long as the hours asked for.
     */
    public double[] hourlyRates(long fromHour, long toHour, int[] seconds) {
        if (seconds.length != Math.max(0, toHour - fromHour)) {
            throw new IllegalArgumentException("seconds: " + seconds.length + " slots for " + (toHour - fromHour) + " hours");
        }
        return hourly(fromHour, toHour, seconds);
    }

    private double[] hourly(long fromHour, long toHour, int[] observed) {
        double[] out = new double[(int) Math.max(0, toHour - fromHour)];
        long oldest = hours.newestHour() == Long.MIN_VALUE ? Long.MAX_VALUE : hours.newestHour() - hours.capacityHours();
        for (int i = 0; i < out.length; i++) {
            long h = fromHour + i;
            if (h <= oldest) {
                out[i] = Double.NaN; // left the hour ring
                continue;
            }
            double[] f = hours.folded(h);
            double requests = f[0];
            double secs = f[1];
            for (long m = h * 60; m < h * 60 + 60; m++) {
                int slot = (int) Math.floorMod(m, (long) capacity);
                if (minute[slot] == m) {
                    requests += sum[slot];
                    secs += Long.bitCount(seen[slot]);
                }
            }
            out[i] = secs == 0 ? Double.NaN : requests / secs;
            if (observed != null) {
                observed[i] = (int) secs;
            }
        }
        return out;
    }

    /** The hour ring minutes are folded into. */
    public HourAggregates hours() {
        return hours;
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
