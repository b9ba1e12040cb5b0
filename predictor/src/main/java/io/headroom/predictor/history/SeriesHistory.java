package io.headroom.predictor.history;

import java.util.Arrays;

/**
 * Request counts per second of one series (a route, or a pool's sum of routes) in a bounded ring keyed by the
 * window's start second, plus {@link MinuteAggregates} and its {@link HourAggregates}: rings at 1 s, 1 min and 1 h.
 *
 * <p>Windows of the same second from several router instances add up. A second nobody reported is a gap and
 * reads as {@code NaN}, never as zero: a router that is restarting says nothing about the traffic. Not thread-safe.
 *
 * <p>8 bytes a second kept: a slot holds only the count, NaN while nobody reported its second; the slots a newer
 * second skips over are cleared to NaN when it arrives, so no per-slot timestamp is needed.
 */
public final class SeriesHistory {
    private final int capacity;
    private final double[] count;
    private final MinuteAggregates minutes;
    private long newest = Long.MIN_VALUE;
    private long tooOld;

    public SeriesHistory(int capacitySeconds, int capacityMinutes) {
        this(capacitySeconds, capacityMinutes, 1);
    }

    /** With the three rings: seconds, minutes and hours (minutes the minute ring lets go are folded into hours). */
    public SeriesHistory(int capacitySeconds, int capacityMinutes, int capacityHours) {
        if (capacitySeconds <= 0) {
            throw new IllegalArgumentException("capacitySeconds: " + capacitySeconds + " (expected: > 0)");
        }
        this.capacity = capacitySeconds;
        this.count = new double[capacitySeconds];
        Arrays.fill(count, Double.NaN);
        this.minutes = new MinuteAggregates(capacityMinutes, capacityHours);
    }

    /**
     * Adds requests counted in the second starting at {@code epochSecond}; false if it is older than the second ring
     * keeps (it still counts in the minute ring if its minute is kept there).
     */
    public boolean add(long epochSecond, double requests) {
        if (newest != Long.MIN_VALUE && epochSecond <= newest - capacity) {
            // Too old for the second ring, maybe not for the minute ring: a replay reads partitions one after the
            // other, so a pool's route on a later partition arrives after the pool's newest second moved on.
            minutes.add(epochSecond, requests);
            tooOld++;
            return false;
        }
        if (newest != Long.MIN_VALUE && epochSecond > newest) {
            // Seconds skipped between the newest and this one are gaps: clear what their slots still hold.
            if (epochSecond - newest >= capacity) {
                Arrays.fill(count, Double.NaN);
            } else {
                for (long s = newest + 1; s < epochSecond; s++) {
                    count[(int) Math.floorMod(s, (long) capacity)] = Double.NaN;
                }
                count[(int) Math.floorMod(epochSecond, (long) capacity)] = Double.NaN;
            }
        }
        int slot = (int) Math.floorMod(epochSecond, (long) capacity);
        boolean fresh = Double.isNaN(count[slot]);
        count[slot] = fresh ? requests : count[slot] + requests;
        newest = Math.max(newest, epochSecond);
        minutes.add(epochSecond, requests);
        return true;
    }

    /** The count of one second, NaN if it is a gap or left the ring. */
    public double value(long epochSecond) {
        if (newest == Long.MIN_VALUE || epochSecond <= newest - capacity || epochSecond > newest) {
            return Double.NaN;
        }
        return count[(int) Math.floorMod(epochSecond, (long) capacity)];
    }

    /** Counts of seconds {@code [fromSecond, toSecond)} in a fresh array; NaN marks gaps. */
    public double[] values(long fromSecond, long toSecond) {
        double[] out = new double[(int) Math.max(0, toSecond - fromSecond)];
        for (int i = 0; i < out.length; i++) {
            out[i] = value(fromSecond + i);
        }
        return out;
    }

    /** Newest second seen, {@code Long.MIN_VALUE} if none. */
    public long newestSecond() {
        return newest;
    }

    public int capacitySeconds() {
        return capacity;
    }

    public MinuteAggregates minutes() {
        return minutes;
    }

    /** Mean req/s of hours {@code [fromHour, toHour)} (epoch hours), NaN = no data (see {@link MinuteAggregates#hourlyRates}). */
    public double[] hourlyRates(long fromHour, long toHour) {
        return minutes.hourlyRates(fromHour, toHour);
    }

    /** As {@link #hourlyRates(long, long)}, with the seconds observed in each hour written into {@code seconds}. */
    public double[] hourlyRates(long fromHour, long toHour, int[] seconds) {
        return minutes.hourlyRates(fromHour, toHour, seconds);
    }

    /** Windows refused because they were older than the ring. */
    public long tooOldCount() {
        return tooOld;
    }
}
