package io.headroom.predictor.forecast;

/**
 * Where a history array lies in time: index 0 is the step that starts at {@code startEpochSecond}, and each index
 * is {@code stepSeconds} long. {@link #NONE} means "unknown": models then use no calendar or daily features.
 *
 * <p>Optionally it also carries a {@link CoarsePast}: coarse means (e.g. hourly) of the time before index 0, which
 * the seasonal lags of {@link LagFeatureSchema} read for steps before the history (a weekly lag on a day of minutes
 * plus a week of hours). The past must end at or before index 0, so every origin of a fit, a backtest or a forecast
 * on this axis lies after all of it: it cannot leak.
 *
 * @param startEpochSecond epoch second at which index 0 starts
 * @param stepSeconds      length of one step in seconds; 0 when the axis is unknown
 * @param past             coarse means before index 0 ({@link CoarsePast#NONE}: none)
 */
public record TimeAxis(long startEpochSecond, long stepSeconds, CoarsePast past) {
    /** No time known (the series is just a sequence of steps). */
    public static final TimeAxis NONE = new TimeAxis(0, 0);

    public TimeAxis {
        if (stepSeconds < 0) {
            throw new IllegalArgumentException("stepSeconds: " + stepSeconds + " (expected: >= 0, 0 = unknown)");
        }
        java.util.Objects.requireNonNull(past, "past");
        if (!past.isEmpty() && (stepSeconds == 0 || past.endEpochSecond() > startEpochSecond)) {
            throw new IllegalArgumentException("the coarse past ends at " + past.endEpochSecond() + ", after index 0 of the history ("
                    + startEpochSecond + "): it would show models what came after their origins (expected: a past that ends at or"
                    + " before the history's first step, on a known axis)");
        }
    }

    /** Without a coarse past. */
    public TimeAxis(long startEpochSecond, long stepSeconds) {
        this(startEpochSecond, stepSeconds, CoarsePast.NONE);
    }

    /** This axis with {@code past} before index 0 (it must end at or before {@link #startEpochSecond}). */
    public TimeAxis withPast(CoarsePast past) {
        return new TimeAxis(startEpochSecond, stepSeconds, past);
    }

    public boolean known() {
        return stepSeconds > 0;
    }

    /** Epoch second at which step {@code index} starts. */
    public long epochSecond(int index) {
        return startEpochSecond + index * stepSeconds;
    }

    /** Steps in {@code seconds} (0 if the axis is unknown or a step is longer). */
    public int steps(long seconds) {
        return known() ? (int) (seconds / stepSeconds) : 0;
    }

    /** Steps in a day, 0 if unknown. */
    public int daySteps() {
        return steps(86_400);
    }

    /** Steps in a week, 0 if unknown. */
    public int weekSteps() {
        return steps(7 * 86_400);
    }

    /** Steps of this axis between the earliest known step of the coarse past and index 0 (0 without a past). */
    public int pastSteps() {
        return past.isEmpty() || !known() ? 0 : (int) Math.min(Integer.MAX_VALUE / 4,
                (startEpochSecond - past.startEpochSecond()) / stepSeconds);
    }

    /**
     * The coarse past at the middle of step {@code index} < 0 (before the history), interpolated between the middles of
     * the coarse steps ({@link CoarsePast#interpolated}); NaN if unknown or {@code index >= 0}.
     */
    public double pastValue(int index) {
        return index >= 0 || past.isEmpty() ? Double.NaN : past.interpolated(epochSecond(index) + stepSeconds / 2);
    }
}
