package io.headroom.router.config;

import java.time.Duration;

/**
 * Passive outlier detection: {@code outlier: {consecutive-failures: 5, base-ejection-time: 30s, max-ejection-time: 300s,
 * max-ejection-percent: 50}}.
 *
 * @param consecutiveFailures  5xx answers or connect/upstream failures in a row that eject a member; 0 disables
 * @param baseEjectionTime     ejection time = base × number of times this member was ejected, capped
 * @param maxEjectionTime      the cap
 * @param maxEjectionPercent   never eject more than this share of the pool's members
 */
public record OutlierConfig(int consecutiveFailures, Duration baseEjectionTime, Duration maxEjectionTime, int maxEjectionPercent) {
    public static final OutlierConfig DEFAULT = new OutlierConfig(5, Duration.ofSeconds(30), Duration.ofSeconds(300), 50);

    public boolean enabled() {
        return consecutiveFailures > 0;
    }
}
