package io.headroom.predictor.forecast;

import java.util.Arrays;

/**
 * Coarse means of the time before a history (e.g. the hour ring's hourly means before a per-minute series): what a
 * seasonal lag reaches for when its period is longer than the fine history kept. Step {@code i} covers
 * {@code [startEpochSecond + i * stepSeconds, + stepSeconds)}; {@code NaN} = unknown (a gap, a partial hour, before the
 * ring). Carried by {@link TimeAxis#past()}, which refuses a past that ends after the history's first step, so a
 * model can never read through it what happened after any of its origins.
 *
 * @param startEpochSecond epoch second at which {@code means[0]} starts
 * @param stepSeconds      length of one coarse step (e.g. 3600)
 * @param means            the mean of each step, oldest first (NaN = unknown)
 */
public record CoarsePast(long startEpochSecond, long stepSeconds, double[] means) {
    /** Nothing known before the history. */
    public static final CoarsePast NONE = new CoarsePast(0, 1, new double[0]);

    public CoarsePast {
        if (stepSeconds <= 0) {
            throw new IllegalArgumentException("stepSeconds: " + stepSeconds + " (expected: > 0)");
        }
        means = means.clone();
    }

    /**
     * The coarse means with leading and trailing unknown steps trimmed ({@link #NONE} if nothing is known), so
     * {@link TimeAxis#pastSteps()} counts from the earliest known step.
     */
    public static CoarsePast of(long startEpochSecond, long stepSeconds, double[] means) {
        int from = 0;
        while (from < means.length && Double.isNaN(means[from])) {
            from++;
        }
        int to = means.length;
        while (to > from && Double.isNaN(means[to - 1])) {
            to--;
        }
        return from == to ? NONE : new CoarsePast(startEpochSecond + from * stepSeconds, stepSeconds, Arrays.copyOfRange(means, from, to));
    }

    public boolean isEmpty() {
        return means.length == 0;
    }

    /** Epoch second at which the last step ends (= {@code startEpochSecond} when empty). */
    public long endEpochSecond() {
        return startEpochSecond + means.length * stepSeconds;
    }

    /** The mean of the step holding {@code epochSecond}; NaN outside the past or where unknown. */
    public double at(long epochSecond) {
        if (epochSecond < startEpochSecond || epochSecond >= endEpochSecond()) {
            return Double.NaN;
        }
        return means[(int) ((epochSecond - startEpochSecond) / stepSeconds)];
    }

    /**
     * The value at {@code epochSecond} read as a line through the middles of the coarse steps: the mean of its step
     * moved towards the neighbouring step's mean in proportion to the distance from its middle (only the step's own
     * mean where that neighbour is unknown or outside the past). A 90-minute surge then reads as a rise and a fall
     * rather than two flat hours. NaN where {@link #at} is.
     */
    public double interpolated(long epochSecond) {
        double own = at(epochSecond);
        if (Double.isNaN(own)) {
            return own;
        }
        long i = (epochSecond - startEpochSecond) / stepSeconds;
        double offset = (epochSecond - startEpochSecond - i * stepSeconds + 0.5) / stepSeconds - 0.5; // -0.5 .. 0.5
        long j = offset < 0 ? i - 1 : i + 1;
        if (j < 0 || j >= means.length || Double.isNaN(means[(int) j])) {
            return own;
        }
        return own + Math.abs(offset) * (means[(int) j] - own);
    }

    /** A copy of the means. */
    @Override
    public double[] means() {
        return means.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CoarsePast p && p.startEpochSecond == startEpochSecond && p.stepSeconds == stepSeconds
                && Arrays.equals(p.means, means);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(startEpochSecond) * 31 + Arrays.hashCode(means);
    }

    @Override
    public String toString() {
        return isEmpty() ? "CoarsePast[none]" : "CoarsePast[" + means.length + " x " + stepSeconds + " s from " + startEpochSecond + "]";
    }
}
