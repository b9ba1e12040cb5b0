package io.headroom.ingest.model;

import java.util.Objects;

/**
 * A share of a consumer's global rate limit leased to one router instance.
 *
 * @param consumer      consumer id (API key owner, JWT subject, ...)
 * @param instanceId    router instance the lease is for, or {@code "*"} for every instance
 * @param ratePerSecond sustained rate this instance may admit
 * @param burst         extra requests admitted in a burst
 */
public record QuotaLease(String consumer, String instanceId, double ratePerSecond, long burst) {
    public QuotaLease {
        Objects.requireNonNull(consumer, "consumer");
        Objects.requireNonNull(instanceId, "instanceId");
        if (!(ratePerSecond >= 0) || burst < 0) {
            throw new IllegalArgumentException("quota for " + consumer + ": rate " + ratePerSecond + ", burst " + burst
                    + " (expected: >= 0)");
        }
    }
}
