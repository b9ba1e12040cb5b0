package io.headroom.router.config;

import java.time.Duration;

/**
 * Active health checks: {@code health: {path: /health, interval: 5s, jitter: 10%, healthy-threshold: 2,
 * unhealthy-threshold: 3, timeout: 1s}}. A check is an HTTP/1.1 GET; a 2xx answer passes, anything else fails.
 *
 * @param path               request path
 * @param interval           time between rounds
 * @param jitterPercent      each wait is interval ± this share of it
 * @param healthyThreshold   passes in a row that bring an unhealthy member back
 * @param unhealthyThreshold failures in a row that take a healthy member out
 * @param timeout            connect + answer timeout of one check
 */
public record HealthConfig(String path, Duration interval, int jitterPercent, int healthyThreshold, int unhealthyThreshold,
                           Duration timeout) {
}
