package io.headroom.router.control;

/**
 * What the router knows about one pool member right now (admin API, tests).
 *
 * @param address             {@code host:port}
 * @param weight              effective weight from configuration and plans (before slow start)
 * @param available           in the balancer's rotation now
 * @param healthy             active health checks pass (true when the pool has none)
 * @param ejected             ejected by passive outlier detection now
 * @param ejections           how many times it was ejected
 * @param consecutiveFailures 5xx / connect failures in a row
 * @param breaker             circuit breaker state ({@code CLOSED}, {@code OPEN}, {@code HALF_OPEN}) or {@code none}
 * @param outstanding         requests in flight
 * @param lastError           the last failure seen, or null
 */
public record MemberStatus(String address, double weight, boolean available, boolean healthy, boolean ejected, int ejections,
                           int consecutiveFailures, String breaker, int outstanding, String lastError) {
}
