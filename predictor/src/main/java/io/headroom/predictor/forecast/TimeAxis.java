package io.headroom.predictor.forecast;

/**
 * Where a history array lies in time: index 0 is the step that starts at {@code startEpochSecond}, and each index
 * is {@code stepSeconds} long. {@link #NONE} means "unknown": models then use no calendar or daily features.
 *
 * @param startEpochSecond epoch second at which index 0 starts
 * @param stepSeconds      length of one step in seconds; 0 when the axis is unknown
 */
public record TimeAxis(long startEpochSecond, long stepSeconds) {
    /** No time known (the series is just a sequence of steps). */
    public static final TimeAxis NONE = new TimeAxis(0, 0);

    public TimeAxis {
        if (stepSeconds < 0) {
            throw new IllegalArgumentException("stepSeconds: " + stepSeconds + " (expected: >= 0, 0 = unknown)");
        }
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
}
