package io.headroom.datasets.trace;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * A count of requests observed during {@code [start, start + duration)}.
 *
 * @param gap true when the recording had no data for this bucket (an outage, a malformed value), so a
 *            zero here means "unknown", not "quiet"; forecasters should not learn from gap buckets
 */
public record RateBucket(Instant start, Duration duration, long count, boolean gap) {
    public RateBucket {
        Objects.requireNonNull(start, "start");
        Objects.requireNonNull(duration, "duration");
        if (duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException("duration: " + duration + " (expected: > 0)");
        }
        if (count < 0) {
            throw new IllegalArgumentException("count: " + count + " (expected: >= 0)");
        }
    }

    public Instant end() {
        return start.plus(duration);
    }
}
