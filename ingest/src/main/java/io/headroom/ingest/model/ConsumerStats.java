package io.headroom.ingest.model;

import java.util.Objects;

/**
 * One consumer's traffic on one route in one telemetry window: requests that met a limit (admitted or not) and how
 * many of them were refused by it. A window carries at most a bounded number of these (the busiest consumers), and
 * the rest summed under {@link #OTHER}.
 *
 * @param consumer   consumer id, or {@link #OTHER} for the sum of the consumers left out
 * @param requests   requests of this consumer that met a rate limit in the window, >= 0
 * @param rejections how many of them the limit refused (429), in [0, requests]
 */
public record ConsumerStats(String consumer, long requests, long rejections) {
    /** The bucket of every consumer beyond the window's top K. */
    public static final String OTHER = "(other)";

    public ConsumerStats {
        Objects.requireNonNull(consumer, "consumer");
        if (requests < 0 || rejections < 0 || rejections > requests) {
            throw new IllegalArgumentException("consumer " + consumer + ": requests " + requests + ", rejections " + rejections
                    + " (expected: 0 <= rejections <= requests)");
        }
    }
}
