package io.headroom.ingest.model;

import java.util.Objects;

/**
 * What one router instance may still admit of a consumer's cluster-wide calendar quota (one period: minute, hour, day or
 * month) in the current window, handed out by the predictor, which counts every instance's admissions from telemetry.
 *
 * <p>The allowance is a cap on the instance's <em>own</em> count in the window, not a number of requests from now on:
 * the router admits while {@code max(its count, used) < allowance}. Because the instance's own count already includes
 * the requests the predictor has not seen yet, the allowances of all instances add up to at most the limit however
 * late the telemetry is. {@code used} is what the predictor counted for the instance, so a router that restarted
 * mid-window (and counts from zero) still starts from it.
 *
 * @param consumer          consumer id
 * @param instanceId        router instance the allowance is for
 * @param period            {@code minute}, {@code hour}, {@code day} or {@code month}
 * @param windowStartMillis start of the current calendar window (epoch ms, inclusive)
 * @param windowEndMillis   its end (exclusive): the start of the next window
 * @param nextEndMillis     the end of the next window
 * @param limit             the cluster-wide limit per window
 * @param used              this instance's admissions in the window as the predictor counted them
 * @param allowance         the most this instance's count may reach in the window, {@code >= used}
 * @param nextAllowance     the same for the next window (counted from zero), applied from {@code windowEndMillis} until a
 *                          plan for that window arrives
 */
public record QuotaAllowance(String consumer, String instanceId, String period, long windowStartMillis, long windowEndMillis,
                             long nextEndMillis, long limit, long used, long allowance, long nextAllowance) {
    public QuotaAllowance {
        Objects.requireNonNull(consumer, "consumer");
        Objects.requireNonNull(instanceId, "instanceId");
        Objects.requireNonNull(period, "period");
        if (windowEndMillis <= windowStartMillis || nextEndMillis <= windowEndMillis || limit < 1 || used < 0 || allowance < used
                || nextAllowance < 0 || nextAllowance > limit) {
            throw new IllegalArgumentException("allowance of " + consumer + "@" + instanceId + " " + period + ": window ["
                    + windowStartMillis + ", " + windowEndMillis + "), next until " + nextEndMillis + ", limit " + limit + ", used "
                    + used + ", allowance " + allowance + ", next " + nextAllowance
                    + " (expected: ordered windows, limit >= 1, 0 <= used <= allowance, 0 <= next <= limit)");
        }
    }
}
